import hashlib, os
from collections import defaultdict

by_hash = defaultdict(list)
for root, dirs, files in os.walk("."):
    dirs.sort()
    for name in sorted(files):
        if not name.endswith(".txt"):
            continue
        path = os.path.join(root, name)
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        by_hash[digest].append(path)
for digest, paths in sorted(by_hash.items(), key=lambda kv: kv[1]):
    if len(paths) > 1:
        print(digest[:16], sorted(paths))
print(hashlib.md5(b"").hexdigest(), hashlib.sha1(b"abc").hexdigest())
h = hashlib.sha256()
h.update(b"part1")
h.update(b"part2")
print(h.hexdigest() == hashlib.sha256(b"part1part2").hexdigest(), h.digest_size, h.name)
print(hashlib.blake2b(b"x", digest_size=8).hexdigest(), hashlib.sha3_256(b"").hexdigest()[:16])
