import csv
from decimal import Decimal

balances = {}
rejected = []
with open("tx.csv") as f:
    for row in csv.DictReader(f):
        acct, amount = row["account"], Decimal(row["amount"])
        bal = balances.get(acct, Decimal("0"))
        if row["type"] == "withdraw":
            if amount > bal:
                rejected.append((row["date"], acct, str(amount)))
                continue
            amount = -amount
        balances[acct] = bal + amount
for acct, bal in sorted(balances.items()):
    print(acct, bal)
print("rejected:", rejected)
print("total:", sum(balances.values()))
print(0.1 + 0.2, Decimal("0.1") + Decimal("0.2"))
