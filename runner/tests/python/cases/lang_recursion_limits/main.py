import sys

def depth(n):
    return 0 if n == 0 else 1 + depth(n - 1)
print(depth(500))
def hanoi(n, a="A", b="B", c="C", moves=None):
    if moves is None:
        moves = []
    if n:
        hanoi(n - 1, a, c, b, moves)
        moves.append((a, c))
        hanoi(n - 1, b, a, c, moves)
    return moves
m = hanoi(10)
print(len(m), m[:3])
def flatten(x):
    return [z for y in x for z in flatten(y)] if isinstance(x, list) else [x]
print(flatten([1, [2, [3, [4, [5]]]], 6]))
try:
    def forever(n):
        return forever(n + 1)
    forever(0)
except RecursionError:
    print("RecursionError caught")
print(sys.getrecursionlimit() >= 1000)
