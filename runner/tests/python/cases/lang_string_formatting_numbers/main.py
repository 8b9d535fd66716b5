vals = [0, 1, -1, 3.14159, 2.5, 1e10, 1.5e-5, 123456.789, float("nan"), 10 ** 25]
for v in vals:
    print(repr(v), str(v), f"{v:g}", f"{v:.3}" if isinstance(v, float) else f"{v:,}")
print(round(0.125, 2), round(0.375, 2), round(2.675, 2), round(1234.5678, -2), round(-1.5), f"{2.5:.0f} {3.5:.0f}")
print(1 / 3, 2 / 3, 0.1 * 3, 1e16 + 1, 9007199254740993.0, 4.35 * 100, int(4.35 * 100))
print(format(1234.5, "08.2f"), format(0.5, "%"), format(12, "x"), format("s", "^5"), "%5.1f|%-5d|%x" % (2.25, 3, 255))
print(float("1_000.5"), int("1_000"), 1_000_000, 0o17, 0xFF, 1e3, 2 ** 0.5, (-8) ** (1 / 3) if False else abs(-8) ** (1 / 3))
print(divmod(7.5, 2), 7.5 % 2, -7 // 2, -7 % 2, 7 % -2, complex(1, 2) * complex(3, -1), abs(3 + 4j))
print(str(10 ** 50), len(str(2 ** 1000)), hash(1) == hash(1.0), 0.1 + 0.2 == 0.3, sum([0.1] * 10) == 1.0)
print(max(1, 2.5, key=float), min("b", "a"), sorted([3, 1.5, 2]), sum(range(101)), pow(2, 10), 10 ** -2)
