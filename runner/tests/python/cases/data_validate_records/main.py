import csv, re

EMAIL = re.compile(r"^[\w.+-]+@[\w-]+\.[\w.]+$")

class ValidationError(Exception):
    pass

def validate(row):
    errors = []
    try:
        age = int(row["age"])
        if not 0 <= age <= 130:
            errors.append(f"age out of range: {age}")
    except ValueError:
        errors.append(f"age not a number: {row['age']!r}")
    if not EMAIL.match(row["email"]):
        errors.append(f"bad email: {row['email']!r}")
    score = float(row["score"])
    if score > 100:
        errors.append(f"score too high: {score}")
    if errors:
        raise ValidationError("; ".join(errors))
    return row

valid = []
with open("records.csv") as f:
    for row in csv.DictReader(f):
        try:
            valid.append(validate(row))
        except ValidationError as e:
            print(f"record {row['id']}: {e}")
print("valid ids:", [r["id"] for r in valid])
