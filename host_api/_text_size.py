"""An upper bound on the length of the text ``repr()`` makes of a value, found without making it.

A value's text can be far larger than the value: a list that holds the same list a thousand
times is a few kilobytes, its ``repr`` a thousand copies of the inner one's, and thirty
levels of ``[x, x]`` make text of 2**30 copies from thirty small lists. ``repr()`` builds that
text in one C-level operation that nothing can interrupt, so the size is bounded first:

- each distinct object is measured once (its bound is remembered by identity), so the walk
  costs what the value holds, never what its text would;
- a container's bound counts each item as often as it appears, so sharing multiplies it as
  it multiplies the text;
- a container of plain numbers or strings is measured in C (``map``/``sum`` over it);
- an object that is not plain data is measured by the ``other`` hook (the sandbox knows the
  script's classes), or counted as :data:`OPAQUE` characters.

The walk stops at the first node whose bound passes ``cap`` (:class:`TextTooLong`), and
``spend`` is told how much walking each container costs (the sandbox burns fuel with it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

#: Characters counted for an object the walk cannot see into (a function, a class).
OPAQUE: Final = 256
#: Longest text of one value of these types (a float's shortest repr is at most 24 chars:
#: ``-1.2345678901234567e-308``; a complex number is two of them and ``(+j)``).
_FIXED: Final[dict[type, int]] = {float: 24, complex: 54, bool: 5, type(None): 4}
#: Item types whose texts the C-level paths below measure.
_FLOATS: Final = frozenset({float, bool, type(None)})
_INTS: Final = frozenset({int, bool})
#: Text added around the items of each builtin container: ``frozenset({...})`` is the widest.
_FRAME: Final = 13
#: Separator after each item (``", "``) and, in a dict, the ``": "`` between key and value.
_SEP: Final = 2

#: How the walk measures an object that is not plain data: ``other(obj, walk)`` returns its
#: bound, calling ``walk(value)`` for what it holds.
OtherBound = Callable[[Any, Callable[[Any], int]], int]


class TextTooLong(Exception):
    """The value's text could pass ``cap`` characters (``bound`` is a lower estimate of it)."""

    def __init__(self, bound: int) -> None:
        super().__init__(bound)
        self.bound = bound


def _digits(bits: int) -> int:
    # Digits and sign of an int of ``bits`` bits: log10(2) < 0.30103.
    return bits * 30103 // 100000 + 2


def _str_text(value: str) -> int:
    """At most the length of ``repr(value)``: printable text escapes only quotes and
    backslashes; anything else takes up to ten characters (``'\\U000e0001'``)."""
    return 2 * len(value) + 2 if value.isprintable() else 10 * len(value) + 2


def text_bound(
    value: Any,
    cap: int,
    *,
    other: OtherBound | None = None,
    spend: Callable[[int], None] | None = None,
) -> int:
    """An upper bound on ``len(repr(value))`` (and on ``len(str(value))`` for plain data).

    :raises TextTooLong: the bound passed ``cap``; the walk stopped there.
    """
    return _Walk(cap, other, spend).bound(value)


class _Walk:
    def __init__(
        self, cap: int, other: OtherBound | None, spend: Callable[[int], None] | None
    ) -> None:
        self.cap = cap
        self.other = other
        self.spend = spend
        self.known: dict[int, int] = {}
        #: Containers being measured: met again inside themselves, they print as ``[...]``.
        self.open: set[int] = set()
        #: Keeps every measured object alive, so no id is reused during the walk.
        self.kept: list[Any] = []

    def bound(self, value: Any) -> int:
        t = type(value)
        fixed = _FIXED.get(t)
        if fixed is not None:
            return fixed
        if t is int:
            return _digits(value.bit_length())
        if t is str:
            return _str_text(value)
        if t is bytes:
            return 4 * len(value) + 3
        key = id(value)
        known = self.known.get(key)
        if known is not None:
            return known
        if key in self.open:
            return 5
        self.open.add(key)
        try:
            if t is list or t is tuple or t is set or t is frozenset:
                n = _FRAME + self.items(value)
            elif t is dict:
                n = _FRAME + self.items(value.keys()) + self.items(value.values())
            elif self.other is not None:
                n = self.other(value, self.bound)
            else:
                n = OPAQUE
        finally:
            self.open.discard(key)
        if n > self.cap:
            raise TextTooLong(n)
        self.known[key] = n
        self.kept.append(value)
        return n

    def items(self, items: Any) -> int:
        """The items' texts and their separators (each item counted as often as it appears)."""
        count = len(items)
        if self.spend is not None:
            self.spend(1 + count // 16)
        if not count:
            return 0
        kinds = set(map(type, items))
        if kinds <= _FLOATS:
            return count * (24 + _SEP)
        if kinds <= _INTS:
            return count * (_digits(max(map(int.bit_length, items))) + _SEP)
        if kinds == {str}:
            printable = all(map(str.isprintable, items))
            return (2 if printable else 10) * sum(map(len, items)) + (2 + _SEP) * count
        return self.walk(items)

    def walk(self, items: Iterable[Any]) -> int:
        total = 0
        cap = self.cap
        bound = self.bound
        for item in items:
            total += bound(item) + _SEP
            if total > cap:
                raise TextTooLong(total)
        return total
