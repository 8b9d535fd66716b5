# Compressed bytes as CPython's zlib makes them: the sizes and hashes that
# programs print depend on them (levels -1..9, raw/zlib/gzip headers,
# compressobj with flushes, strategies, dictionaries, gzip and zipfile).
import gzip
import hashlib
import io
import json
import random
import zipfile
import zlib

rng = random.Random(7)
records = [{"id": i, "name": f"user{i % 97}", "score": rng.randint(0, 10**6)} for i in range(2000)]
texts = {
    "json": json.dumps(records).encode(),
    "repeat": b"the quick brown fox jumps over the lazy dog\n" * 400,
    "random": bytes(rng.randrange(256) for _ in range(20000)),
    "small": b"hello",
    "empty": b"",
}


def digest(data):
    return f"{len(data)}:{hashlib.sha256(data).hexdigest()[:16]}"


for name, data in texts.items():
    sizes = [digest(zlib.compress(data, level)) for level in range(-1, 10)]
    print(name, " ".join(sizes))
    for wbits in (-15, 9, 31):
        c = zlib.compressobj(6, zlib.DEFLATED, wbits)
        print(" wbits", wbits, digest(c.compress(data) + c.flush()))
    c = zlib.compressobj(level=3, strategy=zlib.Z_FILTERED, memLevel=9)
    chunks = [c.compress(data[i:i + 1000]) for i in range(0, len(data), 1000)]
    chunks.append(c.flush(zlib.Z_SYNC_FLUSH))
    chunks.append(c.compress(b"tail"))
    chunks.append(c.flush())
    print(" stream", digest(b"".join(chunks)))
    for strategy in (zlib.Z_HUFFMAN_ONLY, zlib.Z_RLE, zlib.Z_FIXED):
        c = zlib.compressobj(9, zlib.DEFLATED, 15, 8, strategy)
        print(" strategy", strategy, digest(c.compress(data) + c.flush()))
    c = zlib.compressobj(zdict=b"user score name id")
    print(" zdict", digest(c.compress(data) + c.flush()))
    assert zlib.decompress(zlib.compress(data)) == data

buf = io.BytesIO()
with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as g:
    g.write(texts["json"])
# (gzip.compress's header differs between CPython versions: its OS byte
# is zlib's in 3.11, 255 since 3.12; the deflate data after it is zlib's.)
print("gzip", digest(buf.getvalue()), digest(gzip.compress(texts["repeat"], mtime=0)[10:]))
zbuf = io.BytesIO()
with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
    info = zipfile.ZipInfo("records.json", date_time=(2026, 1, 2, 3, 4, 6))
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, texts["json"])
print("zip", digest(zbuf.getvalue()))
print("crc32", zlib.crc32(texts["json"]), "adler32", zlib.adler32(texts["json"]))
