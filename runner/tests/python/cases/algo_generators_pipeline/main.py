def read_lines(path):
    with open(path) as f:
        for line in f:
            yield line.rstrip("\n")

def parse(lines):
    for line in lines:
        level, value = line.split()
        yield level, int(value)

def only(level, records):
    return (v for l, v in records if l == level)

def running_total(values):
    total = 0
    for v in values:
        total += v
        yield total

print(list(running_total(only("error", parse(read_lines("log.txt"))))))

def countdown(n):
    while n > 0:
        received = yield n
        n = n - 1 if received is None else received

gen = countdown(5)
print(next(gen), next(gen), gen.send(2), next(gen))
def chain_all(*its):
    for it in its:
        yield from it
print(list(chain_all("ab", [1, 2], range(2))))
squares = (x * x for x in range(10))
print(sum(squares), sum(squares))
def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b
from itertools import takewhile
print(list(takewhile(lambda x: x < 100, fib())))
