import json
from collections import Counter
from statistics import mean

levels = Counter()
durations = []
errors = Counter()
bad = 0
with open("events.jsonl") as f:
    for lineno, line in enumerate(f, 1):
        line = line.strip()
        if not line:
            continue
        try:
            ev = json.loads(line)
        except json.JSONDecodeError as e:
            bad += 1
            print(f"line {lineno}: invalid JSON at column {e.colno}")
            continue
        levels[ev["level"]] += 1
        durations.append(ev["ms"])
        if ev["level"] == "ERROR":
            errors[ev["msg"]] += 1
print(dict(sorted(levels.items())))
print(f"mean {mean(durations):.1f} ms, max {max(durations)} ms, bad lines {bad}")
print(errors.most_common())
