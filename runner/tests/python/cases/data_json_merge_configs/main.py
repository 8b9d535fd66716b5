import json

def merge(a, b):
    result = dict(a)
    for key, value in b.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = value
    return result

with open("base.json") as f:
    base = json.load(f)
with open("override.json") as f:
    override = json.load(f)
print(json.dumps(merge(base, override), sort_keys=True))
print(json.dumps(merge(base, override), indent=4, separators=(",", ": ")))
