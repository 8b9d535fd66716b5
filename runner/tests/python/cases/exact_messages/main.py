# Error messages programs print (print(f"error: {e}")) worded as CPython
# words them: json, closed files, struct, zlib; and csv's escapechar.
import csv
import io
import json
import struct
import zlib


def show(label, fn):
    try:
        fn()
        print(label, "-> no error")
    except Exception as e:
        print(f"{label} -> {type(e).__name__}: {e}")


show("json control char", lambda: json.loads('"a\x07b"'))
show("json control char newline", lambda: json.loads('{"k": "line\nbreak"}'))
show("json unterminated", lambda: json.loads('{"a": "x'))
show("json extra data", lambda: json.loads('{} {}'))
show("json empty", lambda: json.loads(''))
print("json strict=False:", json.loads('"a\tb"', strict=False) == "a\tb")


def closed_text():
    f = open("t.txt", "w")
    f.close()
    f.write("x")


def closed_read():
    with open("t.txt") as f:
        pass
    f.read()


def closed_bytesio():
    b = io.BytesIO(b"abc")
    b.close()
    b.read()


show("closed text write", closed_text)
show("closed text read", closed_read)
show("closed BytesIO", closed_bytesio)

for fmt, value in (("B", 256), ("B", -1), ("b", 128), ("h", 40000), ("H", -5), ("<B", 300),
                   ("i", 2**31), ("<I", 2**32), ("I", -1), ("q", 2**64), ("Q", -1)):
    show(f"struct.pack({fmt!r}, {value})", lambda fmt=fmt, value=value: struct.pack(fmt, value))
show("struct unpack short", lambda: struct.unpack("<I", b"ab"))

show("zlib bad header", lambda: zlib.decompress(b"not compressed data"))
show("zlib truncated", lambda: zlib.decompress(zlib.compress(b"hello world" * 10)[:-6]))
show("zlib bad level", lambda: zlib.compress(b"x", 12))
d = zlib.decompressobj()
show("zlib decompressobj garbage", lambda: d.decompress(b"\x78\x9c garbage here"))

out = io.StringIO()
w = csv.writer(out, doublequote=False, escapechar="\\")
w.writerow(['say "hi"', "a,b", "back\\slash", "plain", "multi\nline"])
w = csv.writer(out, quoting=csv.QUOTE_NONE, escapechar="\\")
w.writerow(['say "hi"', "a,b", "plain"])
w = csv.writer(out, doublequote=False, escapechar="\\", quoting=csv.QUOTE_ALL)
w.writerow(['say "hi"', "x"])
print(repr(out.getvalue()))
print(list(csv.reader(io.StringIO(out.getvalue().split("\r\n")[0]), doublequote=False, escapechar="\\")))
try:
    csv.writer(io.StringIO(), doublequote=False).writerow(['a"b'])
except csv.Error as e:
    print("csv.Error:", e)
