class InsufficientFunds(Exception):
    def __init__(self, needed, available):
        super().__init__(f"need {needed:.2f}, have {available:.2f}")
        self.needed = needed

class Account:
    _next_id = 1
    def __init__(self, owner, balance=0.0):
        self.id = Account._next_id
        Account._next_id += 1
        self.owner = owner
        self._balance = balance
        self.history = []
    @property
    def balance(self):
        return round(self._balance, 2)
    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("deposit must be positive")
        self._balance += amount
        self.history.append(("deposit", amount))
    def withdraw(self, amount):
        if amount > self._balance:
            raise InsufficientFunds(amount, self._balance)
        self._balance -= amount
        self.history.append(("withdraw", amount))
    def __repr__(self):
        return f"Account(id={self.id}, owner={self.owner!r}, balance={self.balance})"

class Savings(Account):
    rate = 0.02
    def add_interest(self):
        self.deposit(self._balance * self.rate)

accts = [Account("ann", 100), Savings("bob", 1000)]
accts[0].deposit(50)
try:
    accts[0].withdraw(500)
except InsufficientFunds as e:
    print("error:", e, e.needed)
try:
    accts[0].deposit(-5)
except ValueError as e:
    print("error:", e)
accts[1].add_interest()
for a in accts:
    print(a, type(a).__name__, a.history)
print(isinstance(accts[1], Account), issubclass(Savings, Account), Savings.__mro__[1].__name__)
