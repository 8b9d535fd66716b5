import os

def human(n):
    for unit in ("B", "KB", "MB"):
        if n < 1024:
            return f"{n:.0f}{unit}" if unit == "B" else f"{n:.1f}{unit}"
        n /= 1024
    return f"{n:.1f}GB"

totals = {}
for dirpath, dirnames, filenames in os.walk("tree", topdown=False):
    dirnames.sort()
    size = sum(os.path.getsize(os.path.join(dirpath, f)) for f in filenames)
    size += sum(totals[os.path.join(dirpath, d)] for d in dirnames)
    totals[dirpath] = size
for path in sorted(totals):
    depth = path.count(os.sep)
    print("  " * depth + os.path.basename(path), human(totals[path]))
exts = {}
for dirpath, _, files in os.walk("tree"):
    for f in files:
        ext = os.path.splitext(f)[1] or "(none)"
        exts[ext] = exts.get(ext, 0) + 1
print(sorted(exts.items()))
print(os.path.join("a", "b", "c.txt"), os.path.splitext("x.tar.gz"), os.path.dirname("/a/b/c"), os.path.normpath("a//b/./c/.."))
print(os.path.relpath("/a/b/c", "/a/d"), os.path.commonpath(["/a/b/c", "/a/b/d"]), os.path.isfile("tree/a.txt"), os.path.isdir("tree/a.txt"))
