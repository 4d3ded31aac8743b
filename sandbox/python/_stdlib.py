"""The standard-library modules a script may import: per-sandbox, deterministic, size-checked.

``import X`` in a script binds a namespace this module builds for the sandbox the first time
the script imports ``X`` (never the host's module object): rebinding a name in it changes only
that mod. Rules every namespace follows:

- C-level iterators a script could make endless or huge (``itertools``, ``Counter.elements``)
  pull one unit of fuel per item they produce (``compress(it, fuel)``, in C), so any consumer
  (``list()``, ``sorted()``) stops at the call's fuel;
- host Python code that loops over a script's data (``statistics``, ``heapq.nlargest``,
  ``random.shuffle``, ``copy.deepcopy``) is fed metered iterators or charged fuel first;
- sizes are checked before the work (``product(..., repeat=n)``, ``math.prod``, ``lcm``,
  ``getrandbits``, ``choices(k=n)``), through the sandbox's :class:`Guards`;
- pure-Python classes are handed out as sandbox-local subclasses (``Enum``, ``Counter``,
  ``Random`` ...), so a script that sets an attribute on one changes only its own copy;
- nothing reaches a module object, a function's globals or a host class.

:data:`MODULES` lists every name each module offers (the compiler refuses any other name at
load time); the "Standard library" section of docs/security.md says what was left out, and why.
"""

from __future__ import annotations

import bisect as _bisect
import cmath as _cmath
import copy as _copy
import functools as _functools
import hashlib
import heapq as _heapq
import itertools as _it
import math as _math
import operator as _operator
import random as _random
import statistics as _statistics
import string as _string
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import compress
from types import FunctionType, SimpleNamespace
from typing import Any, Final

from ._classes import GuestTypes, slot_values
from ._guards import GUARDED_METHODS, ITEM_BYTES, Guards
from ._names import forbidden_attribute
from ._signals import ForbiddenSignal
from ._stdlib_types import TYPE_MODULES, TYPE_NAMES


@dataclass
class Kit:
    """What a module builder needs from its sandbox."""

    mod_id: str
    guards: Guards
    guest: GuestTypes
    #: The sandbox's module loader (builders that use another module ask it).
    modules: Callable[[str], SimpleNamespace] = lambda name: SimpleNamespace()

    def metered(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """``iterable``, one unit of fuel per item (pulled in C)."""
        return compress(iterable, self.guards.meter.stream)

    def items(self, iterable: Iterable[Any]) -> list[Any]:
        """``iterable`` as a list, one unit of fuel per item (sequences are not copied)."""
        if type(iterable) in (list, tuple):
            self.guards.meter.burn(len(iterable))
            return iterable  # type: ignore[return-value]
        return list(self.metered(iterable))

    def forbid(self, message: str) -> ForbiddenSignal:
        return self.guards.meter.trip(ForbiddenSignal(message))  # type: ignore[return-value]


# -- math, cmath ------------------------------------------------------------------------------
MATH_PLAIN: Final[tuple[str, ...]] = (
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cbrt", "ceil", "copysign",
    "cos", "cosh", "degrees", "dist", "e", "erf", "erfc", "exp", "exp2", "expm1", "fabs",
    "floor", "fmod", "frexp", "gamma", "gcd", "hypot", "inf", "isclose", "isfinite", "isinf",
    "isnan", "isqrt", "ldexp", "lgamma", "log", "log10", "log1p", "log2", "modf", "nan",
    "nextafter", "pi", "pow", "radians", "remainder", "sin", "sinh", "sqrt", "tan", "tanh",
    "tau", "trunc", "ulp",
)  # fmt: skip
MATH_CHECKED: Final[tuple[str, ...]] = ("factorial", "comb", "perm", "prod", "fsum", "lcm")


def _math_ns(kit: Kit) -> SimpleNamespace:
    g = kit.guards
    ns = SimpleNamespace(**{n: getattr(_math, n) for n in MATH_PLAIN if hasattr(_math, n)})

    def small(n: Any, what: str) -> None:
        if type(n) is int and n > 5000:
            g._int_bits(n * 12, what)

    def factorial(n: int) -> int:
        small(n, "math.factorial")
        return _math.factorial(n)

    def comb(n: int, k: int) -> int:
        small(n, "math.comb")
        return _math.comb(n, k)

    def perm(n: int, k: int | None = None) -> int:
        small(n, "math.perm")
        return _math.perm(n, k)

    def prod(iterable: Iterable[Any], *, start: Any = 1) -> Any:
        result = start
        for x in kit.metered(iterable):
            result = g.mul(result, x)
        return result

    def fsum(iterable: Iterable[Any]) -> float:
        return _math.fsum(kit.metered(iterable))

    def lcm(*ints: Any) -> int:
        g._int_bits(sum(i.bit_length() for i in ints if type(i) is int), "math.lcm")
        return _math.lcm(*ints)

    for fn in (factorial, comb, perm, prod, fsum, lcm):
        setattr(ns, fn.__name__, fn)
    return ns


def _cmath_ns(kit: Kit) -> SimpleNamespace:
    return SimpleNamespace(**{n: getattr(_cmath, n) for n in dir(_cmath) if n[0] != "_"})


# -- random -----------------------------------------------------------------------------------
RANDOM_NAMES: Final = (
    "Random", "betavariate", "choice", "choices", "expovariate", "gammavariate", "gauss",
    "getrandbits", "getstate", "lognormvariate", "normalvariate", "paretovariate", "randbytes",
    "randint", "random", "randrange", "sample", "seed", "setstate", "shuffle", "triangular",
    "uniform", "vonmisesvariate", "weibullvariate",
)  # fmt: skip


def _seed_of(mod_id: str) -> int:
    return int.from_bytes(hashlib.sha256(f"script:{mod_id}".encode()).digest()[:8], "big")


def _random_ns(kit: Kit) -> SimpleNamespace:
    g = kit.guards
    default_seed = _seed_of(kit.mod_id)

    class Random(_random.Random):
        """A seeded generator: no seed means the mod's own seed, never the clock."""

        def seed(self, a: Any = None, version: int = 2) -> None:
            if a is not None and type(a) not in (int, float, str, bytes):
                raise TypeError("random.seed() takes an int, float, str or bytes")
            super().seed(default_seed if a is None else a, version)

        def getrandbits(self, k: int) -> int:
            g._int_bits(k, "random.getrandbits")
            return super().getrandbits(k)

        def randbytes(self, n: int) -> bytes:
            g._check(n, "random.randbytes")
            return super().randbytes(n)

        def shuffle(self, x: Any) -> None:
            g.meter.burn(len(x))
            super().shuffle(x)

        def sample(self, population: Any, k: int, *, counts: Any = None) -> list[Any]:
            if type(k) is int:
                g._check(k * ITEM_BYTES, "random.sample")
                g.meter.burn(k)
            return super().sample(population, k, counts=counts)

        def choices(self, population: Any, weights: Any = None, *, cum_weights: Any = None,
                    k: int = 1) -> list[Any]:  # fmt: skip
            if type(k) is int:
                g._check(k * ITEM_BYTES, "random.choices")
                g.meter.burn(k + len(population))
            return super().choices(population, weights, cum_weights=cum_weights, k=k)

    kit.guest.allow_base(Random)
    shared = Random()
    ns = SimpleNamespace(Random=Random)
    for name in RANDOM_NAMES[1:]:
        setattr(ns, name, getattr(shared, name))
    return ns


# -- itertools ----------------------------------------------------------------------------------
ITERTOOLS_NAMES: Final = tuple(n for n in dir(_it) if n[0] != "_")


def _itertools_ns(kit: Kit) -> SimpleNamespace:
    g, m = kit.guards, kit.metered

    def lazy(fn: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
        def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
            return m(fn(*args, **kwargs))

        wrapper.__name__ = wrapper.__qualname__ = fn.__name__
        return wrapper

    def product(*iterables: Any, repeat: int = 1) -> Iterator[Any]:
        pools = [kit.items(p) for p in iterables]
        g._check(sum(len(p) for p in pools) * max(repeat, 0) * ITEM_BYTES, "itertools.product")
        return m(_it.product(*pools, repeat=repeat))

    def sized(fn: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
        def wrapper(iterable: Any, r: Any = None) -> Iterator[Any]:
            pool = kit.items(iterable)
            if type(r) is int:
                g._check(r * ITEM_BYTES, f"itertools.{fn.__name__}")
            return m(fn(pool) if r is None else fn(pool, r))

        wrapper.__name__ = wrapper.__qualname__ = fn.__name__
        return wrapper

    def tee(iterable: Any, n: int = 2) -> tuple[Iterator[Any], ...]:
        g._check(n * ITEM_BYTES * 8, "itertools.tee")
        return _it.tee(m(iterable), n)

    ns = SimpleNamespace(**{n: lazy(getattr(_it, n)) for n in ITERTOOLS_NAMES})
    ns.product, ns.tee = product, tee
    for fn in (_it.permutations, _it.combinations, _it.combinations_with_replacement):
        setattr(ns, fn.__name__, sized(fn))
    ns.chain.from_iterable = lambda iterable: m(_it.chain.from_iterable(iterable))
    return ns


# -- functools ----------------------------------------------------------------------------------
FUNCTOOLS_NAMES: Final = (
    "cache", "cached_property", "cmp_to_key", "lru_cache", "partial", "reduce",
    "total_ordering", "update_wrapper", "wraps",
)  # fmt: skip
#: Bytes one cached call is charged (arguments, result and the cache's own entry).
CACHE_ENTRY_BYTES: Final = 256


def _functools_ns(kit: Kit) -> SimpleNamespace:
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


def _operator_ns(kit: Kit) -> SimpleNamespace:
    g = kit.guards
    ns = SimpleNamespace(**{n: getattr(_operator, n) for n in OPERATOR_NAMES})
    # The growing operators take the same size guards as the script's own operators.
    ns.add = ns.concat = g.add
    ns.mul, ns.pow, ns.lshift, ns.mod = g.mul, g.pow, g.lshift, g.mod
    for name, op in (("iadd", "+="), ("iconcat", "+="), ("imul", "*="), ("ipow", "**="),
                     ("ilshift", "<<="), ("imod", "%=")):  # fmt: skip
        setattr(ns, name, _functools.partial(g.inplace, op))

    def checked(names: Iterable[Any], what: str) -> None:
        for name in names:
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


def _heapq_ns(kit: Kit) -> SimpleNamespace:
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


def _bisect_ns(kit: Kit) -> SimpleNamespace:
    return SimpleNamespace(**{n: getattr(_bisect, n) for n in BISECT_NAMES})


# -- statistics -------------------------------------------------------------------------------
STATISTICS_FUNCTIONS: Final = (
    "correlation", "covariance", "fmean", "geometric_mean", "harmonic_mean",
    "linear_regression", "mean", "median", "median_grouped", "median_high", "median_low",
    "mode", "multimode", "pstdev", "pvariance", "quantiles", "stdev", "variance",
)  # fmt: skip
STATISTICS_NAMES: Final = (*STATISTICS_FUNCTIONS, "StatisticsError", "NormalDist")


def _statistics_ns(kit: Kit) -> SimpleNamespace:
    class StatisticsError(ValueError):
        """``statistics.StatisticsError``, raised by this sandbox's statistics functions."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            data = [kit.items(a) if not isinstance(a, int | float) else a for a in args]
            n = kwargs.get("n")
            if type(n) is int:
                kit.guards._check(n * ITEM_BYTES, f"statistics.{fn.__name__}")
            try:
                return fn(*data, **kwargs)
            except _statistics.StatisticsError as exc:
                raise StatisticsError(*exc.args) from None

        call.__name__ = call.__qualname__ = fn.__name__
        return call

    class NormalDist(_statistics.NormalDist):
        """A sandbox-local ``statistics.NormalDist`` (``samples`` is size-checked)."""

        @classmethod
        def from_samples(cls, data: Any) -> Any:
            return super().from_samples(kit.items(data))

        def samples(self, n: int, *, seed: Any = None) -> list[float]:
            kit.guards._check(n * ITEM_BYTES, "NormalDist.samples")
            kit.guards.meter.burn(n)
            return super().samples(n, seed=_seed_of(kit.mod_id) if seed is None else seed)

    kit.guest.allow_base(StatisticsError, NormalDist)
    ns = SimpleNamespace(**{n: wrap(getattr(_statistics, n)) for n in STATISTICS_FUNCTIONS})
    ns.StatisticsError, ns.NormalDist = StatisticsError, NormalDist
    return ns


# -- string, copy -----------------------------------------------------------------------------
STRING_NAMES: Final = (
    "ascii_letters", "ascii_lowercase", "ascii_uppercase", "capwords", "digits", "hexdigits",
    "octdigits", "printable", "punctuation", "whitespace",
)  # fmt: skip


def _string_ns(kit: Kit) -> SimpleNamespace:
    return SimpleNamespace(**{n: getattr(_string, n) for n in STRING_NAMES})


def _copy_ns(kit: Kit) -> SimpleNamespace:
    def check(value: Any, *, deep: bool) -> None:
        stack, seen = [value], set()
        while stack:
            obj = stack.pop()
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            next(kit.guards.meter.stream)
            t = type(obj)
            if t in _ATOMS or isinstance(obj, FunctionType):
                continue
            if t in _CONTAINERS:
                if deep:
                    stack.extend(obj.items() if t is dict else obj)
                continue
            if not kit.guest.is_own(obj):
                raise kit.forbid(
                    f"copy of a {t.__name__} object: copy and deepcopy take plain data and "
                    "your own objects only"
                )
            if deep and not isinstance(obj, type):
                stack.extend(getattr(obj, "__dict__", {}).values())
                stack.extend(slot_values(obj))

    def copy(x: Any) -> Any:
        check(x, deep=False)
        return _copy.copy(x)

    def deepcopy(x: Any, memo: Any = None) -> Any:
        check(x, deep=True)
        return _copy.deepcopy(x)

    return SimpleNamespace(copy=copy, deepcopy=deepcopy)


_ATOMS: Final = frozenset({int, float, complex, bool, str, bytes, type(None), range, slice})
_CONTAINERS: Final = frozenset({list, tuple, dict, set, frozenset})


# -- the registry -----------------------------------------------------------------------------
_BUILDERS: Final[dict[str, Callable[[Kit], SimpleNamespace]]] = {
    "math": _math_ns,
    "cmath": _cmath_ns,
    "random": _random_ns,
    "itertools": _itertools_ns,
    "functools": _functools_ns,
    "operator": _operator_ns,
    "heapq": _heapq_ns,
    "bisect": _bisect_ns,
    "statistics": _statistics_ns,
    "string": _string_ns,
    "copy": _copy_ns,
    **TYPE_MODULES,
}

#: Every importable module and the names it offers (checked at load time).
MODULES: Final[dict[str, frozenset[str]]] = {
    "math": frozenset(MATH_PLAIN + MATH_CHECKED),
    "cmath": frozenset(n for n in dir(_cmath) if n[0] != "_"),
    "random": frozenset(RANDOM_NAMES),
    "itertools": frozenset(ITERTOOLS_NAMES),
    "functools": frozenset(FUNCTOOLS_NAMES),
    "operator": frozenset(OPERATOR_NAMES),
    "heapq": frozenset(HEAPQ_NAMES),
    "bisect": frozenset(BISECT_NAMES),
    "statistics": frozenset(STATISTICS_NAMES),
    "string": frozenset(STRING_NAMES),
    "copy": frozenset({"copy", "deepcopy"}),
    **TYPE_NAMES,
}


#: Names left out of a module on purpose, with the reason a script author reads.
LEFT_OUT: Final[dict[str, str]] = {
    "random.SystemRandom": "it reads the OS's entropy (not reproducible); use random.Random(seed)",
    "random.seed()": "seeding from the clock is not reproducible",
    "string.Formatter": "it walks attributes inside format strings; use f-strings",
    "string.Template": "its patterns are regular expressions a script controls; use f-strings",
    "functools.singledispatch": "it walks the class hierarchy; dispatch with isinstance()",
    "functools.partialmethod": "use a method that calls the function",
    "dataclasses.make_dataclass": "it builds classes from a namespace dict; write a class",
    "typing.get_type_hints": "it evaluates annotation strings; annotations are inert here",
    "itertools.batched": "not in this Python version",
}


def missing_name(module: str, name: str) -> str:
    """The refusal for ``module.name`` not offered to scripts."""
    why = LEFT_OUT.get(f"{module}.{name}")
    if why is not None:
        return f"{module}.{name} is left out of the sandbox: {why}"
    return (
        f'{module} has no "{name}" in scripts (the standard library section of '
        "docs/security.md lists what each module offers)"
    )


class Modules:
    """One sandbox's imported modules, each built on first import."""

    def __init__(self, kit: Kit) -> None:
        self._kit = kit
        kit.modules = self
        self._built: dict[str, SimpleNamespace] = {}

    def __call__(self, name: str) -> SimpleNamespace:
        """The namespace ``import name`` binds (the compiler lets only :data:`MODULES`
        through)."""
        ns = self._built.get(name)
        if ns is None:
            ns = self._built[name] = _BUILDERS[name](self._kit)
            if name == "collections":
                ns.abc = self("collections.abc")
        return ns
