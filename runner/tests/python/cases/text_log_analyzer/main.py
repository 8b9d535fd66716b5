import re
from collections import Counter, defaultdict
from datetime import datetime

LINE = re.compile(r'(?P<ip>\S+) \S+ \S+ \[(?P<ts>[^\]]+)\] "(?P<method>\w+) (?P<path>\S+) [^"]+" (?P<status>\d{3}) (?P<size>\d+)')
by_status = Counter()
bytes_by_ip = defaultdict(int)
paths = Counter()
first = last = None
for line in open("access.log"):
    m = LINE.match(line)
    if not m:
        print("skip:", line.strip())
        continue
    ts = datetime.strptime(m["ts"], "%d/%b/%Y:%H:%M:%S %z")
    first = first or ts
    last = ts
    by_status[m["status"]] += 1
    bytes_by_ip[m["ip"]] += int(m["size"])
    paths[m["path"].split("?")[0]] += 1
print("status:", sorted(by_status.items()))
print("top ip by bytes:", max(bytes_by_ip.items(), key=lambda kv: kv[1]))
print("paths:", paths.most_common(2))
print("span:", last - first, "from", first.isoformat())
errors = sum(n for s, n in by_status.items() if s.startswith("5"))
print(f"error rate: {errors / sum(by_status.values()):.1%}")
