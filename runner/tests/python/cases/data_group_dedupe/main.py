import csv
from itertools import groupby
from operator import itemgetter

with open("contacts.csv") as f:
    rows = list(csv.DictReader(f))
for r in rows:
    r["email"] = r["email"].lower()
rows.sort(key=itemgetter("email", "signup"))
for email, group in groupby(rows, key=itemgetter("email")):
    group = list(group)
    first = group[0]
    print(f"{email:<10} first={first['signup']} names={[g['name'] for g in group]}")
