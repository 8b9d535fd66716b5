import errno
try:
    open("no-such-file.txt")
except FileNotFoundError as e:
    print(f"Error: {e}")
    print(e.errno, errno.ENOENT, errno.errorcode[e.errno])
