import csv, io, sys

with open("people.csv", newline="") as f:
    rows = list(csv.reader(f))
for row in rows:
    print(len(row), row)
out = io.StringIO()
w = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
w.writerows(rows)
print(out.getvalue(), end="")
w2 = csv.writer(sys.stdout, delimiter="\t", quoting=csv.QUOTE_ALL, lineterminator="\n")
w2.writerow(["a", 1, None, 2.5])
