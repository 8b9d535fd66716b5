# Where python3's math is one unit in the last place away from CPython's
# (glibc): sin and cos (wasi-libc's musl libm: sin(2.5), cos(-2.3)), erfc
# far in its tail, and gamma/lgamma (pymath's own Lanczos code). The rest of
# math matches to the last bit (exact_math_table).
import math

print("sin(2.5)", math.sin(2.5))
print("cos(-2.3)", math.cos(-2.3))
print("erfc(20)", math.erfc(20.0))
print("gamma", [math.gamma(x) for x in (0.1, 1.5, 2.5, 3.14159)])
print("lgamma", [math.lgamma(x) for x in (7.5, 0.9)])
