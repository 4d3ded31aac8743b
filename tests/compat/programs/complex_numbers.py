"""Complex arithmetic with cmath: roots of polynomials, FFT of a small signal."""

import cmath
import math


def quadratic(a, b, c):
    d = cmath.sqrt(b * b - 4 * a * c)
    return (-b + d) / (2 * a), (-b - d) / (2 * a)


def fft(x):
    n = len(x)
    if n == 1:
        return list(x)
    even, odd = fft(x[0::2]), fft(x[1::2])
    out = [0j] * n
    for k in range(n // 2):
        t = cmath.exp(-2j * math.pi * k / n) * odd[k]
        out[k] = even[k] + t
        out[k + n // 2] = even[k] - t
    return out


def fmt(z):
    return f"{z.real:+.4f}{z.imag:+.4f}j"


print([fmt(r) for r in quadratic(1, 2, 5)], [fmt(r) for r in quadratic(1, -3, 2)])
signal = [math.sin(2 * math.pi * 3 * t / 16) for t in range(16)]
spectrum = fft(signal)
print([round(abs(v), 4) for v in spectrum[:8]])
z = complex(3, 4)
print(abs(z), round(cmath.phase(z), 6), cmath.polar(1j), fmt(cmath.rect(2, math.pi / 2)))
print(fmt(cmath.exp(1j * math.pi)), z.conjugate(), z * z, (1 + 2j) / (3 - 4j))
