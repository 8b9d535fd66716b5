import math
for f in (lambda: [1, 2].index(5), lambda: math.sqrt(-1)):
    try:
        f()
    except ValueError as e:
        print("ValueError:", e)
