"""Matrix-chain multiplication order: bottom-up dynamic programming with sys.maxsize as
infinity, a memoised top-down version, and the bytes and range type tests ported code makes."""

import sys


def matrix_chain_order(dims: list[int]) -> tuple[list[list[int]], list[list[int]]]:
    n = len(dims)
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(2, n):
        for a in range(1, n - length + 1):
            b = a + length - 1
            cost[a][b] = sys.maxsize
            for c in range(a, b):
                here = cost[a][c] + cost[c + 1][b] + dims[a - 1] * dims[c] * dims[b]
                if here < cost[a][b]:
                    cost[a][b] = here
                    split[a][b] = c
    return cost, split


def parenthesize(split: list[list[int]], i: int, j: int) -> str:
    if i == j:
        return f"A{i}"
    k = split[i][j]
    return "(" + parenthesize(split, i, k) + " " + parenthesize(split, k + 1, j) + ")"


def top_down(dims: list[int]) -> int:
    memo: dict[tuple[int, int], int] = {}

    def best(i: int, j: int) -> int:
        if i == j:
            return 0
        if (i, j) not in memo:
            memo[i, j] = min(
                best(i, k) + best(k + 1, j) + dims[i - 1] * dims[k] * dims[j] for k in range(i, j)
            )
        return memo[i, j]

    return best(1, len(dims) - 1)


def describe(value: object) -> str:
    if type(value) is bytes:
        return f"bytes of {len(value)}"
    if isinstance(value, range):
        return f"range of {len(value)}"
    return type(value).__name__


if __name__ == "__main__":
    print("run as a program:", sys.argv[1:])

for dims in ([30, 35, 15, 5, 10, 20, 25], [10, 20, 30], [5, 10, 3, 12, 5, 50, 6]):
    cost, split = matrix_chain_order(dims)
    n = len(dims) - 1
    print(dims, cost[1][n], parenthesize(split, 1, n), top_down(dims) == cost[1][n])

print(sys.maxsize > 2**62, sys.getrecursionlimit() >= 1000, sys.version_info >= (3, 8))
print(describe(b"abc"), describe(range(7)), describe(2.5))
