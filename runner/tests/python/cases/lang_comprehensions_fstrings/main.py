nums = list(range(1, 21))
evens = [n for n in nums if n % 2 == 0]
squares = {n: n * n for n in nums[:6]}
mods = sorted({n % 7 for n in nums})
matrix = [[i * j for j in range(1, 4)] for i in range(1, 4)]
flat = [x for row in matrix for x in row if x > 2]
print(evens, squares, mods, matrix, flat, sep="\n")
pairs = [(a, b) for a in range(1, 10) for b in range(a, 10) if a * b == 12]
print(pairs)
name, value, width = "pi", 3.14159265, 12
print(f"{name!r:>6} = {value:{width}.{4}f}|")
print(f"{value=:.2f} {len(name)=} {1+1=}")
print(f"{1234567.891:,.2f} {0.256:.1%} {42:#x} {42:#o} {42:#b} {-5:+d} {5:+d} {3:03d}")
print(f"{'centered':*^20}", f"{{literal braces}}", f"{[1, 2][-1]}", f"{ {'k': 'v'}['k'] }")
print(f"{1e-7:.3e} {123456789:e} {1/3:.10g} {float('inf')} {-0.0}")
from datetime import datetime
dt = datetime(2024, 1, 2, 3, 4, 5)
print(f"{dt:%Y-%m-%d %H:%M} {dt:%j %a %b}")
if (n := len(nums)) > 10:
    print(f"long list ({n} items)")
data = [("a", 1), ("b", 2)]
print(dict(data), list(zip(*data)), [*range(3), *"ab"], {**{"x": 1}, "y": 2})
first, *middle, last = range(6)
print(first, middle, last)
print(any(n > 19 for n in nums), all(n > 0 for n in nums), sum(n for n in nums if n % 3 == 0))
print(sorted(squares.items(), key=lambda kv: -kv[1])[:2], max(squares, key=squares.get))
