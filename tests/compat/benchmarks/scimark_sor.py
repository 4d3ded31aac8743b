"""SciMark successive over-relaxation on a grid of floats."""


def sor(n, cycles, omega=1.25):
    g = [[(i * 7 + j * 3) % 11 / 11.0 for j in range(n)] for i in range(n)]
    o4 = omega * 0.25
    o1 = 1.0 - omega
    for _ in range(cycles):
        for i in range(1, n - 1):
            gi, gim, gip = g[i], g[i - 1], g[i + 1]
            for j in range(1, n - 1):
                gi[j] = o4 * (gim[j] + gip[j] + gi[j - 1] + gi[j + 1]) + o1 * gi[j]
    return round(sum(map(sum, g)), 6)


def run(n):
    return sor(n, 10)


print(run(30))
