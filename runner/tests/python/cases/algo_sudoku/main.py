puzzle = [
    "53..7....", "6..195...", ".98....6.", "8...6...3", "4..8.3..1",
    "7...2...6", ".6....28.", "...419..5", "....8..79",
]
grid = [[int(c) if c != "." else 0 for c in row] for row in puzzle]

def ok(g, r, c, v):
    if any(g[r][j] == v for j in range(9)) or any(g[i][c] == v for i in range(9)):
        return False
    br, bc = r // 3 * 3, c // 3 * 3
    return all(g[i][j] != v for i in range(br, br + 3) for j in range(bc, bc + 3))

def solve(g):
    for r in range(9):
        for c in range(9):
            if g[r][c] == 0:
                for v in range(1, 10):
                    if ok(g, r, c, v):
                        g[r][c] = v
                        if solve(g):
                            return True
                        g[r][c] = 0
                return False
    return True

print(solve(grid))
for row in grid:
    print(" ".join(map(str, row)))
