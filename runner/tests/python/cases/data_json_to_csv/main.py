import json, csv

users = json.load(open("users.json"))
fields = ["id", "name", "email", "roles"]
with open("users.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=fields, restval="", lineterminator="\n")
    w.writeheader()
    for u in sorted(users, key=lambda u: u["id"]):
        row = dict(u)
        row["roles"] = ";".join(u.get("roles", []))
        w.writerow(row)
print("converted", len(users), "users")
