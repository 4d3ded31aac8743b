"""The builtins a script sees: deny by default, each allowance (and each refusal) written down.

Built per sandbox, so no two mods share a mutable object through their builtins: a script
that rebinds ``len`` or sets an attribute on the ``math`` namespace changes only its own mod.
"""

from __future__ import annotations

import builtins as _py
import math as _math
from types import SimpleNamespace
from typing import Any, Final

from ._guards import GUARDED_METHODS, Guards
from ._names import forbidden_attribute
from ._signals import ForbiddenSignal

#: Builtins handed over as they are: pure functions and value types over bounded input.
PLAIN: Final[tuple[str, ...]] = (
    "abs",  # numbers only
    "bool",
    "callable",
    "chr",
    "divmod",  # ints are size-capped by the '*'/'**'/'<<' guards
    "enumerate",  # lazy; its consumer counts fuel
    "filter",  # lazy
    "float",
    "frozenset",  # a value type; copying a bounded iterable
    "hash",
    "int",  # string parsing is capped by the interpreter's digit limit
    "isinstance",
    "issubclass",
    "len",
    "list",
    "dict",
    "set",
    "tuple",
    "str",
    "map",  # lazy
    "next",
    "ord",
    "repr",
    "reversed",  # lazy
    "round",
    "slice",
    "zip",  # lazy
    "bin",
    "hex",
    "oct",
    "ascii",
    "complex",
)

#: Builtins that consume a whole iterable in C: each item burns a unit of fuel.
EAGER: Final[tuple[str, ...]] = ("sum", "min", "max", "sorted", "any", "all")

#: Exceptions a script may raise and catch (all below ``Exception``: none of them can catch
#: the sandbox's limit signals).
EXCEPTIONS: Final[tuple[str, ...]] = (
    "Exception",
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "IndexError",
    "KeyError",
    "LookupError",
    "NameError",
    "NotImplementedError",
    "OverflowError",
    "RecursionError",
    "RuntimeError",
    "StopIteration",
    "TypeError",
    "ValueError",
    "ZeroDivisionError",
)

#: Names refused at load time, each with the reason a script author reads.
REFUSED: Final[dict[str, str]] = {
    "type": "type() reaches the class hierarchy and builds classes; use isinstance()",
    "object": "object is the root every escape walks from",
    "super": "classes are not available in scripts",
    "vars": "vars() exposes namespaces",
    "dir": "dir() lists interpreter internals",
    "globals": "globals() exposes the module namespace",
    "locals": "locals() exposes frames",
    "compile": "no code may be compiled at run time",
    "exec": "no code may be compiled at run time",
    "eval": "no code may be compiled at run time",
    "open": "files are read with ctx.fs.read()",
    "input": "there is no terminal",
    "breakpoint": "there is no debugger",
    "help": "there is no terminal",
    "id": "object addresses differ between runs (not deterministic)",
    "memoryview": "raw memory views are not available",
    "bytearray": "mutable byte buffers are not available; use bytes",
    "setattr": "attributes are set with plain assignment",
    "delattr": "attributes are deleted with del",
    "classmethod": "classes are not available in scripts",
    "staticmethod": "classes are not available in scripts",
    "property": "classes are not available in scripts",
    "iter": "iter(callable, sentinel) loops in C without fuel; use a for loop",
    "aiter": "async is not available",
    "anext": "async is not available",
    "print": "scripts write log lines with ctx.log()",
    "printed": "scripts write log lines with ctx.log()",
    "BaseException": "only Exception and its subclasses may be caught",
    "BaseExceptionGroup": "exception groups are not available",
    "ExceptionGroup": "exception groups are not available",
    "GeneratorExit": "only Exception and its subclasses may be caught",
    "KeyboardInterrupt": "only Exception and its subclasses may be caught",
    "SystemExit": "only Exception and its subclasses may be caught",
    "quit": "scripts cannot stop the host",
    "exit": "scripts cannot stop the host",
    "copyright": "not available",
    "credits": "not available",
    "license": "not available",
}

#: ``math`` functions offered through ``import math`` (all bounded float or small-int work).
MATH_NAMES: Final[tuple[str, ...]] = (
    "acos", "asin", "atan", "atan2", "ceil", "copysign", "cos", "cosh", "degrees", "dist",
    "e", "erf", "exp", "fabs", "floor", "fmod", "gcd", "hypot", "inf", "isclose", "isfinite",
    "isinf", "isnan", "isqrt", "log", "log10", "log2", "modf", "nan", "pi", "radians",
    "remainder", "sin", "sinh", "sqrt", "tan", "tanh", "tau", "trunc",
)  # fmt: skip
#: ``math`` functions offered with a size check first (their result grows with ``n``).
MATH_CHECKED: Final[tuple[str, ...]] = ("factorial", "comb", "perm")
#: The modules ``import`` may name.
IMPORTABLE: Final[frozenset[str]] = frozenset({"math"})


def build_builtins(guards: Guards) -> dict[str, Any]:
    """The ``__builtins__`` mapping of one sandbox's scripts."""
    table: dict[str, Any] = {name: getattr(_py, name) for name in PLAIN + EXCEPTIONS}
    for name in EAGER:
        table[name] = guards.eager(getattr(_py, name))
    table["range"] = _guarded_range(guards)
    table["pow"] = guards.pow
    table["bytes"] = _guarded_bytes(guards)
    table["getattr"] = _guarded_getattr(guards)
    table["hasattr"] = _guarded_hasattr(guards)
    table["None"] = None
    table["True"] = True
    table["False"] = False
    return table


def math_namespace(guards: Guards) -> SimpleNamespace:
    """A per-sandbox ``math``: the bounded functions, plus the size-checked :data:`MATH_CHECKED`."""
    ns = SimpleNamespace(**{name: getattr(_math, name) for name in MATH_NAMES})

    def factorial(n: int) -> int:
        _small(guards, n, "math.factorial")
        return _math.factorial(n)

    def comb(n: int, k: int) -> int:
        _small(guards, n, "math.comb")
        return _math.comb(n, k)

    def perm(n: int, k: int | None = None) -> int:
        _small(guards, n, "math.perm")
        return _math.perm(n, k)

    ns.factorial, ns.comb, ns.perm = factorial, comb, perm
    return ns


def _small(guards: Guards, n: Any, what: str) -> None:
    if type(n) is int and n > 5000:
        guards._int_bits(n * 12, what)


def _guarded_range(guards: Guards) -> Any:
    def range(*args: Any) -> Any:
        r = _py.range(*args)
        n = len(r)
        # A range costs nothing to build but can feed C consumers (list(), set()) that
        # materialise it: its length is capped by what the memory limit could hold.
        if n * 8 > guards.max_bytes:
            raise guards._over(n * 8, f"range of {n} items")
        return r

    return range


def loop_range(guarded: Any) -> Any:
    """``_lrange_``: the range a ``for`` loop or comprehension iterates, uncapped.

    Only the compiler calls it, with the name ``range`` as the script sees it: the real range
    when that is the sandbox's own (the loop pays fuel per item), whatever the script bound
    otherwise.
    """

    def lrange(fn: Any, *args: Any) -> Any:
        return _py.range(*args) if fn is guarded else fn(*args)

    return lrange


def _guarded_bytes(guards: Guards) -> Any:
    def bytes(source: Any = b"", *args: Any) -> Any:
        if type(source) is int:
            guards._check(source, "bytes(n)")
        return _py.bytes(source, *args)

    return bytes


def _forbidden(name: Any) -> ForbiddenSignal | None:
    if type(name) is not str:
        return ForbiddenSignal("attribute names must be str")
    why = forbidden_attribute(name)
    return None if why is None else ForbiddenSignal(f"getattr(): {why}", attribute=name)


def _guarded_getattr(guards: Guards) -> Any:
    def getattr(obj: Any, name: Any, *default: Any) -> Any:
        signal = _forbidden(name)
        if signal is not None:
            raise guards.meter.trip(signal)
        if name in GUARDED_METHODS:
            return guards.method(obj, name)
        return _py.getattr(obj, name, *default)

    return getattr


def _guarded_hasattr(guards: Guards) -> Any:
    def hasattr(obj: Any, name: Any) -> bool:
        signal = _forbidden(name)
        if signal is not None:
            raise guards.meter.trip(signal)
        return _py.hasattr(obj, name)

    return hasattr
