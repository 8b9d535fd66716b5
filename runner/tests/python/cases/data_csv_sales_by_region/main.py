import csv
from collections import defaultdict

totals = defaultdict(float)
units = defaultdict(int)
with open("sales.csv", newline="") as f:
    for row in csv.DictReader(f):
        amount = int(row["units"]) * float(row["unit_price"])
        totals[row["region"]] += amount
        units[row["region"]] += int(row["units"])

print(f"{'Region':<8}{'Units':>6}{'Revenue':>10}")
for region in sorted(totals, key=totals.get, reverse=True):
    print(f"{region:<8}{units[region]:>6}{totals[region]:>10.2f}")
print(f"{'Total':<8}{sum(units.values()):>6}{sum(totals.values()):>10.2f}")
