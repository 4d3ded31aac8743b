"""Closures, nonlocal counters, decorators with functools.wraps, memoisation and partials."""

import functools
import operator


def counter(start=0):
    count = start

    def inc(step=1):
        nonlocal count
        count += step
        return count

    return inc


def call_log(fn):
    calls = []

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        calls.append(args)
        return fn(*args, **kwargs)

    wrapper.calls = calls
    return wrapper


@call_log
def add(a, b):
    """Add two numbers."""
    return a + b


@functools.lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


@functools.cache
def partitions(n, k):
    if n == 0:
        return 1
    if n < 0 or k == 0:
        return 0
    return partitions(n - k, k) + partitions(n, k - 1)


def compose(*fns):
    return functools.reduce(lambda f, g: lambda x: f(g(x)), fns)


c = counter(10)
print(c(), c(5), c())
print(add(1, 2), add(3, 4), add.calls, add.__name__, add.__doc__)
print(fib(80), fib.cache_info().hits > 0, partitions(30, 30))
double_then_inc = compose(lambda x: x + 1, lambda x: x * 2)
print(double_then_inc(5))
pow2 = functools.partial(pow, 2)
print([pow2(i) for i in range(10)], functools.reduce(operator.mul, range(1, 8)))
print(sorted([("b", 2), ("a", 3), ("c", 1)], key=operator.itemgetter(1)))
