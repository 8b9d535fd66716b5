def step(live):
    counts = {}
    for (r, c) in live:
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                if dr or dc:
                    counts[(r + dr, c + dc)] = counts.get((r + dr, c + dc), 0) + 1
    return {cell for cell, n in counts.items() if n == 3 or (n == 2 and cell in live)}

def show(live, h=6, w=8):
    return "\n".join("".join("#" if (r, c) in live else "." for c in range(w)) for r in range(h))

glider = {(0, 1), (1, 2), (2, 0), (2, 1), (2, 2)}
g = glider
for gen in range(4):
    g = step(g)
print(show(g))
print(sorted(g))
blinker = {(1, 0), (1, 1), (1, 2)}
print(sorted(step(blinker)), step(step(blinker)) == blinker)
