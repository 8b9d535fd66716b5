from string import Template
import string

t = Template(open("template.txt").read())
print(t.substitute(name="Ann", order=1042, date="2024-06-01", total="19.99"))
print(Template("$who likes $what").safe_substitute(who="tim"))
try:
    Template("$x and $y").substitute(x=1)
except KeyError as e:
    print("missing key:", e)
print(string.ascii_lowercase[:5], string.digits, string.punctuation[:5])
print(string.capwords("hello   big world"))
