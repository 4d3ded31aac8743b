"""Tuple and list unpacking in tight loops (after pyperformance's unpack_sequence)."""


def do_unpacking(loops, to_unpack):
    s = 0
    for _ in range(loops):
        a, b, c, d, e, f, g, h, i, j = to_unpack
        a, b, c, d, e, f, g, h, i, j = to_unpack
        a, b, c, d, e, f, g, h, i, j = to_unpack
        a, b, c, d, e, f, g, h, i, j = to_unpack
        a, b, c, d, e, f, g, h, i, j = to_unpack
        s += a + j
    return s


def run(n):
    return do_unpacking(n, tuple(range(10))) + do_unpacking(n, list(range(10)))


print(run(1000))
