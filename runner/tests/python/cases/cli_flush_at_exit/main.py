# Files left open at exit: text, binary, a buffered file written through
# print(file=...), one from pathlib, one closed explicitly, and atexit
# output ordered after the program's own.
import atexit
import pathlib
import sys

log = open("log.txt", "w")
print("line 1", file=log)
log.write("line 2\n")
data = open("data.bin", "wb")
data.write(b"\x00\x01binary")
handle = pathlib.Path("path.txt").open("w")
handle.write("via pathlib")
done = open("done.txt", "w")
done.write("closed early")
done.close()
atexit.register(print, "atexit runs after the program", flush=False)
print("program end")
sys.stdout.write("no newline at the end")
