"""SciMark sparse matrix-vector multiply in compressed-row form."""


def build(n, nz):
    rows, cols, vals = [0], [], []
    for r in range(n):
        step = max(1, n // nz)
        for c in range(r % step, n, step):
            cols.append(c)
            vals.append(((r + 1) * (c + 3)) % 17 / 17.0)
        rows.append(len(cols))
    return rows, cols, vals


def matvec(rows, cols, vals, x, cycles):
    n = len(rows) - 1
    y = [0.0] * n
    for _ in range(cycles):
        for r in range(n):
            s = 0.0
            for k in range(rows[r], rows[r + 1]):
                s += x[cols[k]] * vals[k]
            y[r] = s
    return y


def run(n):
    rows, cols, vals = build(n, 8)
    x = [i / n for i in range(n)]
    y = matvec(rows, cols, vals, x, 20)
    return round(sum(y), 6)


print(run(200))
