"""Hexiom-like: place numbered tiles on a hex board so each tile sees that many neighbours,
by backtracking with constraint checks (a small cousin of pyperformance's hexiom)."""

DIRS = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, -1), (-1, 1)]


def hex_cells(radius):
    return [(q, r) for q in range(-radius, radius + 1) for r in range(-radius, radius + 1)
            if abs(q + r) <= radius]


class Puzzle:
    def __init__(self, radius, tiles):
        self.cells = hex_cells(radius)
        self.index = {c: i for i, c in enumerate(self.cells)}
        self.adj = [[self.index[(q + dq, r + dr)] for dq, dr in DIRS if (q + dq, r + dr) in self.index]
                    for q, r in self.cells]
        self.tiles = sorted(tiles, reverse=True)
        self.board = [None] * len(self.cells)

    def ok(self, i):
        for j in [i, *self.adj[i]]:
            v = self.board[j]
            if v is None:
                continue
            placed = sum(1 for k in self.adj[j] if self.board[k] is not None)
            free = sum(1 for k in self.adj[j] if self.board[k] is None)
            if placed > v or placed + free < v:
                return False
        return True

    def solve(self, t=0, used=None):
        used = set() if used is None else used
        if t == len(self.tiles):
            return all(v is None or sum(1 for k in self.adj[j] if self.board[k] is not None) == v
                       for j, v in enumerate(self.board))
        for i in range(len(self.cells)):
            if i in used or (t and self.tiles[t] == self.tiles[t - 1] and i < self.last[t - 1]):
                continue
            self.board[i] = self.tiles[t]
            used.add(i)
            self.last[t] = i
            if self.ok(i) and self.solve(t + 1, used):
                return True
            used.discard(i)
            self.board[i] = None
        return False

    def run(self):
        self.last = [0] * len(self.tiles)
        found = self.solve()
        return found, [(self.cells[i], v) for i, v in enumerate(self.board) if v is not None]


def run(n):
    result = None
    for _ in range(n):
        result = Puzzle(1, [3, 3, 3, 3, 2, 2]).run()
    return result


print(run(1))
