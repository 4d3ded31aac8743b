"""Dynamic programming classics: LCS, edit distance, knapsack, coin change, LIS."""

from functools import lru_cache


def lcs(a: str, b: str) -> str:
    table = [[""] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, ca in enumerate(a):
        for j, cb in enumerate(b):
            if ca == cb:
                table[i + 1][j + 1] = table[i][j] + ca
            else:
                table[i + 1][j + 1] = max(table[i][j + 1], table[i + 1][j], key=len)
    return table[-1][-1]


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def knapsack(items: list[tuple[int, int]], capacity: int) -> int:
    best = [0] * (capacity + 1)
    for weight, value in items:
        for c in range(capacity, weight - 1, -1):
            best[c] = max(best[c], best[c - weight] + value)
    return best[capacity]


def coin_change(coins: tuple[int, ...], amount: int) -> int:
    @lru_cache(maxsize=None)
    def ways(i: int, left: int) -> int:
        if left == 0:
            return 1
        if left < 0 or i == len(coins):
            return 0
        return ways(i, left - coins[i]) + ways(i + 1, left)

    return ways(0, amount)


def longest_increasing(seq: list[int]) -> int:
    import bisect

    tails: list[int] = []
    for x in seq:
        k = bisect.bisect_left(tails, x)
        if k == len(tails):
            tails.append(x)
        else:
            tails[k] = x
    return len(tails)


print(lcs("AGGTABQWERTY", "GXTXAYBWRT"))
print(edit_distance("kitten", "sitting"), edit_distance("intention", "execution"))
print(knapsack([(12, 4), (2, 2), (1, 1), (1, 2), (4, 10)], 15))
print(coin_change((1, 2, 5, 10, 25, 50), 200))
print(longest_increasing([10, 9, 2, 5, 3, 7, 101, 18, 4, 8, 6, 12]))
