"""Shallow and deep copies of nested data and objects; total_ordering."""

import copy
import functools


@functools.total_ordering
class Version:
    def __init__(self, text):
        self.parts = tuple(int(p) for p in text.split("."))

    def __eq__(self, other):
        return self.parts == other.parts

    def __lt__(self, other):
        return self.parts < other.parts

    def __hash__(self):
        return hash(self.parts)

    def __repr__(self):
        return "v" + ".".join(map(str, self.parts))


class Board:
    def __init__(self):
        self.cells = [[0] * 3 for _ in range(3)]
        self.meta = {"moves": []}


original = {"a": [1, 2, [3, 4]], "b": {"c": 5}}
shallow = copy.copy(original)
deep = copy.deepcopy(original)
original["a"][2].append(99)
print(shallow["a"][2], deep["a"][2], shallow is original, deep == original)
b1 = Board()
b2 = copy.deepcopy(b1)
b1.cells[1][1] = 5
b1.meta["moves"].append((1, 1))
print(b1.cells[1], b2.cells[1], b2.meta, type(b2).__name__)
vs = [Version("1.10.0"), Version("1.2.3"), Version("1.2.10"), Version("0.9")]
print(sorted(vs), max(vs), Version("1.2") <= Version("1.2"), Version("2.0") >= Version("1.9"))
print(len({Version("1.0"), Version("1.0"), Version("1.1")}))
