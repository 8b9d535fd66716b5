s = "  The Quick brown FOX  "
print(repr(s.strip()), s.lower().split(), s.title().strip(), s.swapcase())
print("-".join(reversed(s.split())), s.count("o"), s.find("brown"), s.replace("FOX", "dog"))
def caesar(text, k):
    out = []
    for ch in text:
        if ch.isalpha():
            base = ord("A") if ch.isupper() else ord("a")
            out.append(chr((ord(ch) - base + k) % 26 + base))
        else:
            out.append(ch)
    return "".join(out)
enc = caesar("Hello, World!", 3)
print(enc, caesar(enc, -3))
print("racecar" == "racecar"[::-1], "abc".center(9, "*"), "42".zfill(5), "x".join("abc"))
print("a,b,,c".split(","), "a b  c".split(), "line1\nline2\r\nline3".splitlines())
print("ß".upper(), "İ".lower().encode(), "café".encode("utf-8"), b"caf\xc3\xa9".decode())
print(f"{'left':<10}|{'right':>10}|{'mid':^10}|")
print("%s has %d items costing %.2f" % ("cart", 3, 9.5))
print("{0} {1} {0}".format("a", "b"), "{name}!".format(name="hi"))
print(str.maketrans("abc", "xyz"), "aabbcc".translate(str.maketrans("abc", "xyz")))
print(sorted("hello world"), "Hello".startswith(("He", "x")), "  ".isspace(), "Ab1".isalnum())
