import os, stat, time

st = os.stat("data.txt")
print(st.st_size, stat.S_ISREG(st.st_mode), stat.S_ISDIR(os.stat(".").st_mode), stat.filemode(st.st_mode)[0])
print(abs(st.st_mtime - time.time()) < 3600, st.st_mtime_ns // 10 ** 9 == int(st.st_mtime))
os.utime("data.txt", (1000000000, 1700000000))
st = os.stat("data.txt")
print(int(st.st_mtime), int(st.st_atime), time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(st.st_mtime)))
with open("data.txt", "a") as f:
    f.write("more")
print(os.path.getsize("data.txt"), os.path.getmtime("data.txt") > 1700000000)
os.truncate("data.txt", 4)
print(open("data.txt").read())
os.chmod("data.txt", 0o600)
print(oct(os.stat("data.txt").st_mode & 0o777), os.access("data.txt", os.R_OK))
os.symlink("data.txt", "link.txt")
print(os.path.islink("link.txt"), os.readlink("link.txt"), open("link.txt").read(), os.path.realpath("link.txt") == os.path.abspath("data.txt"))
os.link("data.txt", "hard.txt")
print(os.stat("hard.txt").st_nlink, os.path.samefile("data.txt", "hard.txt"))
