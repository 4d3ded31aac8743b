"""Computational geometry: convex hull, polygon area, segment intersection, closest pair."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True, order=True)
class Point:
    x: float
    y: float

    def __sub__(self, other: Point) -> Point:
        return Point(self.x - other.x, self.y - other.y)

    def cross(self, other: Point) -> float:
        return self.x * other.y - self.y * other.x

    def dist(self, other: Point) -> float:
        return math.hypot(self.x - other.x, self.y - other.y)


def convex_hull(points: Iterable[Point]) -> list[Point]:
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts

    def half(seq: list[Point]) -> list[Point]:
        out: list[Point] = []
        for p in seq:
            while len(out) >= 2 and (out[-1] - out[-2]).cross(p - out[-1]) <= 0:
                out.pop()
            out.append(p)
        return out

    lower, upper = half(pts), half(pts[::-1])
    return lower[:-1] + upper[:-1]


def area(poly: list[Point]) -> float:
    total = 0.0
    for a, b in zip(poly, poly[1:] + poly[:1]):
        total += a.cross(b)
    return abs(total) / 2


def intersects(p1: Point, p2: Point, q1: Point, q2: Point) -> bool:
    def orient(a: Point, b: Point, c: Point) -> int:
        v = (b - a).cross(c - a)
        return (v > 0) - (v < 0)

    return orient(p1, p2, q1) != orient(p1, p2, q2) and orient(q1, q2, p1) != orient(q1, q2, p2)


def closest_pair(points: list[Point]) -> float:
    best = math.inf
    pts = sorted(points, key=lambda p: p.x)
    for i, p in enumerate(pts):
        for q in pts[i + 1 : i + 8]:
            best = min(best, p.dist(q))
    return best


cloud = [Point(math.cos(i * 0.7) * (i % 7), math.sin(i * 1.3) * (i % 5)) for i in range(60)]
hull = convex_hull(cloud)
print(len(hull), round(area(hull), 6))
print(intersects(Point(0, 0), Point(4, 4), Point(0, 4), Point(4, 0)))
print(intersects(Point(0, 0), Point(1, 1), Point(2, 2), Point(3, 3)))
print(round(closest_pair(cloud), 6))
print(Point(1, 2) < Point(1, 3), hull[0])
