"""Ints parsed from text or bytes, sized first: ``int(s, 2)``, ``int(s, 16)`` and
``int.from_bytes(b)`` build an int of any size in linear time (the interpreter's digit limit
covers only bases that are not powers of two), and big-int work on it is C nothing can
interrupt (``math.isqrt`` of an 8,000,000-bit int: 18 s of one call). The same bound as the
script's own arithmetic (``MAX_INT_BITS``) applies before the int exists."""

from __future__ import annotations

import builtins as _py
from itertools import compress
from typing import Any, Final

from ._guards import Guards

#: Bits one character of a literal in base 0 can carry (0x...: hexadecimal, the widest).
_PREFIXED_BITS: Final = 4


def text_bits(text: Any, base: Any) -> int | None:
    """At most how many bits ``int(text, base)`` builds, or None when it builds no int
    from text (not ``str``/``bytes``, or a base it will refuse anyway)."""
    if not isinstance(text, str | bytes) or type(base) is not int or not 0 <= base <= 36:
        return None
    per_char = _PREFIXED_BITS if base == 0 else max((base - 1).bit_length(), 1)
    return len(text) * per_char


def _sized_parse(guards: Guards, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse ``int(text, base)`` (positional or ``base=``) past the int cap before it parses
    (``int`` takes its text positionally only)."""
    if args and (len(args) == 2 or "base" in kwargs):
        bits = text_bits(args[0], args[1] if len(args) == 2 else kwargs["base"])
        if bits is not None:
            guards._int_bits(bits, "int(text, base)")


def int_maker(guards: Guards) -> Any:
    """The script's ``int(...)``: ``int(text, base)`` is sized before it parses."""

    def make(*args: Any, **kwargs: Any) -> int:
        _sized_parse(guards, args, kwargs)
        return _py.int(*args, **kwargs)

    return make


def int_base(guards: Guards) -> type:
    """The base a script's ``int`` subclass gets: ``Sub(text, base)`` is sized too (a
    subclass's own ``__new__`` reaches it through ``super()``)."""

    class int(_py.int):
        __slots__ = ()

        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            _sized_parse(guards, args, kwargs)
            return _py.int.__new__(cls, *args, **kwargs)

    int.__module__ = "builtins"
    return int


class FromBytes:
    """``int.from_bytes`` (and a subclass's, or an int's): the bytes are sized first (an
    iterable of ints is read into bytes, a unit of fuel per item)."""

    __slots__ = ("_bound", "_guards")

    def __init__(self, guards: Guards, bound: Any) -> None:
        self._guards = guards
        self._bound = bound

    def __call__(self, data: Any, *args: Any, **kwargs: Any) -> Any:
        if type(data) in (list, tuple):
            self._guards._int_bits(len(data) * 8, "int.from_bytes")
        if type(data) is not _py.bytes:
            data = _py.bytes(compress(data, self._guards.meter.stream))
        self._guards._int_bits(len(data) * 8, "int.from_bytes")
        return self._bound(data, *args, **kwargs)
