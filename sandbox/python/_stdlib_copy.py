"""The sandbox's ``copy`` (plain data and the script's own objects only) and ``string``
(see ``_stdlib`` for the rules every namespace follows)."""

from __future__ import annotations

import copy as _copy
import string as _string
from types import FunctionType, SimpleNamespace
from typing import Any, Final

from ._classes import slot_values
from ._stdlib_kit import Kit

# -- string, copy -----------------------------------------------------------------------------
STRING_NAMES: Final = (
    "ascii_letters", "ascii_lowercase", "ascii_uppercase", "capwords", "digits", "hexdigits",
    "octdigits", "printable", "punctuation", "whitespace",
)  # fmt: skip


def string_ns(kit: Kit) -> SimpleNamespace:
    return SimpleNamespace(**{n: getattr(_string, n) for n in STRING_NAMES})


def copy_ns(kit: Kit) -> SimpleNamespace:
    def check(value: Any, *, deep: bool) -> None:
        # ``seen`` keeps every object it names alive: an id is only unique while its object
        # lives, and a freed temporary's id given to a later object would skip that object.
        stack: list[Any] = [value]
        seen: dict[int, Any] = {}
        while stack:
            obj = stack.pop()
            if id(obj) in seen:
                continue
            seen[id(obj)] = obj
            next(kit.guards.meter.stream)
            t = type(obj)
            if t in _ATOMS or isinstance(obj, FunctionType):
                continue
            if t in _CONTAINERS:
                if deep:
                    if t is dict:
                        stack.extend(obj.keys())
                        stack.extend(obj.values())
                    else:
                        stack.extend(obj)
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
