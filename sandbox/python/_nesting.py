"""Lazy iterators built in C that wrap one another: how deep they nest is bounded.

``map``, ``filter``, ``zip``, ``enumerate`` and the ``itertools`` iterators pull from what
they wrap inside their own C ``__next__``, where the interpreter's recursion check never
runs. ``m = map(abs, m)`` a hundred thousand times in a loop made one ``next(m)`` a hundred
thousand C frames deep: the in-process host died of a C stack overflow (the process tier's
worker died). Every such iterator a script can build records its depth (the deepest
iterator it wraps, plus one), and one past :data:`MAX_NESTING` is a ``RecursionError``
(``SANDBOX_RECURSION_LIMIT``), as deep Python recursion is. Iterators written in Python
(generators, a class's ``__next__``) run frames the interpreter counts, so they nest as
deep as the recursion limit lets them and count as depth 0 here.
"""

from __future__ import annotations

import itertools as _it
from collections.abc import Callable, Iterable
from typing import Any, Final

#: The deepest a script's C-level iterators may nest: far past real code (a pipeline of
#: ten), far below a C stack overflow (tens of thousands of levels).
MAX_NESTING: Final = 1000


class _Tracked:
    """Mixed into each tracked iterator type: the slot holding its depth."""

    __slots__ = ()
    _nest_: int


#: Values no lazy iterator hides behind: one wrapped only over these is one level deep, so
#: the builtin's own object serves (no Python-level construction, no slot).
SHALLOW_TYPES: Final = frozenset({list, tuple, str, bytes, range, dict, set, frozenset})
#: Builtin lazy iterators the sandbox builds itself over shallow values only (depth 1).
_RAW: Final = frozenset({map, filter, zip, enumerate})


def depth(value: object) -> int:
    """How deep ``value`` nests C-level iterators (0: a container, a Python iterator)."""
    if isinstance(value, _Tracked):
        return value._nest_  # type: ignore[attr-defined]
    return 1 if type(value) in _RAW else 0


def nesting(values: Iterable[Any]) -> int:
    """The depth of an iterator wrapping ``values``: one more than the deepest of them, or
    ``RecursionError`` past :data:`MAX_NESTING`."""
    return _checked(max(map(depth, values), default=0) + 1)


def _checked(level: int) -> int:
    if level > MAX_NESTING:
        raise RecursionError(
            f"lazy iterators wrapped in one another more than {MAX_NESTING} deep (each next() "
            "would run that many steps in C): collect into a list every so often"
        )
    return level


class _Builtin(type):
    """The tracked types' metaclass: ``isinstance(x, map)`` holds for the builtin's own
    objects too (those built over shallow values)."""

    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, cls.__mro__[1])


def tracked(
    base: type, check: Callable[[tuple[Any, ...]], object] | None = None, *, skip: int = 0
) -> type:
    """A subclass of the builtin iterator type ``base``, named like it, whose instances
    record their depth (the script's ``map`` is this class: ``isinstance(m, map)`` holds);
    ``check`` sees the positional arguments first (``zip``'s size check); the first
    ``skip`` arguments are not iterables (``map``'s function)."""

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        if check is not None:
            check(args)
        for arg in args[skip:]:
            if type(arg) not in SHALLOW_TYPES:
                break
        else:
            return base(*args, **kwargs)
        level = nesting((*args, *kwargs.values()))
        self = base.__new__(cls, *args, **kwargs)  # type: ignore[call-overload]
        self._nest_ = level
        return self

    namespace = {"__slots__": ("_nest_",), "__new__": __new__, "__module__": "builtins"}
    cls = _Builtin(base.__name__, (base, _Tracked), namespace)
    cls.__qualname__ = base.__qualname__
    return cls


#: ``compress`` over the fuel stream: what the sandbox's ``itertools`` hands out.
Metered: Final = tracked(_it.compress)


def metered(iterable: Any, stream: Any, over: Iterable[Any] | None = None) -> Any:
    """``iterable``, one unit of fuel per item, as a tracked iterator: ``over`` are the
    values ``iterable`` itself wraps (a fresh ``itertools`` object over a script's
    arguments), else ``iterable`` is what it wraps."""
    level = nesting([iterable]) if over is None else _checked(nesting(over) + 1)
    result = _it.compress.__new__(Metered, iterable, stream)
    result._nest_ = level
    return result
