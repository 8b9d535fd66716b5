import sys
print(sys.argv)
print(__name__)
