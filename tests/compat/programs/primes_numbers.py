"""Number theory: sieve, factorisation, gcd/lcm, modular inverse, perfect numbers."""

import math


def sieve(limit: int) -> list[int]:
    flags = [True] * (limit + 1)
    flags[0:2] = [False, False]
    for i in range(2, math.isqrt(limit) + 1):
        if flags[i]:
            flags[i * i :: i] = [False] * len(range(i * i, limit + 1, i))
    return [i for i, f in enumerate(flags) if f]


def factorize(n: int) -> dict[int, int]:
    out: dict[int, int] = {}
    d = 2
    while d * d <= n:
        while n % d == 0:
            out[d] = out.get(d, 0) + 1
            n //= d
        d += 1
    if n > 1:
        out[n] = out.get(n, 0) + 1
    return out


def mod_inverse(a: int, m: int) -> int:
    g, x = m, 0
    r, y = a, 1
    while r:
        q = g // r
        g, r = r, g - q * r
        x, y = y, x - q * y
    return x % m


def is_perfect(n: int) -> bool:
    return n > 1 and sum(d for d in range(1, n // 2 + 1) if n % d == 0) == n


primes = sieve(200)
print(len(primes), primes[-5:])
print(factorize(360), factorize(9973), factorize(2**10 * 3**4 * 7))
print(math.gcd(462, 1071), math.lcm(4, 6, 10), mod_inverse(17, 3120), pow(17, -1, 3120))
print([n for n in range(1, 10000) if is_perfect(n)])
print(math.comb(20, 10), math.factorial(20), math.perm(10, 3), math.prod(range(1, 11)))
print(2 ** 100, (2 ** 64) * (3 ** 40), 10 ** 30 // 7, divmod(10 ** 20, 12345))
