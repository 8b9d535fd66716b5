rows = [("Name", "Language", "Stars"), ("requests", "Python", 51000), ("ripgrep", "Rust", 43000), ("jq", "C", 28000)]
widths = [max(len(str(r[i])) for r in rows) for i in range(3)]
def fmt(row):
    cells = []
    for i, (cell, w) in enumerate(zip(row, widths)):
        cells.append(str(cell).rjust(w) if isinstance(cell, int) else str(cell).ljust(w))
    return "| " + " | ".join(cells) + " |"
print(fmt(rows[0]))
print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
for r in rows[1:]:
    print(fmt(r))
