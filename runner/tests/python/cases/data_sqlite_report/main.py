# The tabular work agents hand to sqlite3: load rows, aggregate with SQL,
# sqlite3.Row, parameters, transactions, a file database reopened, errors.
import csv
import io
import sqlite3

RAW = """region,product,units,price
north,apple,10,0.5
south,apple,4,0.55
north,pear,7,0.8
east,plum,12,1.2
south,pear,3,0.75
north,apple,5,0.5
east,apple,9,0.52
"""

con = sqlite3.connect(":memory:")
con.execute("CREATE TABLE sales (region TEXT, product TEXT, units INTEGER, price REAL)")
rows = list(csv.DictReader(io.StringIO(RAW)))
con.executemany("INSERT INTO sales VALUES (:region, :product, :units, :price)", rows)
print("rows:", con.execute("SELECT count(*) FROM sales").fetchone()[0])

for region, units, revenue in con.execute(
        "SELECT region, sum(units), round(sum(units * price), 2) FROM sales "
        "GROUP BY region ORDER BY region"):
    print(f"{region:<6} {units:>4} {revenue:>8.2f}")

con.row_factory = sqlite3.Row
best = con.execute("SELECT product, max(units) AS most FROM sales WHERE region = ?", ("north",)).fetchone()
print("row keys:", best.keys(), "->", best["product"], best["most"], tuple(best))
con.row_factory = None

with con:
    con.execute("UPDATE sales SET price = price * 2 WHERE product = 'plum'")
try:
    with con:
        con.execute("DELETE FROM sales")
        raise RuntimeError("roll back")
except RuntimeError:
    pass
print("after rollback:", con.execute("SELECT count(*), max(price) FROM sales").fetchone())

try:
    con.execute("SELECT nope FROM sales")
except sqlite3.OperationalError as e:
    print("OperationalError:", e)
try:
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
    con.execute("INSERT INTO t (name) VALUES ('a')")
    con.execute("INSERT INTO t (name) VALUES ('a')")
except sqlite3.IntegrityError as e:
    print("IntegrityError:", e)

# A file database, written, closed, reopened.
db = sqlite3.connect("inventory.db")
db.execute("CREATE TABLE IF NOT EXISTS items (sku TEXT PRIMARY KEY, qty INTEGER)")
db.executemany("INSERT OR REPLACE INTO items VALUES (?, ?)", [(f"s{i:03d}", i * 7 % 13) for i in range(50)])
db.commit()
db.close()
db = sqlite3.connect("inventory.db")
print("file db:", db.execute("SELECT count(*), sum(qty), min(sku), max(sku) FROM items").fetchone())
print("low stock:", [r[0] for r in db.execute("SELECT sku FROM items WHERE qty = 0 ORDER BY sku")])
cur = db.cursor()
cur.execute("SELECT sku, qty FROM items ORDER BY qty DESC, sku LIMIT 3")
print("description:", [d[0] for d in cur.description], "top:", cur.fetchall())
print("lastrowid:", db.execute("INSERT INTO items VALUES ('new', 1)").lastrowid)
db.close()
print("dump lines:", sum(1 for _ in sqlite3.connect("inventory.db").iterdump()))
print("types:", sqlite3.connect(":memory:").execute(
    "SELECT 1, 2.5, 'x', x'00ff', NULL, typeof(1.0)").fetchone())
print("paramstyle:", sqlite3.paramstyle)
