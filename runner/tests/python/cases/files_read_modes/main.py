with open("lines.txt") as f:
    print(f.readline(), end="")
    print(repr(f.readline()))
    print(f.readlines())
with open("lines.txt", newline="") as f:
    print([l for l in f][:2])
with open("lines.txt", "rb") as f:
    f.seek(6)
    print(f.read(6), f.tell())
    f.seek(-4, 2)
    print(f.read())
with open("out.txt", "w") as f:
    f.write("a\n")
    f.writelines(["b\n", "c\n"])
    print("x", "y", sep=",", file=f)
with open("out.txt", "a") as f:
    f.write("appended\n")
with open("out.txt", "r+") as f:
    f.write("A")
print(open("out.txt").read().split("\n"))
with open("utf.txt", "w", encoding="utf-8") as f:
    f.write("naïve ☃\n")
print(open("utf.txt", "rb").read(), open("utf.txt", encoding="latin-1").read().strip())
try:
    open("missing.txt")
except FileNotFoundError as e:
    print(type(e).__name__, e.filename)
try:
    open("lines.txt", "x")
except FileExistsError:
    print("x mode refuses existing file")
