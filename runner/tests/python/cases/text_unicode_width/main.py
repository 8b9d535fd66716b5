import unicodedata

words = ["naïve", "café", "résumé", "Ünïcödé", "日本語", "emoji 😀"]
for w in words:
    nfd = unicodedata.normalize("NFD", w)
    ascii_only = "".join(c for c in nfd if not unicodedata.combining(c))
    print(w, len(w), len(nfd), ascii_only, w.encode("utf-8").hex()[:12])
print(unicodedata.name("é"), unicodedata.category("A"), unicodedata.numeric("½"))
print(sorted(["b", "a", "B", "ä"]), sorted(["b", "a", "B", "ä"], key=str.casefold))
print("Straße".casefold(), "ǅ".istitle())
