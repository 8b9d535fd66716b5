from decimal import Decimal, ROUND_HALF_UP
from datetime import date, timedelta

items = [("Consulting (hours)", Decimal("12.5"), Decimal("95.00")),
         ("Travel", Decimal("1"), Decimal("312.47")),
         ("Software license", Decimal("3"), Decimal("49.99"))]
issued = date(2024, 3, 15)
print(f"INVOICE #2024-031   issued {issued:%d %b %Y}   due {issued + timedelta(days=30):%Y-%m-%d}")
print("=" * 60)
subtotal = Decimal("0")
for desc, qty, price in items:
    line = (qty * price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    subtotal += line
    print(f"{desc:<28}{qty:>8}{price:>11}{line:>13}")
tax = (subtotal * Decimal("0.0825")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
print("-" * 60)
for label, amount in (("Subtotal", subtotal), ("Tax 8.25%", tax), ("TOTAL", subtotal + tax)):
    print(f"{label:>47}{amount:>13,}")
