import json

inv = json.load(open("inventory.json"))
print(f"Inventory report for {inv['warehouse']}")
print("-" * 44)
value = 0.0
low = []
for item in sorted(inv["items"], key=lambda i: i["sku"]):
    v = item["qty"] * item["cost"]
    value += v
    flag = "!" if item["qty"] < item["reorder"] else " "
    if flag == "!":
        low.append(item["name"])
    print(f"{flag} {item['sku']:<7}{item['name']:<8}{item['qty']:>6}{v:>12,.2f}")
print("-" * 44)
print(f"  total value {value:>30,.2f}")
print("reorder:", ", ".join(low) or "nothing")
