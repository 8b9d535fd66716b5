def parse(s):
    return int(s)

print("before")
values = ["1", "2", "x3"]
total = 0
for v in values:
    total += parse(v)
    print("total", total)
print("never")
