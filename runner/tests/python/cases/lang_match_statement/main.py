def handle(cmd):
    match cmd.split():
        case ["go", ("north" | "south" | "east" | "west") as d]:
            return f"going {d}"
        case ["go", *_]:
            return "unknown direction"
        case ["take", item, "and", other]:
            return f"taking {item} and {other}"
        case ["take", item]:
            return f"taking {item}"
        case ["quit" | "exit"]:
            return "bye"
        case []:
            return "empty"
        case _:
            return f"unknown: {cmd!r}"

for c in ["go north", "go up", "take lamp", "take key and coin", "exit", "", "dance"]:
    print(handle(c))

def describe(obj):
    match obj:
        case {"type": "user", "name": str(name), **rest}:
            return f"user {name} {sorted(rest)}"
        case {"type": "point", "x": 0, "y": 0}:
            return "origin"
        case (x, y) if x == y:
            return f"diagonal {x}"
        case int() | float() as n if n < 0:
            return "negative"
        case int(n):
            return f"int {n}"
        case str() as s:
            return f"string of {len(s)}"
        case None:
            return "none"
        case _:
            return "other"
for o in [{"type": "user", "name": "ann", "age": 3}, {"type": "point", "x": 0, "y": 0}, (2, 2), (1, 2), -3, 7, "hey", None, 2.5]:
    print(describe(o))
