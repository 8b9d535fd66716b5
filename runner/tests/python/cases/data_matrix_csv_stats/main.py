import csv

with open("grid.csv") as f:
    reader = csv.reader(f)
    header = next(reader)
    rows = list(reader)
columns = {h: [] for h in header}
skipped = 0
for row in rows:
    for h, cell in zip(header, row):
        try:
            columns[h].append(float(cell))
        except ValueError:
            skipped += 1
for h, vals in columns.items():
    print(h, len(vals), min(vals), max(vals), round(sum(vals) / len(vals), 3))
print("skipped cells:", skipped)
transposed = list(zip(*rows))
print(transposed[0])
