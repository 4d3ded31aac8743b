"""A* path finding on a grid maze with a Manhattan heuristic."""

import heapq

MAZE = """
S.#.......
.##.#####.
....#...#.
.####.#.#.
......#..E
""".strip().splitlines()


def neighbours(pos):
    r, c = pos
    for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        nr, nc = r + dr, c + dc
        if 0 <= nr < len(MAZE) and 0 <= nc < len(MAZE[0]) and MAZE[nr][nc] != "#":
            yield nr, nc


def find(ch):
    for r, row in enumerate(MAZE):
        if ch in row:
            return r, row.index(ch)
    raise ValueError(ch)


def astar(start, goal):
    def h(p):
        return abs(p[0] - goal[0]) + abs(p[1] - goal[1])

    open_heap = [(h(start), 0, start)]
    came = {start: None}
    cost = {start: 0}
    while open_heap:
        _, g, cur = heapq.heappop(open_heap)
        if cur == goal:
            path = []
            while cur:
                path.append(cur)
                cur = came[cur]
            return path[::-1]
        for nxt in neighbours(cur):
            ng = g + 1
            if ng < cost.get(nxt, 10 ** 9):
                cost[nxt] = ng
                came[nxt] = cur
                heapq.heappush(open_heap, (ng + h(nxt), ng, nxt))
    return None


path = astar(find("S"), find("E"))
print(len(path) - 1, path[:4])
grid = [list(row) for row in MAZE]
for r, c in path[1:-1]:
    grid[r][c] = "*"
print("\n".join("".join(row) for row in grid))
