from itertools import permutations, combinations, product, combinations_with_replacement, accumulate, chain, islice, count, cycle

def solve(n):
    sols = []
    def place(row, cols, d1, d2, acc):
        if row == n:
            sols.append(acc)
            return
        for c in range(n):
            if c not in cols and row - c not in d1 and row + c not in d2:
                place(row + 1, cols | {c}, d1 | {row - c}, d2 | {row + c}, acc + [c])
    place(0, set(), set(), set(), [])
    return sols

for n in range(4, 9):
    print(n, len(solve(n)))
print(solve(6)[0])
print(list(permutations("abc", 2)))
print(list(combinations(range(5), 3))[:4], len(list(product("ab", repeat=3))))
print(list(combinations_with_replacement("xy", 2)), list(accumulate([1, 2, 3, 4])))
print(list(islice(cycle("ab"), 5)), list(islice(count(10, 5), 3)), list(chain([1], (2, 3))))
