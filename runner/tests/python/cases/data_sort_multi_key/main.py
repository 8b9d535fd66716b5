from operator import attrgetter
from collections import namedtuple

Emp = namedtuple("Emp", "name dept salary age")
staff = [Emp("Ann", "eng", 120, 31), Emp("Bob", "ops", 90, 45), Emp("Cy", "eng", 120, 28),
         Emp("Dee", "ops", 95, 39), Emp("Eve", "hr", 70, 50), Emp("Fay", "eng", 105, 35)]
for e in sorted(staff, key=lambda e: (e.dept, -e.salary, e.name)):
    print(f"{e.dept:4}{e.name:5}{e.salary:5}")
print([e.name for e in sorted(staff, key=attrgetter("age"), reverse=True)][:3])
by_dept = {}
for e in staff:
    by_dept.setdefault(e.dept, []).append(e.salary)
print({d: max(s) for d, s in sorted(by_dept.items())})
print(staff[0]._asdict())
print(staff[1]._replace(salary=99))
