"""The sandbox's ``itertools``, ``functools``, ``operator``, ``heapq`` and ``bisect`` (see
``_stdlib`` for the rules every namespace follows)."""

from __future__ import annotations

import bisect as _bisect
import functools as _functools
import heapq as _heapq
import itertools as _it
import operator as _operator
from collections.abc import Callable, Iterable, Iterator
from types import FunctionType, SimpleNamespace
from typing import Any, Final

from ._guards import ITEM_BYTES
from ._method_guards import GUARDED_METHODS
from ._names import forbidden_attribute
from ._stdlib_kit import Kit

# -- itertools ----------------------------------------------------------------------------------
ITERTOOLS_NAMES: Final = tuple(n for n in dir(_it) if n[0] != "_")


def itertools_ns(kit: Kit) -> SimpleNamespace:
    g, m = kit.guards, kit.metered

    def lazy(fn: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
        def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
            return m(fn(*args, **kwargs), (*args, *kwargs.values()))

        wrapper.__name__ = wrapper.__qualname__ = fn.__name__
        return wrapper

    def product(*iterables: Any, repeat: int = 1) -> Iterator[Any]:
        pools = [kit.items(p) for p in iterables]
        g._check(sum(len(p) for p in pools) * max(repeat, 0) * ITEM_BYTES, "itertools.product")
        return m(_it.product(*pools, repeat=repeat), pools)

    def sized(fn: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
        def wrapper(iterable: Any, r: Any = None) -> Iterator[Any]:
            pool = kit.items(iterable)
            if type(r) is int:
                g._check(r * ITEM_BYTES, f"itertools.{fn.__name__}")
            return m(fn(pool) if r is None else fn(pool, r), (pool,))

        wrapper.__name__ = wrapper.__qualname__ = fn.__name__
        return wrapper

    def tee(iterable: Any, n: int = 2) -> tuple[Iterator[Any], ...]:
        g._check(n * ITEM_BYTES * 8, "itertools.tee")
        # Each branch pulls from the one iterator in C: each is tracked as wrapping it.
        return tuple(m(branch, (iterable, iterable)) for branch in _it.tee(iterable, n))

    def accumulate(iterable: Any, func: Any = None, *, initial: Any = None) -> Iterator[Any]:
        # The default '+' of C would concatenate lists past the memory limit: it takes the
        # guard, as a script's own '+' does.
        made = _it.accumulate(iterable, g.add if func is None else func, initial=initial)
        return m(made, (iterable,))

    def zip_longest(*iterables: Any, fillvalue: Any = None) -> Iterator[Any]:
        g.zipped(iterables, "itertools.zip_longest")
        return m(_it.zip_longest(*iterables, fillvalue=fillvalue), iterables)

    ns = SimpleNamespace(**{n: lazy(getattr(_it, n)) for n in ITERTOOLS_NAMES})
    ns.product, ns.tee, ns.accumulate = product, tee, accumulate
    ns.zip_longest = zip_longest
    for fn in (_it.permutations, _it.combinations, _it.combinations_with_replacement):
        setattr(ns, fn.__name__, sized(fn))
    ns.chain.from_iterable = lambda iterable: m(_flattened(iterable))
    ns.groupby = lambda iterable, key=None: m(_groups(iterable, key, m))
    return ns


def _flattened(iterables: Any) -> Iterator[Any]:
    """``chain.from_iterable`` in Python: the iterators it reaches are out of sight when it
    is built (inside ``iterables``), so each step runs a frame the recursion check counts."""
    for iterable in iterables:
        yield from iterable


def _groups(iterable: Any, key: Any, m: Callable[..., Iterator[Any]]) -> Iterator[Any]:
    """``groupby`` whose groups are tracked: each pulls from ``iterable`` in C."""
    for k, group in _it.groupby(m(iterable), key):
        yield k, m(group, (iterable, iterable))


# -- functools ----------------------------------------------------------------------------------
FUNCTOOLS_NAMES: Final = (
    "cache", "cached_property", "cmp_to_key", "lru_cache", "partial", "reduce",
    "total_ordering", "update_wrapper", "wraps",
)  # fmt: skip
#: Bytes one cached call is charged (arguments, result and the cache's own entry).
CACHE_ENTRY_BYTES: Final = 256


def functools_ns(kit: Kit) -> SimpleNamespace:
    most = max(128, kit.guards.max_bytes // CACHE_ENTRY_BYTES)

    def lru_cache(maxsize: Any = 128, typed: bool = False) -> Any:
        if callable(maxsize) and not isinstance(maxsize, bool):
            return _functools.lru_cache(min(128, most))(maxsize)
        size = most if maxsize is None else min(max(int(maxsize), 0), most)
        return _functools.lru_cache(size, typed)

    def cache(fn: Callable[..., Any]) -> Any:
        return _functools.lru_cache(most)(fn)

    def reduce(function: Any, iterable: Any, *initial: Any) -> Any:
        return _functools.reduce(function, kit.metered(iterable), *initial)

    def update_wrapper(wrapper: Any, wrapped: Any, *_: Any, **__: Any) -> Any:
        # Only names and docs, between the script's own functions: never __wrapped__ (which
        # would lead back past a decorator) nor __dict__.
        if _script_function(wrapper) and isinstance(wrapped, FunctionType):
            wrapper.__name__, wrapper.__qualname__ = wrapped.__name__, wrapped.__qualname__
            wrapper.__doc__ = wrapped.__doc__
        return wrapper

    def wraps(wrapped: Any, *_: Any, **__: Any) -> Callable[[Any], Any]:
        return lambda wrapper: update_wrapper(wrapper, wrapped)

    def total_ordering(cls: Any) -> Any:
        kit.guest.own(cls)
        return _functools.total_ordering(cls)

    class cached_property(_functools.cached_property):  # type: ignore[type-arg]
        """A sandbox-local ``functools.cached_property``."""

    return SimpleNamespace(
        cache=cache,
        cached_property=cached_property,
        cmp_to_key=_functools.cmp_to_key,
        lru_cache=lru_cache,
        partial=_functools.partial,
        reduce=reduce,
        total_ordering=total_ordering,
        update_wrapper=update_wrapper,
        wraps=wraps,
    )


def _script_function(fn: Any) -> bool:
    """A function a script defined (its globals are a script namespace)."""
    return isinstance(fn, FunctionType) and "_fz_" in fn.__globals__


# -- operator ---------------------------------------------------------------------------------
OPERATOR_NAMES: Final = tuple(n for n in dir(_operator) if n[0] != "_")


def operator_ns(kit: Kit) -> SimpleNamespace:
    g = kit.guards
    ns = SimpleNamespace(**{n: getattr(_operator, n) for n in OPERATOR_NAMES})
    # The growing operators take the same size guards as the script's own operators.
    ns.add = ns.concat = g.add
    ns.mul, ns.pow, ns.lshift, ns.mod = g.mul, g.pow, g.lshift, g.mod
    for name, op in (("iadd", "+="), ("iconcat", "+="), ("imul", "*="), ("ipow", "**="),
                     ("ilshift", "<<="), ("imod", "%=")):  # fmt: skip
        setattr(ns, name, _functools.partial(g.inplace, op))

    def setitem(target: Any, key: Any, value: Any) -> None:
        # setitem(a, slice(0, 0), a) is the script's a[0:0] = a: the same size check.
        if type(key) is slice:
            value = g.grow(target, value)
        _operator.setitem(target, key, value)

    ns.setitem = setitem

    def checked(names: Iterable[Any], what: str) -> None:
        # Each part is checked in Python here: a unit of fuel each, charged first.
        for name in names:
            g.meter.burn(name.count(".") + 1 if type(name) is str else 1)
            for part in name.split(".") if type(name) is str else ("",):
                why = forbidden_attribute(part) if part else "attribute names must be str"
                if why is None and (part.startswith("_") or part in GUARDED_METHODS):
                    why = f'"{part}" must be reached directly (obj.{part}), not by name'
                if why is not None:
                    raise kit.forbid(f"operator.{what}(): {why}")

    def attrgetter(*names: Any) -> Any:
        checked(names, "attrgetter")
        return _operator.attrgetter(*names)

    def methodcaller(name: Any, *args: Any, **kwargs: Any) -> Any:
        checked((name,), "methodcaller")
        return _operator.methodcaller(name, *args, **kwargs)

    ns.attrgetter, ns.methodcaller = attrgetter, methodcaller
    return ns


# -- heapq, bisect ----------------------------------------------------------------------------
HEAPQ_NAMES: Final = tuple(n for n in dir(_heapq) if n[0] != "_")
BISECT_NAMES: Final = tuple(n for n in dir(_bisect) if n[0] != "_")


def heapq_ns(kit: Kit) -> SimpleNamespace:
    ns = SimpleNamespace(**{n: getattr(_heapq, n) for n in HEAPQ_NAMES})

    def merge(*iterables: Any, key: Any = None, reverse: bool = False) -> Iterator[Any]:
        return kit.metered(_heapq.merge(*iterables, key=key, reverse=reverse))

    def nlargest(n: int, iterable: Any, key: Any = None) -> list[Any]:
        kit.guards._check(max(n, 0) * ITEM_BYTES, "heapq.nlargest")
        return _heapq.nlargest(n, kit.metered(iterable), key=key)

    def nsmallest(n: int, iterable: Any, key: Any = None) -> list[Any]:
        kit.guards._check(max(n, 0) * ITEM_BYTES, "heapq.nsmallest")
        return _heapq.nsmallest(n, kit.metered(iterable), key=key)

    ns.merge, ns.nlargest, ns.nsmallest = merge, nlargest, nsmallest
    return ns


def bisect_ns(kit: Kit) -> SimpleNamespace:
    return SimpleNamespace(**{n: getattr(_bisect, n) for n in BISECT_NAMES})
