"""Game of life on a torus with a list-of-lists grid."""


def step(grid):
    h, w = len(grid), len(grid[0])
    new = [[0] * w for _ in range(h)]
    for y in range(h):
        up, row, down = grid[y - 1], grid[y], grid[(y + 1) % h]
        for x in range(w):
            l, r = x - 1, (x + 1) % w
            n = up[l] + up[x] + up[r] + row[l] + row[r] + down[l] + down[x] + down[r]
            new[y][x] = 1 if n == 3 or (n == 2 and row[x]) else 0
    return new


def run(n):
    grid = [[1 if (x * 7 + y * 13) % 5 == 0 else 0 for x in range(n)] for y in range(n)]
    for _ in range(10):
        grid = step(grid)
    return sum(map(sum, grid))


print(run(24))
