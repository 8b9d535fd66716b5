import csv
from datetime import datetime
from collections import defaultdict

pivot = defaultdict(lambda: defaultdict(int))
products = set()
with open("sales.csv") as f:
    for row in csv.DictReader(f):
        month = datetime.strptime(row["date"], "%Y-%m-%d").strftime("%b")
        pivot[month][row["product"]] += int(row["units"])
        products.add(row["product"])
products = sorted(products)
print("Month".ljust(6) + "".join(p.rjust(11) for p in products))
for month in ["Jan", "Feb", "Mar"]:
    print(month.ljust(6) + "".join(str(pivot[month][p]).rjust(11) for p in products))
