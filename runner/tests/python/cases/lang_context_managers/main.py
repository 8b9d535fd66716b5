from contextlib import contextmanager, suppress, ExitStack, redirect_stdout, closing
import io

class Timer:
    def __init__(self, name):
        self.name = name
    def __enter__(self):
        print(f"enter {self.name}")
        return self
    def __exit__(self, exc_type, exc, tb):
        print(f"exit {self.name} exc={exc_type.__name__ if exc_type else None}")
        return exc_type is KeyError

with Timer("a") as t:
    print("inside", t.name)
with Timer("b"):
    raise KeyError("swallowed")
print("after b")

@contextmanager
def tag(name):
    print(f"<{name}>")
    try:
        yield name.upper()
    finally:
        print(f"</{name}>")

with tag("div") as up, tag("span"):
    print("content", up)
with suppress(FileNotFoundError):
    open("no/such/file")
print("suppressed")
buf = io.StringIO()
with redirect_stdout(buf):
    print("captured text")
print(repr(buf.getvalue()))
with ExitStack() as stack:
    for n in ("x", "y"):
        stack.enter_context(tag(n))
    print("body")
class Res:
    def close(self):
        print("closed")
with closing(Res()):
    pass
