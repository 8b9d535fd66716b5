with open("scores.txt") as f:
    scores = [int(x) for x in f.read().split()]
bins = {}
for s in scores:
    lo = s // 10 * 10
    bins[lo] = bins.get(lo, 0) + 1
for lo in range(50, 100, 10):
    n = bins.get(lo, 0)
    print(f"{lo:3d}-{lo + 9:<3d}| {'*' * n:<6}| {n}")
grade = lambda s: "A" if s >= 90 else "B" if s >= 80 else "C" if s >= 70 else "D" if s >= 60 else "F"
from collections import Counter
print(sorted(Counter(map(grade, scores)).items()))
