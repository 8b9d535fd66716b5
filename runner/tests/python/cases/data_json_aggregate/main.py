import json
from collections import Counter, defaultdict

with open("orders.json") as f:
    data = json.load(f)

per_customer = defaultdict(float)
sku_counts = Counter()
for order in data["orders"]:
    for item in order["items"]:
        per_customer[order["customer"]] += item["qty"] * item["price"]
        sku_counts[item["sku"]] += item["qty"]
report = {
    "customers": {k: round(v, 2) for k, v in sorted(per_customer.items())},
    "top_sku": sku_counts.most_common(1)[0],
    "empty_orders": [o["id"] for o in data["orders"] if not o["items"]],
}
print(json.dumps(report, indent=2))
