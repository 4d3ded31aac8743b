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

import cmath as _cmath
from collections.abc import Callable
from types import FunctionType, SimpleNamespace
from typing import Final

from ._stdlib_copy import STRING_NAMES, copy_ns, string_ns
from ._stdlib_functional import (
    BISECT_NAMES,
    FUNCTOOLS_NAMES,
    HEAPQ_NAMES,
    ITERTOOLS_NAMES,
    OPERATOR_NAMES,
    bisect_ns,
    functools_ns,
    heapq_ns,
    itertools_ns,
    operator_ns,
)
from ._stdlib_kit import Kit as Kit
from ._stdlib_numbers import (
    MATH_CHECKED,
    MATH_PLAIN,
    RANDOM_NAMES,
    STATISTICS_NAMES,
    cmath_ns,
    math_ns,
    random_ns,
    statistics_ns,
)
from ._stdlib_sys import SYS_LEFT_OUT, SYS_NAMES, sys_ns
from ._stdlib_types import TYPE_MODULES, TYPE_NAMES

# -- the registry -----------------------------------------------------------------------------
_BUILDERS: Final[dict[str, Callable[[Kit], SimpleNamespace]]] = {
    "math": math_ns,
    "cmath": cmath_ns,
    "random": random_ns,
    "itertools": itertools_ns,
    "functools": functools_ns,
    "operator": operator_ns,
    "heapq": heapq_ns,
    "bisect": bisect_ns,
    "statistics": statistics_ns,
    "string": string_ns,
    "copy": copy_ns,
    "sys": sys_ns,
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
    "sys": frozenset(SYS_NAMES),
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
    **SYS_LEFT_OUT,
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

    def namespaces(self) -> list[SimpleNamespace]:
        """The modules imported so far (each holds what a script stored in it)."""
        return list(self._built.values())

    def __call__(self, name: str) -> SimpleNamespace:
        """The namespace ``import name`` binds (the compiler lets only :data:`MODULES`
        through)."""
        ns = self._built.get(name)
        if ns is None:
            ns = self._built[name] = _own_functions(_BUILDERS[name](self._kit), self._kit)
            if name == "collections":
                ns.abc = self("collections.abc")
        return ns


def _own_functions(ns: SimpleNamespace, kit: Kit) -> SimpleNamespace:
    """``ns`` with each Python function replaced by a copy of its own: a script may set a
    public attribute on a module's function (``string.capwords.x = 1``), and on the host's
    shared function object that would reach every other mod and the host itself."""
    for name, value in vars(ns).items():
        if type(value) is FunctionType:
            copy = FunctionType(
                value.__code__, value.__globals__, value.__name__, value.__defaults__,
                value.__closure__,
            )  # fmt: skip
            copy.__kwdefaults__ = value.__kwdefaults__
            copy.__qualname__, copy.__doc__ = value.__qualname__, value.__doc__
            copy.__module__ = value.__module__
            copy.__dict__.update(value.__dict__)
            if kit.guest.allowed_base(value):
                kit.guest.allow_base(copy)  # typing.NamedTuple is a function with __mro_entries__
            setattr(ns, name, copy)
    return ns
