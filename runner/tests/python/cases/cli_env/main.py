import os
mode = os.environ.get("APP_MODE", "production")
debug = os.getenv("DEBUG") == "1"
print(mode, debug, "HOME" in os.environ, os.environ["LANG"])
os.environ["CHILD"] = "x"
print(os.environ.get("CHILD"), os.getenv("NOPE", "default"))
