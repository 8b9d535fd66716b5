words = "the quick brown fox jumps over the lazy dog".split()
print(sorted(words, key=len))
print(__name__, __file__)
