"""Chaos game: iterate affine maps on a point and rasterise (after pyperformance's chaos)."""

import random


class GVector:
    def __init__(self, x=0, y=0, z=0):
        self.x = x
        self.y = y
        self.z = z

    def Mag(self):
        return (self.x ** 2 + self.y ** 2 + self.z ** 2) ** 0.5

    def __add__(self, other):
        return GVector(self.x + other.x, self.y + other.y, self.z + other.z)

    def __sub__(self, other):
        return self + other * -1

    def __mul__(self, other):
        return GVector(self.x * other, self.y * other, self.z * other)

    __rmul__ = __mul__

    def linear_combination(self, other, l1, l2=None):
        if l2 is None:
            l2 = 1 - l1
        return GVector(self.x * l1 + other.x * l2, self.y * l1 + other.y * l2, self.z * l1 + other.z * l2)


TRANSFORMS = [
    ((0.5, 0.0, 0.0, 0.5), (0.0, 0.0)),
    ((0.5, 0.0, 0.0, 0.5), (0.5, 0.0)),
    ((0.5, 0.0, 0.0, 0.5), (0.25, 0.5)),
]


def run(n):
    rng = random.Random(1234)
    p = GVector(0.3, 0.3, 0.0)
    w, h = 32, 16
    grid = [[0] * w for _ in range(h)]
    for _ in range(n):
        (a, b, c, d), (e, f) = TRANSFORMS[rng.randrange(3)]
        p = GVector(a * p.x + b * p.y + e, c * p.x + d * p.y + f)
        q = p.linear_combination(GVector(0.5, 0.5), 0.9)
        x, y = int(q.x * (w - 1)), int(q.y * (h - 1))
        if 0 <= x < w and 0 <= y < h:
            grid[y][x] += 1
    return sum(1 for row in grid for v in row if v), round((p - GVector()).Mag(), 6)


print(run(5000))
