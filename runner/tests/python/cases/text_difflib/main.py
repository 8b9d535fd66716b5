import difflib

a = open("old.txt").readlines()
b = open("new.txt").readlines()
print("".join(difflib.unified_diff(a, b, fromfile="old.txt", tofile="new.txt")), end="")
print(round(difflib.SequenceMatcher(None, "kitten", "sitting").ratio(), 4))
print(difflib.get_close_matches("appel", ["ape", "apple", "peach", "puppy"]))
for line in difflib.ndiff(["one\n", "two\n"], ["one\n", "tw0\n"]):
    print(line, end="")
