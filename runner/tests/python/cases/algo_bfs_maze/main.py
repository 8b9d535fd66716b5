from collections import deque

grid = [list(row) for row in open("maze.txt").read().split()]
find = lambda ch: next((r, c) for r, row in enumerate(grid) for c, v in enumerate(row) if v == ch)
start, end = find("S"), find("E")
q = deque([start])
came = {start: None}
while q:
    cur = q.popleft()
    if cur == end:
        break
    r, c = cur
    for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0)):
        nxt = (r + dr, c + dc)
        if grid[nxt[0]][nxt[1]] != "#" and nxt not in came:
            came[nxt] = cur
            q.append(nxt)
path = []
node = end
while node:
    path.append(node)
    node = came[node]
for r, c in path[1:-1]:
    grid[r][c] = "*"
print("\n".join("".join(row) for row in grid))
print("steps:", len(path) - 1)
