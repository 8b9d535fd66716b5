import tempfile, os

with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "data.txt")
    with open(path, "w") as f:
        f.write("hello\n")
    print(os.listdir(d), os.path.getsize(path))
    fd, name = tempfile.mkstemp(suffix=".csv", prefix="report_", dir=d)
    with os.fdopen(fd, "w") as f:
        f.write("a,b\n")
    base = os.path.basename(name)
    print(base.startswith("report_"), base.endswith(".csv"), len(os.listdir(d)))
    try:
        os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        print("exclusive create refused an existing file")
print("cleaned up:", not os.path.exists(d))
with tempfile.NamedTemporaryFile("w+", suffix=".txt") as tf:
    tf.write("scratch")
    tf.seek(0)
    print(tf.read(), os.path.exists(tf.name))
print(os.path.exists(tf.name))
with tempfile.SpooledTemporaryFile(max_size=10, mode="w+") as sf:
    sf.write("0123456789abc")
    sf.seek(0)
    print(sf.read())
print(os.path.isdir(tempfile.gettempdir()))
