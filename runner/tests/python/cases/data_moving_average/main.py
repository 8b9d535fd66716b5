from collections import deque

def moving_average(values, n):
    window = deque(maxlen=n)
    for v in values:
        window.append(v)
        if len(window) == n:
            yield sum(window) / n

with open("prices.txt") as f:
    prices = [float(line) for line in f]
for i, avg in enumerate(moving_average(prices, 3), start=3):
    trend = "up" if prices[i - 1] > avg else "down"
    print(f"day {i:2d}: price {prices[i-1]:6.1f} avg {avg:7.2f} {trend}")
changes = [round((b - a) / a * 100, 2) for a, b in zip(prices, prices[1:])]
print("daily % change:", changes)
print("best day:", max(range(len(changes)), key=changes.__getitem__) + 2)
