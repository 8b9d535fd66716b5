people = []
while True:
    try:
        name = input("name: ")
    except EOFError:
        break
    age = int(input("age: "))
    people.append((name, age))
print()
for name, age in sorted(people, key=lambda p: p[1]):
    print(f"{name:<10}{age:>4}")
