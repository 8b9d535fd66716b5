import csv

with open("sales.csv", newline="") as src:
    reader = csv.DictReader(src)
    rows = [r for r in reader if int(r["units"]) * float(r["unit_price"]) >= 30]

rows.sort(key=lambda r: (r["region"], r["date"]))
with open("big_orders.csv", "w", newline="") as dst:
    writer = csv.DictWriter(dst, fieldnames=["date", "region", "amount"])
    writer.writeheader()
    for r in rows:
        writer.writerow({"date": r["date"], "region": r["region"],
                         "amount": f"{int(r['units']) * float(r['unit_price']):.2f}"})
print(f"wrote {len(rows)} rows")
