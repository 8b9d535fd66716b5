import os, re

pattern = re.compile(r"^img_(\d+)\.jpg$", re.IGNORECASE)
renamed = 0
for name in sorted(os.listdir("photos")):
    m = pattern.match(name)
    if not m:
        print("skip", name)
        continue
    new = f"vacation_{int(m.group(1)):03d}.jpg"
    os.rename(os.path.join("photos", name), os.path.join("photos", new))
    print(name, "->", new)
    renamed += 1
print("renamed", renamed)
