"""Classes with inheritance, properties, class methods, static methods and custom errors."""


class InsufficientFunds(Exception):
    def __init__(self, needed, available):
        super().__init__(f"needed {needed}, only {available} available")
        self.needed = needed
        self.available = available


class Account:
    _next_id = 1
    interest_rate = 0.0

    def __init__(self, owner, balance=0):
        self.owner = owner
        self._balance = balance
        self.id = Account._next_id
        Account._next_id += 1
        self.history = []

    @property
    def balance(self):
        return self._balance

    @balance.setter
    def balance(self, value):
        if value < 0:
            raise ValueError("balance cannot be negative")
        self._balance = value

    def deposit(self, amount):
        self.balance += amount
        self.history.append(("deposit", amount))
        return self

    def withdraw(self, amount):
        if amount > self._balance:
            raise InsufficientFunds(amount, self._balance)
        self.balance -= amount
        self.history.append(("withdraw", amount))
        return self

    def add_interest(self):
        self.deposit(round(self._balance * self.interest_rate, 2))

    @classmethod
    def from_string(cls, text):
        owner, balance = text.split(":")
        return cls(owner, float(balance))

    @staticmethod
    def validate_owner(name):
        return name.isalpha() and name[0].isupper()

    def __repr__(self):
        return f"{type(self).__name__}(#{self.id} {self.owner}: {self._balance:.2f})"


class Savings(Account):
    interest_rate = 0.05

    def withdraw(self, amount):
        if len([h for h in self.history if h[0] == "withdraw"]) >= 2:
            raise RuntimeError("savings allow two withdrawals")
        return super().withdraw(amount)


a = Account("Ada", 100).deposit(50).withdraw(30)
s = Savings.from_string("Grace:1000")
s.add_interest()
print(a, s, a.history)
try:
    a.withdraw(1000)
except InsufficientFunds as exc:
    print("refused:", exc, exc.needed, exc.available)
try:
    a.balance = -5
except ValueError as exc:
    print("refused:", exc)
s.withdraw(10).withdraw(10)
try:
    s.withdraw(10)
except RuntimeError as exc:
    print("refused:", exc)
print(Account.validate_owner("Linus"), Account.validate_owner("bob"), isinstance(s, Account))
print(issubclass(Savings, Account), s.balance, Account._next_id)
