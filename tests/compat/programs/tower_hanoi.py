"""Recursion classics: Hanoi, permutations, power set, Ackermann, flood fill."""


def hanoi(n, src="A", dst="C", via="B", moves=None):
    moves = [] if moves is None else moves
    if n:
        hanoi(n - 1, src, via, dst, moves)
        moves.append((src, dst))
        hanoi(n - 1, via, dst, src, moves)
    return moves


def permutations(items):
    if len(items) <= 1:
        return [items[:]]
    out = []
    for i, x in enumerate(items):
        for rest in permutations(items[:i] + items[i + 1 :]):
            out.append([x] + rest)
    return out


def power_set(items):
    if not items:
        return [[]]
    rest = power_set(items[1:])
    return rest + [[items[0]] + s for s in rest]


def ackermann(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return ackermann(m - 1, 1)
    return ackermann(m - 1, ackermann(m, n - 1))


def flood(grid, r, c, new):
    old = grid[r][c]
    if old == new:
        return grid
    stack = [(r, c)]
    while stack:
        y, x = stack.pop()
        if 0 <= y < len(grid) and 0 <= x < len(grid[0]) and grid[y][x] == old:
            grid[y][x] = new
            stack.extend([(y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)])
    return grid


print(len(hanoi(10)), hanoi(3))
print(len(permutations([1, 2, 3, 4, 5])), permutations(["a", "b", "c"])[:3])
print(sorted(power_set([1, 2, 3])))
print(ackermann(2, 3), ackermann(3, 3))
g = [list(row) for row in ["..##", ".#..", "...#", "##.."]]
print(["".join(r) for r in flood(g, 0, 0, "~")])
