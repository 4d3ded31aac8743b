"""SciMark LU factorisation with partial pivoting on a dense float matrix."""


def make(n):
    seed = 7
    m = []
    for _ in range(n):
        row = []
        for _ in range(n):
            seed = (seed * 16807) % 2147483647
            row.append(seed / 2147483647.0)
        m.append(row)
    return m


def lu(a):
    n = len(a)
    pivots = list(range(n))
    for j in range(n):
        jp = max(range(j, n), key=lambda i: abs(a[i][j]))
        pivots[j] = jp
        if jp != j:
            a[j], a[jp] = a[jp], a[j]
        if j < n - 1:
            recp = 1.0 / a[j][j]
            for k in range(j + 1, n):
                a[k][j] *= recp
        for ii in range(j + 1, n):
            aii, aj = a[ii], a[j]
            f = aii[j]
            for jj in range(j + 1, n):
                aii[jj] -= f * aj[jj]
    return a, pivots


def run(n):
    a, p = lu(make(n))
    return round(sum(a[i][i] for i in range(n)), 6), p[:5]


print(run(40))
