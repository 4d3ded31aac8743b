"""Checks on values a mod passes in: exact types, bounded size and depth, copied on the way."""

from __future__ import annotations

import json
import math
import re
import sys
from array import array
from typing import Any, Final

from ._diagnostics import DiagnosticCode
from ._errors import ModFault
from ._text import is_text, printable
from ._text_size import TextTooLong, text_bound
from ._world_port import EntityView, JSONValue, Vec3

#: Caps on a JSON-like value a mod hands the host (event and timer payloads, stored values),
#: whether it comes as Python objects (scripts) or as JSON text (components). Checked before
#: any work proportional to the value is done; exceeding one is ``MOD_PAYLOAD_LIMIT``.
#: Nesting levels (a scalar at the top is depth 0).
MAX_DEPTH: Final = 16
#: Values (containers, scalars) in one payload.
MAX_ITEMS: Final = 10_000
#: Characters of one string in a payload.
MAX_STRING: Final = 64 * 1024
#: Bytes of one payload: the JSON text from a component, or the text and key characters of a
#: script's value (the per-tick budgets of events and storage are as large, see ``_rate``).
MAX_PAYLOAD_BYTES: Final = 256 * 1024
MAX_NAME: Final = 128
#: Largest magnitude of an int in a payload (events, storage): a signed 64-bit int's.
MAX_PAYLOAD_INT: Final = 2**63 - 1


class BadArgument(ModFault):
    """A mod passed a value of the wrong type or size to a host operation."""

    code = DiagnosticCode.SANDBOX_ERROR


class PayloadTooLarge(BadArgument):
    """A payload or argument over one of the documented caps (bytes, depth, items, count)."""

    code = DiagnosticCode.MOD_PAYLOAD_LIMIT


def _too_large(what: str, why: str, mod_id: str, hint: str) -> PayloadTooLarge:
    return PayloadTooLarge(f"{what} {why}", mod_id=mod_id, hint=hint, details={"what": what})


#: A JSON string literal (possessive: linear time on any text).
_JSON_STRING: Final = re.compile(r'"(?:[^"\\]++|\\.)*+"')
#: Anything but brackets, once strings are gone.
_NOT_BRACKETS: Final = re.compile(r"[^\[\]{}]++")
#: An innermost pair (or a mismatched one, which the parser refuses anyway).
_INNERMOST: Final = re.compile(r"[\[{][\]}]")


def _json_depth_over(text: str, limit: int) -> bool:
    """Whether JSON ``text`` nests deeper than ``limit``, in ``limit + 1`` linear passes (no
    recursion, whatever the text)."""
    brackets = _NOT_BRACKETS.sub("", _JSON_STRING.sub("", text))
    for _ in range(limit):
        if not brackets:
            return False
        brackets = _INNERMOST.sub("", brackets)
    # Unbalanced leftovers with no pair left are the parser's to refuse (not JSON).
    return _INNERMOST.search(brackets) is not None


def parse_json_text(text: str, *, mod_id: str, what: str) -> JSONValue:
    """A value from JSON ``text`` a component passed, bounded before it is parsed.

    Cost: O(len(text)), and ``text`` is at most :data:`MAX_PAYLOAD_BYTES` by then.

    :raises PayloadTooLarge: longer than :data:`MAX_PAYLOAD_BYTES` (UTF-8) or nested deeper
        than :data:`MAX_DEPTH` (``MOD_PAYLOAD_LIMIT``).
    :raises BadArgument: not JSON text (``SANDBOX_ERROR``).
    """
    if len(text) > MAX_PAYLOAD_BYTES or (
        len(text) * 4 > MAX_PAYLOAD_BYTES and len(text.encode("utf-8")) > MAX_PAYLOAD_BYTES
    ):
        raise _too_large(
            what, f"is longer than {MAX_PAYLOAD_BYTES} bytes", mod_id, "send smaller payloads"
        )
    if _json_depth_over(text, MAX_DEPTH):
        raise _too_large(what, f"is nested deeper than {MAX_DEPTH}", mod_id, "flatten the payload")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise BadArgument(
            f"{what} is not valid JSON text", mod_id=mod_id, hint=f"pass {what} as JSON text"
        ) from None
    _check_parsed(value, mod_id, what)
    return value  # type: ignore[no-any-return]


def _check_parsed(value: Any, mod_id: str, what: str) -> None:
    """Refuse what JSON text can spell but a script's payload may not hold: a lone surrogate
    (a ``"\\ud800"`` escape) and an int past 64 bits. Recursion is bounded: the text's
    nesting was checked before it was parsed."""
    t = type(value)
    if t is list:
        for item in value:
            _check_parsed(item, mod_id, what)
    elif t is dict:
        for key, item in value.items():
            _check_scalar(key, what, mod_id, key=True)
            _check_parsed(item, mod_id, what)
    else:
        _check_scalar(value, what, mod_id)


def _check_scalar(value: Any, what: str, mod_id: str, *, key: bool = False) -> None:
    """What a payload's ints and strings must be, whoever sent it: ints within 64 bits (JSON
    readers, and Python's own int-to-text limit, stop far below what an int can hold: a
    100,000-bit int would fail only later, in host code), strings valid Unicode."""
    t = type(value)
    if t is int and not -MAX_PAYLOAD_INT <= value <= MAX_PAYLOAD_INT:
        raise _int_range(what, mod_id)
    if t is str and not is_text(value):
        raise _not_text(f"a {'key' if key else 'string'} in the {what}", mod_id)


def copy_json(value: Any, *, mod_id: str, what: str) -> JSONValue:
    """Deep-copy a JSON-like value, rejecting anything else (and subclasses of the types).

    :raises BadArgument: wrong type, too deep, too many items or too long a string.
    """
    budget = [MAX_ITEMS, MAX_PAYLOAD_BYTES]

    def walk(v: Any, depth: int) -> JSONValue:
        budget[0] -= 1
        if budget[0] < 0:
            raise _too_large(what, f"has more than {MAX_ITEMS} items", mod_id, "send less")
        if depth > MAX_DEPTH:
            raise _too_large(
                what, f"is nested deeper than {MAX_DEPTH}", mod_id, "flatten the payload"
            )
        t = type(v)
        if t is int:
            _check_scalar(v, what, mod_id)
        if v is None or t is bool or t is int or t is float:
            return v  # type: ignore[no-any-return]
        if t is str:
            budget[1] -= len(v)
            if len(v) > MAX_STRING:
                raise _too_large(
                    what, f"has a string longer than {MAX_STRING}", mod_id, "send shorter strings"
                )
            if budget[1] < 0:
                raise _too_large(
                    what, f"is longer than {MAX_PAYLOAD_BYTES} bytes", mod_id, "send less"
                )
            _check_scalar(v, what, mod_id)
            return v  # type: ignore[no-any-return]
        if t is list or t is tuple:
            return [walk(x, depth + 1) for x in v]
        if t is dict:
            out: dict[str, Any] = {}
            for k, x in v.items():
                if type(k) is not str:
                    raise BadArgument(
                        f"{what} has a non-string key",
                        mod_id=mod_id,
                        hint="use string keys in payloads",
                    )
                budget[1] -= len(k)
                _check_scalar(k, what, mod_id, key=True)
                out[k] = walk(x, depth + 1)
            return out
        raise BadArgument(
            f"{what} contains a {t.__name__}, which is not JSON-like",
            mod_id=mod_id,
            hint="payloads hold None, bool, int, float, str, list and dict only",
        )

    return walk(value, 0)


#: Types a host call takes as they are; containers of them are walked (exact types only).
PLAIN_SCALARS: Final = frozenset({str, int, float, bool, bytes, type(None)})
_PLAIN_CONTAINERS: Final = frozenset({list, tuple, dict, set, frozenset})


def foreign_type(value: Any) -> str | None:
    """The type name of the first value in ``value`` that is not plain data (None: all plain).

    Plain data is exact ``None``/``bool``/``int``/``float``/``str``/``bytes`` and lists,
    tuples, dicts and sets of it (plus the host's own entity views). A script's own classes,
    even subclasses of ``int`` or ``list``, are not: the host would run their methods (a
    ``__float__``, an ``__iter__``, a ``__repr__``) while it checks or copies them. At most
    :data:`MAX_ITEMS` values are looked at; what lies beyond is left to the call's own checks.
    """
    stack = [value]
    budget = MAX_ITEMS
    while stack and budget > 0:
        budget -= 1
        v = stack.pop()
        t = type(v)
        if t in PLAIN_SCALARS:
            continue
        if t is dict:
            stack.extend(v.keys())
            stack.extend(v.values())
        elif t in _PLAIN_CONTAINERS:
            stack.extend(v)
        elif t is not EntityView:
            return t.__name__
    return None


def check_plain(args: tuple[Any, ...], *, mod_id: str, what: str) -> None:
    """Refuse a host call whose arguments are not plain data (see :func:`foreign_type`).

    :raises BadArgument: an argument holds a script object.
    """
    for arg in args:
        if type(arg) in PLAIN_SCALARS:
            continue
        foreign = foreign_type(arg)
        if foreign is not None:
            raise BadArgument(
                f"{what} got a {foreign} object: host calls take plain data only",
                mod_id=mod_id,
                hint="pass numbers, strings, lists, tuples and dicts (e.g. (v.x, v.y, v.z) "
                "or dataclasses.asdict(obj) instead of the object)",
                details={"type": foreign},
            )


def _int_range(what: str, mod_id: str) -> BadArgument:
    return BadArgument(
        f"{what} has an int outside the 64-bit range",
        mod_id=mod_id,
        hint="send big numbers as strings (str(n)) or floats",
    )


def _not_text(what: str, mod_id: str) -> BadArgument:
    return BadArgument(
        f"{what} is not valid Unicode text (it holds a lone surrogate such as '\\ud800')",
        mod_id=mod_id,
        hint="build strings from text, not from surrogate escapes or chr(0xD800)",
    )


def check_name(value: Any, *, mod_id: str, what: str) -> str:
    """A short, exact ``str`` (event names, entity kinds, tags)."""
    if type(value) is not str or not value or len(value) > MAX_NAME:
        raise BadArgument(
            f"{what} must be a non-empty string of at most {MAX_NAME} chars",
            mod_id=mod_id,
            hint=f"pass a short string as {what}",
        )
    if not is_text(value):
        raise _not_text(what, mod_id)
    return value


#: Characters of text a logged value may make before it is cut to the log's line length.
MAX_LOG_TEXT: Final = 4 * 1024 * 1024


def log_text(message: Any, *, mod_id: str, limit: int) -> str:
    """The line ``ctx.log(message)`` writes: a str as it is, anything else its ``repr``; at
    most ``limit`` characters.

    :raises BadArgument: the value has no text form (an int past Python's digit limit, a
        structure nested past the recursion limit).
    """
    try:
        if type(message) is str:
            text = message[:limit]
        else:
            # The text is cut to ``limit`` but repr() builds all of it first: a value that
            # shares parts (a list holding one list a thousand times) is small and its text
            # is not, so its size is bounded before it is made.
            text_bound(message, MAX_LOG_TEXT)
            text = repr(message)[:limit]
    except TextTooLong as long:
        raise BadArgument(
            f"the log message's text would be more than {MAX_LOG_TEXT} characters (about "
            f"{long.bound}), of which the log keeps {limit}",
            mod_id=mod_id,
            hint="log a summary: len(data), or a slice of it",
        ) from None
    except (ValueError, RecursionError):
        raise BadArgument(
            "the log message cannot be shown as text (an int with more than 4,300 digits, "
            "or data nested too deeply)",
            mod_id=mod_id,
            hint="log a summary: a shorter number, len(data), or part of it",
        ) from None
    # A lone surrogate is shown escaped: a log is for people, and files and reports need
    # valid UTF-8.
    return printable(text)


def check_vec3(value: Any, *, mod_id: str, what: str) -> Vec3:
    """Three finite numbers, as floats."""
    try:
        x, y, z = value
        out = (float(x), float(y), float(z))
    except OverflowError:
        # An int too large for a float (10 ** 400).
        raise BadArgument(
            f"{what} must be finite",
            mod_id=mod_id,
            hint="keep coordinates within a float's range (about 1.8e308)",
        ) from None
    except (TypeError, ValueError):
        raise BadArgument(
            f"{what} must be three numbers (x, y, z)",
            mod_id=mod_id,
            hint=f"pass {what} as a tuple like (1.0, 0.0, 2.5)",
        ) from None
    if not (math.isfinite(out[0]) and math.isfinite(out[1]) and math.isfinite(out[2])):
        raise BadArgument(f"{what} must be finite", mod_id=mod_id, hint="avoid inf and nan")
    return out


def check_entity_id(value: Any, *, mod_id: str) -> int:
    """An exact, non-negative ``int``."""
    if type(value) is not int or value < 0:
        raise BadArgument(
            "entity id must be a non-negative int",
            mod_id=mod_id,
            hint="pass the id from an entity you queried or spawned",
        )
    return value


#: Characters a storage key may have.
MAX_STORAGE_KEY: Final = 256


def check_storage_key(value: Any, *, mod_id: str) -> str:
    """A non-empty exact ``str`` of at most :data:`MAX_STORAGE_KEY` characters."""
    if type(value) is not str or not value or len(value) > MAX_STORAGE_KEY:
        raise BadArgument(
            f"storage key must be a non-empty string of at most {MAX_STORAGE_KEY} chars",
            mod_id=mod_id,
            hint="use short string keys such as 'high-score'",
        )
    if not is_text(value):
        raise _not_text("storage key", mod_id)
    return value


#: Per byte: 1 if its low seven bits are set (a float32's high byte when the exponent may be 255).
_EXPONENT_HIGH: Final = bytes(1 if (b & 0x7F) == 0x7F else 0 for b in range(256))
#: Per byte: 1 if its top bit is set (the exponent's lowest bit, in a float32's second byte).
_EXPONENT_LOW: Final = bytes(1 if b & 0x80 else 0 for b in range(256))
#: Offsets of those two bytes inside a float32 in native byte order.
_HIGH, _SECOND = (3, 2) if sys.byteorder == "little" else (0, 1)


def all_finite_f32(values: array[float]) -> bool:
    """True when no element of a float32 array is inf or nan (exponent bits all ones).

    Cost: a few C-speed passes over the bytes and one big-integer AND; no Python loop.
    """
    data = values.tobytes()
    high = data[_HIGH::4].translate(_EXPONENT_HIGH)
    second = data[_SECOND::4].translate(_EXPONENT_LOW)
    return not int.from_bytes(high, "little") & int.from_bytes(second, "little")
