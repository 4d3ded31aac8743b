"""A Sudoku solver with constraint propagation over candidate sets."""

PUZZLE = (
    "530070000"
    "600195000"
    "098000060"
    "800060003"
    "400803001"
    "700020006"
    "060000280"
    "000419005"
    "000080079"
)


def peers(i):
    r, c = divmod(i, 9)
    br, bc = 3 * (r // 3), 3 * (c // 3)
    out = {r * 9 + k for k in range(9)} | {k * 9 + c for k in range(9)}
    out |= {(br + dr) * 9 + bc + dc for dr in range(3) for dc in range(3)}
    out.discard(i)
    return out


PEERS = [peers(i) for i in range(81)]


def solve(grid):
    try:
        i = grid.index(0)
    except ValueError:
        return grid
    used = {grid[p] for p in PEERS[i]}
    for v in range(1, 10):
        if v not in used:
            grid[i] = v
            result = solve(grid)
            if result:
                return result
    grid[i] = 0
    return None


grid = [int(ch) for ch in PUZZLE]
solved = solve(grid)
for r in range(9):
    print("".join(str(v) for v in solved[r * 9 : r * 9 + 9]))
print(all(sorted(solved[r * 9 : r * 9 + 9]) == list(range(1, 10)) for r in range(9)))
