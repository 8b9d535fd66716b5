import statistics, math

data = [12, 15, 11, 19, 25, 30, 14, 18, 22, 16, 13, 28, 35, 17, 21]
print("n", len(data), "mean", round(statistics.mean(data), 3))
print("median", statistics.median(data), "mode", statistics.mode([1, 2, 2, 3]))
print("pstdev", round(statistics.pstdev(data), 4), "stdev", round(statistics.stdev(data), 4))
print("variance", round(statistics.variance(data), 4))
print("quantiles", statistics.quantiles(data, n=4))
def percentile(values, p):
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    f, c = math.floor(k), math.ceil(k)
    return s[int(k)] if f == c else s[f] + (s[c] - s[f]) * (k - f)
for p in (10, 50, 90, 99):
    print(p, round(percentile(data, p), 2))
print("harmonic", round(statistics.harmonic_mean([2, 4, 8]), 6), "geometric", round(statistics.geometric_mean([2, 8]), 6))
