import functools, time

def log_calls(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        print(f"call {func.__name__}{args} {kwargs}")
        result = func(*args, **kwargs)
        print(f"  -> {result!r}")
        return result
    return wrapper

def retry(times):
    def deco(func):
        @functools.wraps(func)
        def wrapper(*a, **k):
            for attempt in range(1, times + 1):
                try:
                    return func(*a, **k)
                except ValueError as e:
                    print(f"attempt {attempt} failed: {e}")
            raise RuntimeError("gave up")
        return wrapper
    return deco

@log_calls
def add(a, b=0):
    "Add numbers."
    return a + b

calls = {"n": 0}
@retry(3)
def flaky():
    calls["n"] += 1
    if calls["n"] < 3:
        raise ValueError(f"try {calls['n']}")
    return "ok"

add(1, b=2)
print(add.__name__, add.__doc__, add.__wrapped__(5))
print(flaky())
class Registry:
    handlers = {}
    @classmethod
    def register(cls, name):
        def deco(f):
            cls.handlers[name] = f
            return f
        return deco
@Registry.register("greet")
def greet(x):
    return f"hi {x}"
print(Registry.handlers["greet"]("bob"), sorted(Registry.handlers))
def singleton(cls):
    instances = {}
    def get(*a):
        if cls not in instances:
            instances[cls] = cls(*a)
        return instances[cls]
    return get
@singleton
class Config:
    def __init__(self, v):
        self.v = v
print(Config(1).v, Config(2).v, Config(1) is Config(3))
@functools.total_ordering
class V:
    def __init__(self, n): self.n = n
    def __eq__(self, o): return self.n == o.n
    def __lt__(self, o): return self.n < o.n
print(V(1) <= V(2), V(3) >= V(2), max([V(1), V(5), V(3)]).n)
p = functools.partial(int, base=2)
print(p("1010"), functools.reduce(lambda a, b: a * 10 + b, [1, 2, 3]))
