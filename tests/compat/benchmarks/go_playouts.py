"""Go-like: random playouts on a small board with captures and liberties (after bm_go)."""

import random

EMPTY, BLACK, WHITE = 0, 1, 2


class Board:
    def __init__(self, size):
        self.size = size
        self.cells = [EMPTY] * (size * size)
        self.neighbours = [self._neigh(i) for i in range(size * size)]

    def _neigh(self, i):
        r, c = divmod(i, self.size)
        out = []
        for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            nr, nc = r + dr, c + dc
            if 0 <= nr < self.size and 0 <= nc < self.size:
                out.append(nr * self.size + nc)
        return out

    def group(self, i):
        colour = self.cells[i]
        stones, libs, stack = {i}, set(), [i]
        while stack:
            j = stack.pop()
            for n in self.neighbours[j]:
                v = self.cells[n]
                if v == EMPTY:
                    libs.add(n)
                elif v == colour and n not in stones:
                    stones.add(n)
                    stack.append(n)
        return stones, libs

    def play(self, i, colour):
        if self.cells[i] != EMPTY:
            return False
        self.cells[i] = colour
        enemy = BLACK + WHITE - colour
        captured = 0
        for n in self.neighbours[i]:
            if self.cells[n] == enemy:
                stones, libs = self.group(n)
                if not libs:
                    for s in stones:
                        self.cells[s] = EMPTY
                    captured += len(stones)
        if not self.group(i)[1]:
            self.cells[i] = EMPTY
            return False
        return True

    def score(self):
        return self.cells.count(BLACK) - self.cells.count(WHITE)


def playout(size, rng):
    board = Board(size)
    colour = BLACK
    passes = 0
    for _ in range(size * size * 3):
        empties = [i for i, v in enumerate(board.cells) if v == EMPTY]
        rng.shuffle(empties)
        for i in empties[:8]:
            if board.play(i, colour):
                passes = 0
                break
        else:
            passes += 1
            if passes == 2:
                break
        colour = BLACK + WHITE - colour
    return board.score()


def run(n):
    rng = random.Random(3)
    return sum(playout(7, rng) for _ in range(n))


print(run(3))
