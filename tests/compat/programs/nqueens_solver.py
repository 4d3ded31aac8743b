"""N-queens by backtracking, counting and printing one board."""


def solve(n):
    solutions = []
    cols, diag1, diag2 = set(), set(), set()
    board = []

    def place(row):
        if row == n:
            solutions.append(board[:])
            return
        for c in range(n):
            if c in cols or row - c in diag1 or row + c in diag2:
                continue
            cols.add(c)
            diag1.add(row - c)
            diag2.add(row + c)
            board.append(c)
            place(row + 1)
            board.pop()
            cols.discard(c)
            diag1.discard(row - c)
            diag2.discard(row + c)

    place(0)
    return solutions


for n in range(1, 9):
    print(n, len(solve(n)))
first = solve(6)[0]
for c in first:
    print(" ".join("Q" if i == c else "." for i in range(6)))
