import sys, os
print(sys.argv)
print(os.path.basename(__file__), os.path.isabs(__file__))
print(sys.path[0] == os.path.dirname(os.path.abspath(__file__)))
