import gzip, zlib, zipfile, io, tarfile, base64, bz2, lzma

text = ("The same line over and over.\n" * 200).encode()
gz = gzip.compress(text, mtime=0)
print(len(text), len(gz) < len(text), gzip.decompress(gz) == text)
with gzip.open("data.txt.gz", "wt", encoding="utf-8") as f:
    f.write("line one\nline two\n")
with gzip.open("data.txt.gz", "rt") as f:
    print(f.read().splitlines())
print(zlib.crc32(b"hello"), zlib.adler32(b"hello"), zlib.decompress(zlib.compress(b"abc" * 10)))
with zipfile.ZipFile("bundle.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("a.txt", "AAA")
    z.writestr("dir/b.txt", "BBB" * 100)
with zipfile.ZipFile("bundle.zip") as z:
    print(sorted(z.namelist()), z.read("dir/b.txt")[:6], [i.file_size for i in sorted(z.infolist(), key=lambda i: i.filename)])
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w:gz") as t:
    info = tarfile.TarInfo("hello.txt")
    payload = b"hi there"
    info.size = len(payload)
    t.addfile(info, io.BytesIO(payload))
buf.seek(0)
with tarfile.open(fileobj=buf, mode="r:gz") as t:
    print(t.getnames(), t.extractfile("hello.txt").read())
print(base64.b64encode(b"hello world"), base64.b64decode("aGk="), base64.urlsafe_b64encode(b"\xff\xfe"), base64.b16encode(b"\x01"))
print(bz2.decompress(bz2.compress(b"bz")) == b"bz", lzma.decompress(lzma.compress(b"xz")) == b"xz")
