"""Mandelbrot set membership on a grid (float and complex arithmetic)."""


def mandel(c, limit=50):
    z = 0j
    for i in range(limit):
        z = z * z + c
        if z.real * z.real + z.imag * z.imag > 4.0:
            return i
    return limit


def run(n):
    rows = []
    for y in range(n):
        row = []
        for x in range(2 * n):
            c = complex(-2.0 + 3.0 * x / (2 * n), -1.2 + 2.4 * y / n)
            row.append(mandel(c))
        rows.append(row)
    return sum(map(sum, rows)), "".join("#" if v == 50 else "." for v in rows[n // 2][::4])


print(run(20))
