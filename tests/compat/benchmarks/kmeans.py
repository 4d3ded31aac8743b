"""k-means clustering of seeded random points, with dataclasses and statistics."""

import random
from dataclasses import dataclass
from statistics import fmean


@dataclass(frozen=True)
class P:
    x: float
    y: float

    def d2(self, o):
        return (self.x - o.x) ** 2 + (self.y - o.y) ** 2


def kmeans(points, k, rounds, rng):
    centres = rng.sample(points, k)
    for _ in range(rounds):
        groups = [[] for _ in range(k)]
        for p in points:
            groups[min(range(k), key=lambda i: p.d2(centres[i]))].append(p)
        centres = [P(fmean(q.x for q in g), fmean(q.y for q in g)) if g else centres[i]
                   for i, g in enumerate(groups)]
    return centres, [len(g) for g in groups]


def run(n):
    rng = random.Random(5)
    pts = [P(rng.gauss(cx, 1), rng.gauss(cy, 1)) for cx, cy in ((0, 0), (8, 8), (0, 8))
           for _ in range(n)]
    centres, sizes = kmeans(pts, 3, 8, rng)
    return sorted((round(c.x, 3), round(c.y, 3)) for c in centres), sorted(sizes)


print(run(60))
