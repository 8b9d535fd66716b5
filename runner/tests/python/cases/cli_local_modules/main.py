import util
from models import Item
items = [Item("pen", 1.5, 10), Item("book", 12.0, 2)]
print(util.total(items))
print(util.describe(items[0]))
