import re
from collections import Counter

with open("text.txt", encoding="utf-8") as f:
    words = re.findall(r"[a-z']+", f.read().lower())
counts = Counter(words)
print(len(words), "words,", len(counts), "distinct")
for word, n in counts.most_common(6):
    print(f"{word:>8} {n:3d} {'#' * n}")
longest = max(counts, key=lambda w: (len(w), w))
print("longest:", longest)
