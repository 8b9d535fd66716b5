import json, sys

PATH = "todo.json"

def load():
    try:
        with open(PATH) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"next_id": 1, "items": []}

def save(db):
    with open(PATH, "w") as f:
        json.dump(db, f, indent=1)
        f.write("\n")

db = load()
cmd, *args = sys.argv[1:]
if cmd == "add":
    db["items"].append({"id": db["next_id"], "text": " ".join(args), "done": False})
    db["next_id"] += 1
    print("added", db["next_id"] - 1)
elif cmd == "done":
    ident = int(args[0])
    for item in db["items"]:
        if item["id"] == ident:
            item["done"] = True
            print("completed", ident)
            break
    else:
        print(f"no item {ident}", file=sys.stderr)
        sys.exit(2)
elif cmd == "list":
    for item in db["items"]:
        print(f"[{'x' if item['done'] else ' '}] {item['id']}: {item['text']}")
save(db)
