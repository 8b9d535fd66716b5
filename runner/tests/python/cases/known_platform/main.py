import sys, os, platform
print(sys.platform, os.name, platform.system().lower(), os.uname().sysname.lower())
