import math
from fractions import Fraction

print(math.gcd(462, 1071), math.lcm(4, 6, 10), math.isqrt(10 ** 20 + 1), math.comb(52, 5), math.perm(10, 3))
print(math.factorial(30), 2 ** 100, pow(3, 200, 10 ** 9 + 7), pow(7, -1, 13))
print(divmod(-17, 5), -17 // 5, -17 % 5, round(2.5), round(3.5), round(-0.5), round(1.23456, 3))
f = Fraction(3, 4) + Fraction(5, 6)
print(f, f.numerator, f.denominator, float(f), Fraction("0.125"), Fraction(1, 3) * 3)
print(Fraction(22, 7).limit_denominator(5), Fraction.from_float(0.5))
print(math.sqrt(2), math.pi, math.e, math.log(100, 10), math.log2(1024), math.hypot(3, 4))
print(math.floor(-2.5), math.ceil(-2.5), math.trunc(-2.5), math.fsum([0.1] * 10), sum([0.1] * 10))
print(math.isclose(0.1 + 0.2, 0.3), math.inf > 10 ** 300, math.isnan(float("nan")), 1e308 * 10)
print(int("ff", 16), hex(255), oct(8), bin(10), int("0b101", 0), (255).to_bytes(2, "big"), int.from_bytes(b"\x01\x00", "little"))
print(123456789 * 987654321, (2 ** 64).bit_length(), abs(-7), 7 / 2, 7 // 2, 2 ** -1, 10 ** 20 / 3)
