"""Towers of Hanoi, recursive, counting moves into lists."""


def move(n, src, dst, via, pegs):
    if n == 0:
        return 0
    count = move(n - 1, src, via, dst, pegs)
    pegs[dst].append(pegs[src].pop())
    return count + 1 + move(n - 1, via, dst, src, pegs)


def run(n):
    total = 0
    for _ in range(3):
        pegs = [list(range(n, 0, -1)), [], []]
        total += move(n, 0, 2, 1, pegs)
    return total, pegs[2][:3]


print(run(12))
