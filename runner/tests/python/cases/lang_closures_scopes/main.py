def make_counter():
    count = 0
    def inc(step=1):
        nonlocal count
        count += step
        return count
    return inc

c1, c2 = make_counter(), make_counter()
print(c1(), c1(), c1(5), c2())
fns = [lambda x, i=i: x + i for i in range(3)]
print([f(10) for f in fns])
late = [lambda: i for i in range(3)]
print([f() for f in late])
total = 0
def add_global(n):
    global total
    total += n
add_global(5); add_global(6)
print(total)
def outer():
    x = "outer"
    def inner():
        return x
    x = "changed"
    return inner()
print(outer())
def defaults(a, b=[], *args, c, d=4, **kw):
    b.append(a)
    return a, b, args, c, d, kw
print(defaults(1, c=3), defaults(2, c=3), defaults(0, [9], 7, 8, c=1, e=5))
def pos_only(a, b, /, c, *, d):
    return a + b + c + d
print(pos_only(1, 2, c=3, d=4))
try:
    pos_only(a=1, b=2, c=3, d=4)
except TypeError:
    print("positional-only enforced")
print(sorted(map(lambda s: s[::-1], ["abc", "xy"])), list(filter(None, [0, 1, "", "a", None])))
