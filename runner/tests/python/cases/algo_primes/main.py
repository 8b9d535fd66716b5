def sieve(n):
    is_prime = [True] * (n + 1)
    is_prime[0] = is_prime[1] = False
    for i in range(2, int(n ** 0.5) + 1):
        if is_prime[i]:
            is_prime[i * i::i] = [False] * len(range(i * i, n + 1, i))
    return [i for i, p in enumerate(is_prime) if p]

primes = sieve(10000)
print(len(primes), primes[:10], primes[-3:])
def factorize(n):
    out, d = [], 2
    while d * d <= n:
        while n % d == 0:
            out.append(d)
            n //= d
        d += 1
    if n > 1:
        out.append(n)
    return out
for n in (360, 97, 1001, 2 ** 31 - 1, 600851475143):
    print(n, factorize(n))
twins = [(p, p + 2) for p, q in zip(primes, primes[1:]) if q - p == 2]
print(len(twins), twins[-1])
