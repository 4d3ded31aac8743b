"""A 2-D vector class with the arithmetic, comparison and container dunders."""

import math


class Vec:
    __slots__ = ("x", "y")

    def __init__(self, x=0.0, y=0.0):
        self.x = x
        self.y = y

    def __add__(self, o):
        return Vec(self.x + o.x, self.y + o.y)

    def __sub__(self, o):
        return Vec(self.x - o.x, self.y - o.y)

    def __mul__(self, k):
        return Vec(self.x * k, self.y * k)

    __rmul__ = __mul__

    def __truediv__(self, k):
        return Vec(self.x / k, self.y / k)

    def __neg__(self):
        return Vec(-self.x, -self.y)

    def __abs__(self):
        return math.hypot(self.x, self.y)

    def __eq__(self, o):
        return isinstance(o, Vec) and (self.x, self.y) == (o.x, o.y)

    def __hash__(self):
        return hash((self.x, self.y))

    def __lt__(self, o):
        return abs(self) < abs(o)

    def __iter__(self):
        yield self.x
        yield self.y

    def __getitem__(self, i):
        return (self.x, self.y)[i]

    def __len__(self):
        return 2

    def __repr__(self):
        return f"Vec({self.x:g}, {self.y:g})"

    def __bool__(self):
        return bool(self.x or self.y)

    def dot(self, o):
        return self.x * o.x + self.y * o.y

    def normalized(self):
        n = abs(self)
        return self / n if n else Vec()


a, b = Vec(3, 4), Vec(1, -2)
print(a + b, a - b, 2 * a, a * 0.5, -b, abs(a))
print(a == Vec(3, 4), a != b, sorted([a, b, Vec(0, 1)]), {a, Vec(3, 4)})
print(list(a), a[1], len(a), tuple(b), bool(Vec()), a.dot(b))
print(a.normalized(), max([a, b]), min([a, b], key=lambda v: v.y))
x, y = a
print(x, y, Vec(1, 1) in [Vec(1, 1)])
