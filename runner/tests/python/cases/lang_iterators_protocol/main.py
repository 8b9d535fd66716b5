class Countdown:
    def __init__(self, start):
        self.start = start
    def __iter__(self):
        n = self.start
        while n > 0:
            yield n
            n -= 1
    def __reversed__(self):
        return iter(range(1, self.start + 1))
    def __contains__(self, x):
        return 0 < x <= self.start

c = Countdown(4)
print(list(c), list(reversed(c)), 3 in c, 9 in c)

class Fib:
    def __init__(self, limit):
        self.a, self.b, self.limit = 0, 1, limit
    def __iter__(self):
        return self
    def __next__(self):
        if self.a > self.limit:
            raise StopIteration
        value = self.a
        self.a, self.b = self.b, self.a + self.b
        return value
print(list(Fib(50)))
it = iter([1, 2, 3])
print(next(it), next(it), next(it), next(it, "done"))
print(list(enumerate("abc", 1)), list(zip("ab", [1, 2, 3])), list(map(pow, [2, 3], [3, 2])))
from itertools import zip_longest, groupby, pairwise, starmap, compress, dropwhile, tee, repeat
print(list(zip_longest("ab", "xyz", fillvalue="-")), [(k, len(list(g))) for k, g in groupby("aaabccdd")])
print(list(pairwise([1, 2, 4, 7])), list(starmap(max, [(1, 5), (7, 2)])), list(compress("abcd", [1, 0, 1, 0])))
print(list(dropwhile(lambda x: x < 3, [1, 2, 3, 1])), [list(t) for t in tee([1, 2], 2)], list(repeat("z", 3)))
d = {"b": 2, "a": 1}
print(list(d), list(d.values()), list(reversed(d)), sorted(d.items()), dict.fromkeys("xy", 0))
