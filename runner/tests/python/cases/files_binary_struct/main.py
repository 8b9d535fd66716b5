import struct

records = [(1, 3.5, b"alpha"), (2, -1.25, b"beta"), (300, 0.0, b"gamma")]
fmt = "<Hf8s"
with open("records.bin", "wb") as f:
    f.write(struct.pack("<4sI", b"RECS", len(records)))
    for r in records:
        f.write(struct.pack(fmt, *r))
with open("records.bin", "rb") as f:
    magic, n = struct.unpack("<4sI", f.read(8))
    print(magic, n, struct.calcsize(fmt))
    for _ in range(n):
        rid, val, name = struct.unpack(fmt, f.read(struct.calcsize(fmt)))
        print(rid, val, name.rstrip(b"\0").decode())
data = bytearray(b"\x00\x01\x02")
data[0] = 255
data.extend(b"xyz")
print(data, bytes(data).hex(), bytes.fromhex("de ad be ef"), memoryview(data)[1:3].tobytes())
print(struct.pack(">I", 1), struct.unpack("!h", b"\xff\xfe"), int.from_bytes(b"\x00\x10", "big"))
