from functools import lru_cache, cache, reduce

@lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

@cache
def ways(n):
    if n < 0:
        return 0
    if n == 0:
        return 1
    return ways(n - 1) + ways(n - 2) + ways(n - 3)

print([fib(i) for i in range(15)])
print(fib(200))
print(fib.cache_info().hits > 0, ways(30))
print(reduce(lambda a, b: a * b, range(1, 21)))
