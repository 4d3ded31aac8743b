"""How much memory a mod keeps: a bounded walk over its module data and ``ctx.state``.

The walk stops as soon as it passes the limit, so its cost is bounded by the limit, not by
the data. Containers, strings, numbers and the defaults and closures of the script's own
functions are counted; builtins and host objects are not (they are not the mod's).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from types import FunctionType
from typing import Any, Final

#: Types whose instances the walk counts and descends into.
_CONTAINERS: Final = (dict, list, tuple, set, frozenset)
_LEAVES: Final = (str, bytes, int, float, bool, complex, type(None))


def retained_bytes(
    roots: Iterable[Any],
    limit: int,
    contents: Callable[[Any], Iterable[Any] | None] | None = None,
) -> int:
    """Approximate bytes reachable from ``roots`` through script data; stops past ``limit``.

    :param roots: values to start from (module globals, state dicts).
    :param limit: the walk returns as soon as the total passes this many bytes.
    :param contents: for any other object, what it holds when it is the script's own (its
        classes' instances, standard-library containers), or None to skip it.
    """
    seen: set[int] = set()
    stack = list(roots)
    total = 0
    getsize = sys.getsizeof
    while stack and total <= limit:
        obj = stack.pop()
        key = id(obj)
        if key in seen:
            continue
        seen.add(key)
        t = type(obj)
        if t in _LEAVES:
            total += getsize(obj)
        elif t is dict:
            total += getsize(obj)
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif t in _CONTAINERS:
            total += getsize(obj)
            stack.extend(obj)
        elif t is FunctionType:
            total += getsize(obj)
            stack.extend(obj.__defaults__ or ())
            stack.extend((obj.__kwdefaults__ or {}).values())
            stack.extend(c.cell_contents for c in obj.__closure__ or () if _filled(c))
        elif contents is not None:
            held = contents(obj)
            if held is not None:
                total += getsize(obj)
                stack.extend(held)
    return total


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True
