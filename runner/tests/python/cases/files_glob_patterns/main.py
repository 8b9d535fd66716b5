import glob, os

print(sorted(glob.glob("src/*.py")))
print(sorted(glob.glob("src/**/*.py", recursive=True)))
print(sorted(glob.glob("logs/2024-*.log")), sorted(glob.glob("logs/202[3]-??.log")))
print(sorted(glob.glob("src/*")), glob.glob("nothing*"))
print(sorted(os.path.basename(p) for p in glob.iglob("**/*", recursive=True) if os.path.isfile(p)))
print(glob.escape("a[b]*.txt"))
