import sys
print("running", sys.argv[1:])
import helper
print(helper.greet())
