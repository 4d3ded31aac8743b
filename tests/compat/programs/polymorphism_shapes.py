"""Abstract-style base classes, polymorphism, class attributes and __str__ vs __repr__."""

import math


class Shape:
    count = 0

    def __init__(self, name):
        self.name = name
        Shape.count += 1

    def area(self):
        raise NotImplementedError

    def perimeter(self):
        raise NotImplementedError

    def __str__(self):
        return f"{self.name} with area {self.area():.2f}"

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}>"

    def __lt__(self, other):
        return self.area() < other.area()


class Circle(Shape):
    def __init__(self, r):
        super().__init__("circle")
        self.r = r

    def area(self):
        return math.pi * self.r ** 2

    def perimeter(self):
        return 2 * math.pi * self.r


class Rectangle(Shape):
    def __init__(self, w, h, name="rectangle"):
        super().__init__(name)
        self.w, self.h = w, h

    def area(self):
        return self.w * self.h

    def perimeter(self):
        return 2 * (self.w + self.h)


class Square(Rectangle):
    def __init__(self, side):
        super().__init__(side, side, "square")


shapes = [Circle(1), Rectangle(2, 3), Square(2), Circle(0.5)]
for s in sorted(shapes):
    print(s, repr(s), round(s.perimeter(), 3))
print(Shape.count, isinstance(shapes[2], Rectangle), [type(s).__name__ for s in shapes])
try:
    Shape("blob").area()
except NotImplementedError:
    print("abstract area")
print(sum(s.area() for s in shapes if isinstance(s, Circle)) > 3)
