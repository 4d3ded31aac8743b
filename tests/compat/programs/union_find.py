"""Disjoint sets and Kruskal's minimum spanning tree."""


class DisjointSet:
    def __init__(self, n):
        self.parent = list(range(n))
        self.rank = [0] * n
        self.count = n

    def find(self, x):
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if self.rank[ra] < self.rank[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        if self.rank[ra] == self.rank[rb]:
            self.rank[ra] += 1
        self.count -= 1
        return True


def kruskal(n, edges):
    ds = DisjointSet(n)
    tree = []
    for w, a, b in sorted(edges):
        if ds.union(a, b):
            tree.append((a, b, w))
    return tree, sum(w for _, _, w in tree)


edges = [(7, 0, 1), (5, 0, 3), (8, 1, 2), (9, 1, 3), (7, 1, 4), (5, 2, 4), (15, 3, 4),
         (6, 3, 5), (8, 4, 5), (9, 4, 6), (11, 5, 6)]
tree, total = kruskal(7, edges)
print(tree)
print(total)
ds = DisjointSet(10)
for a, b in [(0, 1), (2, 3), (1, 3), (5, 6), (7, 8), (8, 9)]:
    ds.union(a, b)
print(ds.count, ds.find(0) == ds.find(2), ds.find(4) == ds.find(5))
