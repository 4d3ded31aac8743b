"""Iterator classes (__iter__/__next__), sequences via __getitem__, and callables."""


class Countdown:
    def __init__(self, start):
        self.current = start

    def __iter__(self):
        return self

    def __next__(self):
        if self.current <= 0:
            raise StopIteration
        self.current -= 1
        return self.current + 1


class Squares:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self.n))]
        if i < 0:
            i += self.n
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i

    def __contains__(self, v):
        r = int(v ** 0.5)
        return r * r == v and r < self.n


class Polynomial:
    def __init__(self, *coefs):
        self.coefs = coefs

    def __call__(self, x):
        result = 0
        for c in reversed(self.coefs):
            result = result * x + c
        return result

    def __add__(self, other):
        n = max(len(self.coefs), len(other.coefs))
        a = self.coefs + (0,) * (n - len(self.coefs))
        b = other.coefs + (0,) * (n - len(other.coefs))
        return Polynomial(*[x + y for x, y in zip(a, b)])

    def __repr__(self):
        return " + ".join(f"{c}x^{i}" for i, c in enumerate(self.coefs) if c) or "0"


print(list(Countdown(5)), sum(Countdown(100)))
sq = Squares(10)
print(list(sq), sq[-1], sq[2:5], 49 in sq, 50 in sq, len(sq), list(reversed(sq))[:3])
p = Polynomial(1, 2, 3)
print(p(2), [p(x) for x in range(4)], p + Polynomial(0, 0, 0, 4), callable(p))
it = iter([1, 2, 3])
print(next(it), next(it), next(it), next(it, "done"))
