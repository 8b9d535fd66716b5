import os, shutil
from pathlib import Path

src = Path("inbox")
dst = Path("sorted")
moved = {}
for p in sorted(src.iterdir()):
    ext = p.suffix.lower().lstrip(".") or "no_extension"
    target = dst / ext
    target.mkdir(parents=True, exist_ok=True)
    shutil.move(str(p), target / p.name)
    moved.setdefault(ext, []).append(p.name)
for ext in sorted(moved):
    print(f"{ext}: {', '.join(moved[ext])}")
print("inbox empty:", not any(src.iterdir()))
