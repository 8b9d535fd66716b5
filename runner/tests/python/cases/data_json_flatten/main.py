import json

def flatten(obj, prefix=""):
    out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}{k}."))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.update(flatten(v, f"{prefix}{i}."))
    else:
        out[prefix[:-1]] = obj
    return out

config = {"server": {"host": "localhost", "ports": [80, 443]}, "debug": False,
          "users": [{"name": "a", "tags": {"x": 1}}], "ratio": 0.25, "none": None}
for k, v in flatten(config).items():
    print(f"{k} = {json.dumps(v)}")
