class AppError(Exception):
    pass

class NotFound(AppError):
    def __init__(self, key):
        super().__init__(f"not found: {key}")
        self.key = key

def lookup(d, key):
    try:
        return d[key]
    except KeyError as e:
        raise NotFound(key) from e

events = []
def risky(n):
    try:
        events.append(f"try {n}")
        if n == 1:
            raise ValueError("one")
        if n == 2:
            return "returned"
    except ValueError as e:
        events.append(f"except {e}")
        return "handled"
    else:
        events.append("else")
    finally:
        events.append("finally")
    return "end"

print([risky(i) for i in range(3)])
print(events)
try:
    lookup({"a": 1}, "b")
except AppError as e:
    print(type(e).__name__, e, e.key, type(e.__cause__).__name__, repr(e.__cause__))
try:
    try:
        1 / 0
    except ZeroDivisionError:
        int("x")
except ValueError as e:
    print("context:", type(e.__context__).__name__, e.args)
for exc in (IndexError("i"), KeyError("k"), TypeError("t"), AttributeError("a")):
    try:
        raise exc
    except (IndexError, KeyError) as e:
        print("lookup error", repr(e), isinstance(e, LookupError))
    except Exception as e:
        print("other", type(e).__name__)
try:
    [][1]
except IndexError as e:
    print(e)
try:
    {}["missing"]
except KeyError as e:
    print(e, e.args)
try:
    raise ExceptionGroup("many", [ValueError(1), TypeError(2)])
except* ValueError as eg:
    print("got values", [str(x) for x in eg.exceptions])
except* TypeError as eg:
    print("got types", len(eg.exceptions))
