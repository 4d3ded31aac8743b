"""Structural pattern matching over commands and shapes."""

from dataclasses import dataclass
import math


@dataclass
class Circle:
    r: float


@dataclass
class Rect:
    w: float
    h: float


def area(shape):
    match shape:
        case Circle(r=r):
            return math.pi * r * r
        case Rect(w, h) if w == h:
            return w * w
        case Rect(w=w, h=h):
            return w * h
        case (a, b):
            return a * b
        case _:
            raise ValueError(f"unknown shape {shape!r}")


def command(text):
    match text.split():
        case ["go", ("north" | "south" | "east" | "west") as direction]:
            return f"moving {direction}"
        case ["take", *items] if items:
            return f"taking {', '.join(items)}"
        case ["look"]:
            return "you see a room"
        case {"cmd": cmd}:
            return cmd
        case _:
            return "unknown command"


for s in [Circle(1.0), Rect(2, 2), Rect(2, 5), (3, 4)]:
    print(type(s).__name__, round(area(s), 4))
for c in ["go north", "take sword shield", "look", "dance", "go up"]:
    print(command(c))
match {"kind": "point", "x": 1, "y": 2}:
    case {"kind": "point", "x": x, **rest}:
        print("point", x, rest)
