import shlex, fnmatch

cmd = 'grep -r "hello world" --include=*.py \'it\'\'s\' dir/'
print(shlex.split(cmd))
print(shlex.quote("it's here"), shlex.join(["ls", "-l", "my file"]))
names = ["main.py", "test_main.py", "README.md", "setup.cfg", "lib.PY"]
print(fnmatch.filter(names, "*.py"), fnmatch.fnmatch("lib.PY", "*.py"), fnmatch.fnmatchcase("lib.PY", "*.py"))
