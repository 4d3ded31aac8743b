"""The string, bytes, list and deque methods that take a size (``ljust``, ``join``,
``replace``, ``extend``, ``hex`` ..., and ``int.from_bytes``): the compiler routes
``obj.name`` for these names through :func:`method_guard` (``_gm_``), which checks the
arguments' sizes before the call."""

from __future__ import annotations

import codecs
from collections import deque
from collections.abc import Callable
from itertools import compress
from typing import Any, Final

from ._guards import _TEXT, ITEM_BYTES, Guards, _exact_int, _length, _size
from ._int_parse import FromBytes

#: Method names whose attribute load goes through :meth:`Guards.method` (they take a size).
GUARDED_METHODS: Final[frozenset[str]] = frozenset(
    {
        "join",
        "ljust",
        "rjust",
        "center",
        "zfill",
        "expandtabs",
        "replace",
        "translate",
        "to_bytes",
        "extend",
        "extendleft",
        "sort",
        "hex",
        "from_bytes",
        "encode",
        "decode",
    }
)


def method_guard(guards: Guards) -> Callable[[Any, str], Any]:
    """``_gm_``: the attribute ``obj.name`` for a name in :data:`GUARDED_METHODS`, checked."""

    def method(obj: Any, name: str) -> Any:
        bound = getattr(obj, name)
        if name == "from_bytes" and isinstance(obj, int | type):
            return FromBytes(guards, bound)  # int.from_bytes, Sub.from_bytes, (5).from_bytes
        if isinstance(obj, type):
            return _Unbound(guards, name, bound)
        check = _METHOD_CHECKS.get(name)
        if check is None or not isinstance(obj, _SIZED_TYPES):
            return bound
        return _Checked(guards, check, obj, bound)

    return method


class _Checked:
    """A bound method that checks its arguments' sizes first."""

    __slots__ = ("_bound", "_check", "_guards", "_obj")

    def __init__(self, guards: Guards, check: Any, obj: Any, bound: Any) -> None:
        self._guards = guards
        self._check = check
        self._obj = obj
        self._bound = bound

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        replaced = self._check(self._guards, self._obj, *args, **kwargs)
        return self._bound(*(args if replaced is None else replaced), **kwargs)


class _Unbound:
    """An unbound method (``str.join``): the first argument is the object."""

    __slots__ = ("_bound", "_guards", "_name")

    def __init__(self, guards: Guards, name: str, bound: Any) -> None:
        self._guards = guards
        self._name = name
        self._bound = bound

    def __call__(self, obj: Any = None, *args: Any, **kwargs: Any) -> Any:
        check = _METHOD_CHECKS.get(self._name)
        if check is not None and isinstance(obj, _SIZED_TYPES):
            replaced = check(self._guards, obj, *args, **kwargs)
            args = args if replaced is None else replaced
        return self._bound(obj, *args, **kwargs)


def _check_join(g: Guards, sep: Any, parts: Any = (), *_: Any, **__: Any) -> tuple[Any, ...]:
    # Materialise once (counting fuel per item), check, then join the materialised list.
    items = parts if type(parts) in (list, tuple) else list(compress(parts, g.meter.stream))
    total = sum(_size(p) for p in items) + _size(sep) * max(len(items) - 1, 0)
    g._check(total, "join")
    return (items,)


def _text_type(obj: Any) -> type:
    """The builtin text type of ``obj`` (its own methods, never a subclass's overrides)."""
    return next((t for t in _TEXT if isinstance(obj, t)), type(obj))


def _check_width(g: Guards, obj: Any, width: Any = 0, *_: Any, **__: Any) -> None:
    n = _exact_int(width)
    if n is not None:
        g._check(max(n, 0) * (1 if type(obj) in (str, bytes) else ITEM_BYTES), "padding")


def _check_expandtabs(g: Guards, obj: Any, tabsize: Any = 8, *_: Any, **__: Any) -> None:
    n = _exact_int(tabsize)
    if n is not None:
        tabs = _text_type(obj).count(obj, "\t" if isinstance(obj, str) else b"\t")
        g._check(_length(obj) + tabs * max(n, 0), "expandtabs")


def _check_replace(g: Guards, obj: Any, old: Any = "", new: Any = "", *rest: Any, **_: Any) -> None:
    try:
        hits = _text_type(obj).count(obj, old) if _length(old) else _length(obj) + 1
    except TypeError:
        return
    g._check(_length(obj) + hits * max(_size(new) - _size(old), 0), "replace")


def _check_translate(g: Guards, obj: Any, table: Any = None, *_: Any, **__: Any) -> None:
    if table is not None and type(table) not in (dict, bytes):
        # A script's mapping could answer each character with a huge string.
        raise TypeError("translate() takes a dict (or bytes) table in scripts")
    if type(table) is dict:
        widest = max((_size(v) for v in table.values()), default=1)
        g._check(_length(obj) * max(widest, 1), "translate")


def _check_to_bytes(g: Guards, obj: Any, length: Any = 1, *_: Any, **kwargs: Any) -> None:
    size = _exact_int(kwargs.get("length", length))
    if size is not None:
        g._check(size, "to_bytes")


def _check_extend(g: Guards, obj: Any, other: Any = (), *_: Any, **__: Any) -> None:
    g._check(_size(obj) + _size(other), "extend")


def _check_hex(g: Guards, obj: Any, *_: Any, **__: Any) -> None:
    # Two characters a byte, three with a separator: x = x.hex().encode() doubles each time.
    g._check(3 * _length(obj), "hex")


def _check_sort(g: Guards, obj: Any, *_: Any, **__: Any) -> None:
    g.meter.burn(_length(obj))


def check_encode(g: Guards, obj: Any, encoding: Any = "utf-8", *rest: Any, **kwargs: Any) -> None:
    # A character can take up to ten bytes (unicode_escape, or an error handler such as
    # xmlcharrefreplace: &#1114111;), so encoding grows text in one C step:
    # x.encode("utf-32").decode("latin-1") quadrupled it each time.
    if isinstance(obj, str):
        codec = _codec(kwargs.get("encoding", encoding))
        n = _length(obj)
        if not _simple_errors(rest, kwargs):
            g._check(n * 10 + 4, "encode")
        elif codec in _ONE_BYTE or (codec == "utf-8" and str.isascii(obj)):
            g._check(n, "encode")
        else:
            g._check(n * (4 if codec in _FOUR_BYTES else 10) + 4, "encode")


def check_decode(g: Guards, obj: Any, encoding: Any = "utf-8", *rest: Any, **kwargs: Any) -> None:
    # At most a character a byte, each up to four bytes wide in memory; an error handler
    # such as backslashreplace makes four characters of a byte (\xff).
    if isinstance(obj, bytes):
        codec = _codec(kwargs.get("encoding", encoding))
        n = _length(obj)
        if not _simple_errors(rest, kwargs):
            g._check(16 * n, "decode")
        else:
            g._check(n if codec in _ONE_BYTE or bytes.isascii(obj) else 4 * n, "decode")


def _simple_errors(rest: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether the error handler makes at most one character (or byte) per one it meets."""
    errors = kwargs.get("errors", rest[0] if rest else "strict")
    return errors in _SIMPLE_ERRORS and type(errors) is str


def _codec(name: Any) -> str:
    try:
        return codecs.lookup(name).name if type(name) is str else ""
    except LookupError:
        return ""  # the call itself raises


#: Codecs that make (or read) one byte a character, and those that make at most four.
_ONE_BYTE: Final = frozenset({"ascii", "iso8859-1"})
_SIMPLE_ERRORS: Final = frozenset({"strict", "ignore", "replace"})
_FOUR_BYTES: Final = frozenset({"utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32",
                                "utf-32-le", "utf-32-be"})  # fmt: skip


_METHOD_CHECKS: Final[dict[str, Any]] = {
    "join": _check_join,
    "ljust": _check_width,
    "rjust": _check_width,
    "center": _check_width,
    "zfill": _check_width,
    "expandtabs": _check_expandtabs,
    "replace": _check_replace,
    "translate": _check_translate,
    "to_bytes": _check_to_bytes,
    "extend": _check_extend,
    "extendleft": _check_extend,
    "sort": _check_sort,
    "hex": _check_hex,
    "encode": check_encode,
    "decode": check_decode,
}
#: The types whose size-taking methods are checked (a script's subclasses included).
_SIZED_TYPES: Final = (str, bytes, bytearray, list, int, deque)
