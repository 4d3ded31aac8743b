"""The sandbox's ``math``, ``cmath``, ``random`` and ``statistics`` (see ``_stdlib`` for the
rules every namespace follows)."""

from __future__ import annotations

import cmath as _cmath
import hashlib
import math as _math
import random as _random
import statistics as _statistics
from collections.abc import Callable, Iterable
from itertools import accumulate as _accumulate
from itertools import compress
from types import SimpleNamespace
from typing import Any, Final

from ._guards import ITEM_BYTES
from ._stdlib_kit import Kit

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


def math_ns(kit: Kit) -> SimpleNamespace:
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


def cmath_ns(kit: Kit) -> SimpleNamespace:
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


#: The generator's own draw of k random bits (in C).
_draw: Final = _random.Random.getrandbits


def random_ns(kit: Kit) -> SimpleNamespace:
    g = kit.guards
    default_seed = _seed_of(kit.mod_id)

    class Random(_random.Random):
        """A seeded generator: no seed means the mod's own seed, never the clock."""

        def __init_subclass__(cls, /, **kwargs: Any) -> None:
            # Python's own methods (uniform, choices, randrange ...) compute with what a
            # script's random(), getrandbits() or _randbelow() returns, in host code: a
            # list from random() made uniform(0, n) repeat it n times. Each override is
            # wrapped to hand them only what a real generator would.
            super().__init_subclass__(**kwargs)
            for name, check in _DRAW_CHECKS.items():
                own = cls.__dict__.get(name)
                if own is not None and not getattr(own, _CHECKED, False):
                    setattr(cls, name, _checked_draw(own, name, check, kit))

        def seed(self, a: Any = None, version: int = 2) -> None:
            if a is not None and type(a) not in (int, float, str, bytes):
                raise TypeError("random.seed() takes an int, float, str or bytes")
            super().seed(default_seed if a is None else a, version)

        def getrandbits(self, k: int) -> int:
            g._int_bits(k, "random.getrandbits")
            return super().getrandbits(k)

        def _randbelow(self, n: int) -> int:
            # randrange, choice, shuffle and sample draw through here, as many bits as n has:
            # n exists already, so its size needs no check, and the draws skip the Python
            # layer of getrandbits (same numbers as Random's own). int.bit_length: an int
            # subclass cannot claim more bits than it holds. A script's subclass overriding
            # getrandbits or random gets Python's own _randbelow (Random.__init_subclass__).
            k = int.bit_length(n)
            r = _draw(self, k)
            while r >= n:
                r = _draw(self, k)
            return r

        def randbytes(self, n: int) -> bytes:
            g._check(n, "random.randbytes")
            return super().randbytes(n)

        def shuffle(self, x: Any) -> None:
            # Python's own algorithm (the same order for the same state), its steps drawn
            # from the fuel stream as they run: the deadline is checked during a long
            # shuffle, not only before it.
            randbelow = self._randbelow
            for i in compress(reversed(range(1, len(x))), g.meter.stream):
                j = randbelow(i + 1)
                x[i], x[j] = x[j], x[i]

        def sample(self, population: Any, k: int, *, counts: Any = None) -> list[Any]:
            if type(k) is int:
                g._check(k * ITEM_BYTES, "random.sample")
                g.meter.burn(k)
            return super().sample(population, k, counts=counts)

        def choices(self, population: Any, weights: Any = None, *, cum_weights: Any = None,
                    k: int = 1) -> list[Any]:  # fmt: skip
            if type(k) is not int or k <= _CHOICES_CHUNK:
                if type(k) is int:
                    g._check(k * ITEM_BYTES, "random.choices")
                    g.meter.burn(k + len(population))
                return super().choices(population, weights, cum_weights=cum_weights, k=k)
            # Drawn in chunks, each charged as it is drawn, so the deadline is checked during
            # a long draw: the same numbers as one call (each pick draws the same way).
            g._check(k * ITEM_BYTES, "random.choices")
            g.meter.burn(len(population))
            if weights is not None and cum_weights is not None:
                raise TypeError("Cannot specify both weights and cumulative weights")
            if weights is not None:
                cum_weights = list(_accumulate(kit.items(weights)))
                weights = None
            out: list[Any] = []
            for start in range(0, k, _CHOICES_CHUNK):
                n = min(_CHOICES_CHUNK, k - start)
                g.meter.burn(n)
                out += super().choices(population, cum_weights=cum_weights, k=n)
            return out

    kit.guest.allow_base(Random)
    shared = Random()
    ns = SimpleNamespace(Random=Random)
    for name in RANDOM_NAMES[1:]:
        setattr(ns, name, getattr(shared, name))
    return ns


def _float_draw(value: Any, args: tuple[Any, ...]) -> bool:
    return type(value) is float


def _bits_draw(value: Any, args: tuple[Any, ...]) -> bool:
    k = args[0] if args else None
    return type(value) is int and type(k) is int and value >= 0 and value.bit_length() <= k


def _below_draw(value: Any, args: tuple[Any, ...]) -> bool:
    n = args[0] if args else None
    return type(value) is int and type(n) is int and 0 <= value < max(n, 1)


#: ``random.choices`` past this many picks draws them in chunks of it (see ``choices``).
_CHOICES_CHUNK: Final = 4096

#: What a script's override of each draw must return (given its arguments).
_DRAW_CHECKS: Final[dict[str, Callable[[Any, tuple[Any, ...]], bool]]] = {
    "random": _float_draw,
    "getrandbits": _bits_draw,
    "_randbelow": _below_draw,
}
_CHECKED: Final = "_mh_checked_draw"


def _checked_draw(
    own: Callable[..., Any], name: str, check: Callable[[Any, tuple[Any, ...]], bool], kit: Kit
) -> Callable[..., Any]:
    def draw(self: Any, *args: Any) -> Any:
        value = own(self, *args)
        if not check(value, args):
            raise kit.forbid(
                f"Random.{name}() of a subclass returned a {type(value).__name__} out of range: "
                "random() must return a float, getrandbits(k) an int of k bits, _randbelow(n) "
                "an int below n"
            )
        return value

    draw.__name__ = draw.__qualname__ = name
    setattr(draw, _CHECKED, True)
    return draw


# -- statistics -------------------------------------------------------------------------------
#: What one float of a list costs: its slot and the float object.
FLOAT_BYTES: Final = ITEM_BYTES + 24
#: NormalDist's slots, which its own methods read.
_NORMAL_FIELDS: Final = frozenset({"_mu", "_sigma"})
STATISTICS_FUNCTIONS: Final = (
    "correlation", "covariance", "fmean", "geometric_mean", "harmonic_mean",
    "linear_regression", "mean", "median", "median_grouped", "median_high", "median_low",
    "mode", "multimode", "pstdev", "pvariance", "quantiles", "stdev", "variance",
)  # fmt: skip
STATISTICS_NAMES: Final = (*STATISTICS_FUNCTIONS, "StatisticsError", "NormalDist")


def statistics_ns(kit: Kit) -> SimpleNamespace:
    class StatisticsError(ValueError):
        """``statistics.StatisticsError``, raised by this sandbox's statistics functions."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            data = [kit.items(a) if not isinstance(a, int | float) else a for a in args]
            n = kwargs.get("n")
            if type(n) is int:
                # quantiles(data, n=...) makes n - 1 floats in a host loop: size and fuel first.
                kit.guards._check(n * FLOAT_BYTES, f"statistics.{fn.__name__}")
                kit.guards.meter.burn(n)
            try:
                return fn(*data, **kwargs)
            except _statistics.StatisticsError as exc:
                raise StatisticsError(*exc.args) from None

        call.__name__ = call.__qualname__ = fn.__name__
        return call

    class NormalDist(_statistics.NormalDist):
        """A sandbox-local ``statistics.NormalDist`` (``samples`` and ``quantiles`` are
        size-checked and charged)."""

        def __init_subclass__(cls, /, **kwargs: Any) -> None:
            # NormalDist's own methods compute with _mu and _sigma in host code (mu * k):
            # a subclass's property there would hand them a list to repeat.
            super().__init_subclass__(**kwargs)
            shadowed = sorted(_NORMAL_FIELDS & set(cls.__dict__))
            if shadowed:
                raise kit.forbid(
                    f"a NormalDist subclass defines {', '.join(shadowed)}: NormalDist's own "
                    "methods compute with them (name your attributes otherwise)"
                )

        def quantiles(self, n: int = 4) -> list[float]:
            if type(n) is int:
                kit.guards._check(n * FLOAT_BYTES, "NormalDist.quantiles")
                kit.guards.meter.burn(n)
            return super().quantiles(n)

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
