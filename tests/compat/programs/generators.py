"""Generators and lazy pipelines: primes, Fibonacci, sliding windows, itertools recipes."""

import itertools
from collections import deque


def primes():
    found = []
    for n in itertools.count(2):
        if all(n % p for p in found if p * p <= n):
            found.append(n)
            yield n


def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b


def window(seq, n):
    it = iter(seq)
    win = deque(itertools.islice(it, n), maxlen=n)
    if len(win) == n:
        yield tuple(win)
    for item in it:
        win.append(item)
        yield tuple(win)


def chunked(seq, size):
    it = iter(seq)
    while True:
        chunk = list(itertools.islice(it, size))
        if not chunk:
            return
        yield chunk


def flatten(nested):
    for item in nested:
        if isinstance(item, (list, tuple)):
            yield from flatten(item)
        else:
            yield item


print(list(itertools.islice(primes(), 15)))
print(list(itertools.takewhile(lambda x: x < 200, fib())))
print(list(window(range(7), 3)))
print(list(chunked("abcdefgh", 3)))
print(list(flatten([1, [2, [3, [4, (5, 6)]]], 7])))
print(sum(x * x for x in range(100) if x % 3 == 0))
print(list(itertools.accumulate([1, 2, 3, 4, 5])), list(itertools.pairwise("abcd")))
print([(k, len(list(g))) for k, g in itertools.groupby("aaabbcddd")])
