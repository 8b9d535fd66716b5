import sys, os
n = int(sys.argv[1])
print(os.path.basename(sys.argv[0]), n)
for i in range(n):
    print("row", i)
