import re

text = open("contacts.txt").read()
emails = re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text)
phones = re.findall(r"\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}", text)
print(emails)
print([re.sub(r"\D", "", p) for p in phones])
print(re.sub(r"(\w+)@(\w+)", r"\2 at \1", "user@host"))
m = re.search(r"(?P<user>[\w.]+)@(?P<domain>[\w.]+)", text)
print(m.group("user"), m.group("domain"), m.span())
print(re.split(r"[,;]\s*", "a, b;c ,d"))
print(re.fullmatch(r"\d{4}-\d{2}-\d{2}", "2024-01-31") is not None)
for m in re.finditer(r"^(\w+)", text, re.MULTILINE):
    print(m.group(1), end=" ")
print()
print(re.compile(r"colou?r", re.I).findall("Color colour COLOR"))
print(re.escape("a.b*c"), re.sub(r"\s+", " ", "a   b \t c"))
