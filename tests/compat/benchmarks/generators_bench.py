"""Generators: a tree walked recursively with yield from (after pyperformance's generators)."""


class Tree:
    def __init__(self, left, value, right):
        self.left = left
        self.value = value
        self.right = right

    def __iter__(self):
        if self.left:
            yield from self.left
        yield self.value
        if self.right:
            yield from self.right


def tree(lo, hi):
    if lo >= hi:
        return None
    mid = (lo + hi) // 2
    return Tree(tree(lo, mid), mid, tree(mid + 1, hi))


def run(n):
    t = tree(0, n)
    total = 0
    for _ in range(5):
        for v in t:
            total += v
    return total


print(run(1000))
