"""Conway's Game of Life on a set of live cells, with a glider and a blinker."""

from collections import Counter

Cell = tuple[int, int]


def step(live: set[Cell]) -> set[Cell]:
    counts = Counter((x + dx, y + dy) for x, y in live for dx in (-1, 0, 1) for dy in (-1, 0, 1)
                     if dx or dy)
    return {cell for cell, n in counts.items() if n == 3 or (n == 2 and cell in live)}


def render(live: set[Cell], w: int, h: int) -> str:
    return "\n".join("".join("#" if (x, y) in live else "." for x in range(w)) for y in range(h))


glider = {(1, 0), (2, 1), (0, 2), (1, 2), (2, 2)}
state = set(glider)
for _ in range(8):
    state = step(state)
print(sorted(state))
print(render(state, 6, 6))
blinker = {(1, 0), (1, 1), (1, 2)}
print(step(blinker) == {(0, 1), (1, 1), (2, 1)}, step(step(blinker)) == blinker)
