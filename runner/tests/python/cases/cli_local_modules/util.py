def total(items):
    return sum(i.price * i.qty for i in items)

def describe(item):
    return f"{item.name}: {item.qty} @ {item.price:.2f}"
