import csv

with open("customers.csv") as f:
    customers = {int(r["id"]): r for r in csv.DictReader(f)}
spend = {}
orphans = []
with open("orders.csv") as f:
    for r in csv.DictReader(f):
        cid = int(r["customer_id"])
        if cid not in customers:
            orphans.append(r["order"])
            continue
        spend[cid] = spend.get(cid, 0) + float(r["total"])
for cid, c in sorted(customers.items()):
    print(f"{c['name']:<10} {c['tier']:<7} {spend.get(cid, 0):8.2f}")
by_tier = {}
for cid, total in spend.items():
    tier = customers[cid]["tier"]
    by_tier[tier] = round(by_tier.get(tier, 0) + total, 2)
print(sorted(by_tier.items()))
print("orphan orders:", orphans)
