import atexit, sys
atexit.register(lambda: print("atexit handler ran"))
try:
    print("working")
    sys.exit(5)
finally:
    print("finally ran")
