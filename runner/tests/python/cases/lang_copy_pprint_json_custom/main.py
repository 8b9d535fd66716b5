import copy, pprint, json
from datetime import date, datetime
from decimal import Decimal

orig = {"a": [1, 2, {"b": 3}], "c": (4, 5)}
shallow, deep = copy.copy(orig), copy.deepcopy(orig)
orig["a"][2]["b"] = 99
print(shallow["a"][2]["b"], deep["a"][2]["b"])
data = {"name": "widget", "tags": ["x", "y", "z"] * 3, "dims": {"w": 10, "h": 20, "d": 5}, "ok": True, "n": None}
pprint.pprint(data, width=50, sort_dicts=True)
print(pprint.pformat(list(range(30)), width=40, compact=True))

class Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, (date, datetime)):
            return o.isoformat()
        if isinstance(o, Decimal):
            return str(o)
        if isinstance(o, set):
            return sorted(o)
        return super().default(o)
print(json.dumps({"when": date(2024, 5, 6), "price": Decimal("9.99"), "ids": {3, 1, 2}}, cls=Encoder))
try:
    json.dumps({"x": object()})
except TypeError as e:
    print("TypeError:", "not JSON serializable" in str(e))
def hook(d):
    return {k: (datetime.fromisoformat(v) if k.endswith("_at") else v) for k, v in d.items()}
obj = json.loads('{"created_at": "2024-01-02T03:04:05", "x": 1.5e3, "u": "\\u00e9"}', object_hook=hook)
print(obj)
print(json.dumps([1.0, 1e20, float("inf"), -0.0, 2 ** 70, "é\n"]), json.dumps("é", ensure_ascii=False))
print(json.loads("[1, 2.50, true, null, \"s\"]"), json.dumps({"b": 1, "a": 2}, sort_keys=True, separators=(",", ":")))
