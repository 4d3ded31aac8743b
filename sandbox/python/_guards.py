"""Allocation guards: each checks the size of a result *before* the allocation happens.

The compiler routes the operators that can grow a value faster than fuel can count
(``+``, ``*``, ``**``, ``<<``, ``%`` and their in-place forms, slice assignment, f-string
format specs, and the few methods that take a size: ``ljust``, ``join``, ``to_bytes`` ...)
through a :class:`Guards` instance. Numbers take an inline fast path in the compiled code and
never reach these functions; only ints, sequences and strings do.

Every result is bounded by the mod's ``memory_mb`` (bytes for ``str``/``bytes``, 8 bytes per
item for containers) and ints by :data:`MAX_INT_BITS` (big-int arithmetic is C work the
meter cannot interrupt, so their size is capped well below memory).
"""

from __future__ import annotations

import functools
import math
import operator
import re
from collections import deque
from collections.abc import Callable
from itertools import compress
from typing import TYPE_CHECKING, Any, Final

from ._fuel import Meter
from ._signals import ForbiddenSignal, MemorySignal

if TYPE_CHECKING:
    from ._text import TextGuard

#: The largest int a script may build (about 30,000 decimal digits).
MAX_INT_BITS: Final = 100_000
#: A product with a factor of at most this many bits, or a shift by fewer, is not held to
#: MAX_INT_BITS: it is a linear pass, growing the value by at most this many bits, as an
#: addition is (which is never bounded); fuel, time and memory bound where it leads.
SMALL_FACTOR_BITS: Final = 64
#: The widest field a format spec or ``%`` directive may pad to.
MAX_WIDTH: Final = 100_000
#: Allocations at least this big (256 KiB) also count against a per-call total (memory_mb): many big
#: values that are each under the limit cannot add up past it within one call.
BIG_ALLOCATION: Final = 256 * 1024
#: Allocations at least this big (4 KiB) pay for the retained-memory walk after the call: a mod
#: that keeps what it allocates pays for the walk that finds it, whatever the process's peak.
WALK_ALLOCATION: Final = 4 * 1024
#: Bytes charged per item of a list, tuple, set or dict.
ITEM_BYTES: Final = 8


#: The builtin types ``*`` repeats and ``+`` concatenates (a script's own ``__mul__`` and
#: ``__add__`` are metered Python code).
_REPEATABLE: Final = (str, bytes, bytearray, list, tuple, deque)
#: Number types whose product with anything cannot be a repetition.
_INEXACT: Final = frozenset({float, complex})

_SPEC_NUMBERS = re.compile(r"\d+")
#: A '%' directive's width, its precision, and either given by '*' (read from the items).
_PERCENT_WIDTH = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\d+)")
_PERCENT_PRECISION = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?\.(\d+)")
_PERCENT_STAR = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|(?:\d+)?\.\*)")

#: Iterables whose length zip() can know before it pairs them.
_SEQUENCE_TYPES: Final = (list, tuple, str, bytes, dict, set, frozenset, deque, range)
#: Field values an f-string formats without a bound on their text (numbers, strings).
_PLAIN_FIELD: Final = frozenset({str, int, float, complex, bool, type(None)})
#: Builtin types whose operators and methods build text of their operands' lengths.
_TEXT: Final = (str, bytes, bytearray)
#: Builtin containers (8 bytes an item).
_CONTAINERS: Final = (list, tuple, dict, set, frozenset, deque)


def _size(value: Any) -> int:
    """Bytes a value of a sized builtin type takes, roughly (strings count characters).

    A script's subclass of a builtin is measured by the builtin's own length, never by its
    ``__len__`` (which could lie), and an ``int`` subclass by ``int.bit_length``.
    """
    t = type(value)
    if t is str or t is bytes or t is bytearray:
        return len(value)
    if t is int:
        return int(value.bit_length()) // 8
    if t is list or t is tuple or t is dict:
        return len(value) * ITEM_BYTES
    for base in _TEXT:
        if isinstance(value, base):
            return base.__len__(value)  # type: ignore[no-any-return]
    for base in _CONTAINERS:
        if isinstance(value, base):
            return base.__len__(value) * ITEM_BYTES  # type: ignore[no-any-return]
    if isinstance(value, int):
        return int.bit_length(value) // 8
    try:
        return len(value) * ITEM_BYTES
    except TypeError:
        return ITEM_BYTES


def _length(value: Any) -> int:
    """``len(value)``, by the builtin base's own length for a script's subclass."""
    for base in (*_TEXT, *_CONTAINERS):
        if isinstance(value, base):
            return base.__len__(value)  # type: ignore[no-any-return]
    return len(value)


def _as_int(value: Any) -> Any:
    """A size a script passed, as a plain int when it is an int of any kind (else as is: the
    comparison then raises ``TypeError`` like the builtin would)."""
    return int.__index__(value) if isinstance(value, int) else value


def _power_bits(base: int, exponent: int) -> int:
    """At least the bits of ``base ** exponent`` (``|base| >= 2``, ``exponent > 0``), and at
    most two more: ``exponent * log2|base|`` (the base's bit length times the exponent is up
    to twice the size: ``2**99990`` has 99,991 bits, not 199,980)."""
    if exponent > MAX_INT_BITS:
        return exponent + 1  # a base of two or more: at least this many bits
    # One more than the exact floor(...) + 1: a float's rounding never makes it an under-count.
    return math.floor(exponent * math.log2(abs(base))) + 2


def _exact_int(value: Any) -> int | None:
    """``value`` as a plain int when it is one (``bool`` and subclasses included, read past
    any method they override), else None."""
    return int.__index__(value) if isinstance(value, int) else None


#: Starts from which ``sum`` adds in C while no reflected method exists (a number plus
#: anything is a number or a TypeError), and starts ``sum`` itself refuses (``str`` ...).
_SUM_IN_C: Final = frozenset({int, float, complex})
_SUM_REFUSES: Final = frozenset({str, bytes, bytearray})


class Guards:
    """The guard functions of one sandbox, bound to its memory limit and meter.

    :param memory_mb: the mod's memory limit; no single value may exceed it.
    :param meter: the sandbox's meter (bulk work burns fuel through it).
    """

    def __init__(self, memory_mb: int, meter: Meter) -> None:
        self.max_bytes = memory_mb * 1024 * 1024
        self.meter = meter
        #: Bytes of big allocations in the call ``big_call``.
        self.big_bytes = 0
        #: Bytes of allocations of at least :data:`WALK_ALLOCATION` in the call ``big_call``
        #: (they pay for the retained-memory walk after it).
        self.walk_bytes = 0
        #: The meter's number of the last call that made an allocation of at least
        #: :data:`WALK_ALLOCATION` (-1: none yet). The
        #: in-process tier's hot path compares it with ``meter.calls`` directly.
        self.big_call = -1
        #: The text conversions (set by the sandbox: they need its view of script classes).
        self.text: TextGuard
        #: No script of the mod names a reflected method (see ``_chains``): a number's ``+``
        #: gives a number, so ``sum`` from a number start adds in C.
        self.plain_numbers = True

    # -- the check everything funnels into -----------------------------------------------------
    def _over(self, nbytes: int, what: str) -> MemorySignal:
        return self.meter.trip(
            MemorySignal(
                f"{what} would allocate about {nbytes} bytes, over the mod's "
                f"memory limit of {self.max_bytes} bytes",
                bytes=nbytes,
                limit=self.max_bytes,
            )
        )  # type: ignore[return-value]

    def _check(self, nbytes: int, what: str) -> None:
        if type(nbytes) is not int:
            nbytes = _as_int(nbytes)  # a script's int subclass could lie in comparisons
        if nbytes > self.max_bytes:
            raise self._over(nbytes, what)
        if nbytes >= WALK_ALLOCATION:
            if self.big_call != self.meter.calls:
                self.big_call, self.big_bytes, self.walk_bytes = self.meter.calls, 0, 0
            self.walk_bytes += nbytes
            if nbytes < BIG_ALLOCATION:
                return
            self.big_bytes += nbytes
            if self.big_bytes > self.max_bytes:
                raise self._over(self.big_bytes, f"{what} (big allocations in this call, in total)")

    def _int_bits(self, bits: int, what: str) -> None:
        if type(bits) is not int:
            bits = _as_int(bits)
        if bits > MAX_INT_BITS:
            raise self.meter.trip(
                MemorySignal(
                    f"{what} would build an int of about {bits} bits (the limit is {MAX_INT_BITS})",
                    bits=bits,
                )
            )

    # -- operators -----------------------------------------------------------------------------
    def add(self, a: Any, b: Any) -> Any:
        """``a + b`` for sequences and strings: the sum of both sizes. Anything else (a
        script's objects: ``Vector + Vector``) adds in its own methods, or numbers."""
        if isinstance(a, _REPEATABLE) or isinstance(b, _REPEATABLE):
            self._check(_size(a) + _size(b), "'+'")
        return a + b

    def mul(self, a: Any, b: Any) -> Any:
        """``a * b``: int bit growth, or sequence repetition size."""
        self._check_mul(a, b)
        return a * b

    def _check_mul(self, a: Any, b: Any, repeat: str = "sequence repetition '*'") -> None:
        if type(a) in _INEXACT or type(b) in _INEXACT:
            return  # a float or complex times anything is a number or a TypeError
        ia, ib = _exact_int(a), _exact_int(b)
        if ia is not None and ib is not None:
            if min(ia.bit_length(), ib.bit_length()) > SMALL_FACTOR_BITS:
                self._int_bits(ia.bit_length() + ib.bit_length(), "'*'")
        elif ib is not None and isinstance(a, _REPEATABLE):
            self._check(_size(a) * max(ib, 0), repeat)
        elif ia is not None and isinstance(b, _REPEATABLE):
            self._check(_size(b) * max(ia, 0), repeat)

    def pow(self, a: Any, b: Any, m: Any = None) -> Any:
        """``a ** b`` and ``pow(a, b[, m])``: the bits of an int result."""
        ia, ib, im = _exact_int(a), _exact_int(b), _exact_int(m)
        if ia is not None and ib is not None and m is None and ib > 0 and ia not in (0, 1, -1):
            self._int_bits(_power_bits(ia, ib), "'**'")
        if ib is not None and im is not None:
            # Modular exponentiation is C work that grows with exponent x modulus bits: it
            # burns fuel in proportion before it runs, so it cannot stall the call.
            self.meter.burn(ib.bit_length() * im.bit_length() // 16)
        return a**b if m is None else pow(a, b, m)

    def round(self, number: Any, ndigits: Any = None) -> Any:
        """``round(x, n)``: an int's negative ``n`` is a power of ten computed in C
        (``round(5, -10**8)`` computes ``10**(10**8)``, minutes of one C call). Past the
        int's own size the answer is 0, returned without that work."""
        if ndigits is None:
            return round(number)
        if isinstance(number, int) and type(number).__round__ is int.__round__:
            n = operator.index(ndigits)
            # 10**k > 2*|x| once k >= (bits + 1) // 3 + 1 (log10(2) < 1/3): x rounds to 0.
            if -n >= (int.bit_length(number) + 1) // 3 + 1:
                return 0
            return round(number, n)
        return round(number, ndigits)

    def lshift(self, a: Any, b: Any) -> Any:
        """``a << b``: the bits of the result."""
        ia, ib = _exact_int(a), _exact_int(b)
        if ia and ib is not None and ib >= SMALL_FACTOR_BITS:
            self._int_bits(ia.bit_length() + ib, "'<<'")
        return a << b

    def mod(self, a: Any, b: Any) -> Any:
        """``a % b``: printf-style formatting pads and repeats; numbers pass straight through."""
        if isinstance(a, _TEXT):
            # A script's str subclass formats with str's own '%' too (its widths and the text
            # of its arguments are the same): checked the same way.
            return self.text.run(self._check_percent(a, b), operator.mod, a, b)
        return a % b

    def _check_percent(self, fmt: str | bytes, args: Any) -> int:
        # Read as an exact str (a subclass's own __contains__ or methods could lie).
        text = str.__str__(fmt) if isinstance(fmt, str) else bytes.decode(fmt, "latin-1")
        if "%(" in text and type(args) is not dict:
            # A script's mapping could answer each key with a huge value, unmeasured.
            raise TypeError("'%' with %(name) fields takes a dict in scripts")
        # '%' reads a tuple subclass's real items (never its __iter__): so does the check.
        items = tuple.__getitem__(args, slice(None)) if isinstance(args, tuple) else (args,)
        if type(args) is dict:
            items = tuple(args.values())
        directives = text.count("%")
        # The directives are read below (in C) and each item's text is bounded (in Python):
        # a unit each, the directives first (a million '%d' had taken seconds to read and
        # 170 MB of match objects), the items as they are bounded (so the deadline is checked
        # between them).
        self.meter.burn(directives)
        # Widths and precisions found in C, as digit strings only (no match objects).
        digits = [*_PERCENT_WIDTH.findall(text), *_PERCENT_PRECISION.findall(text)]
        longest = max(digits, key=len, default="")
        if len(longest) > 6:  # past MAX_WIDTH whatever the digits: int() of them is work
            raise self._over(int(longest[:12]), "'%' formatting width")
        widest = max(map(int, digits), default=0)
        if _PERCENT_STAR.search(text):
            widest = max([widest, *(x for x in items if type(x) is int)])
        if widest > MAX_WIDTH:
            raise self._over(widest, "'%' formatting width")
        # %s, %r and %a make each item's text: bounded like repr() (a list that holds one
        # list a thousand times is small, its text is not).
        paid = compress(items, self.meter.stream)
        biggest = max((self.text.bound(x, "'%' formatting") for x in paid), default=0)
        bound = len(text) + directives * (widest + biggest + 32)
        self._check(bound, "'%' formatting")
        return bound

    def inplace(self, op: str, a: Any, b: Any) -> Any:
        """``a op= b`` for the growing operators, keeping in-place semantics (list ``+=``)."""
        if op == "+=":
            # A list, deque or bytearray extends in place by any iterable's items.
            if isinstance(a, _REPEATABLE) or isinstance(b, _REPEATABLE):
                self._check(_size(a) + _size(b), "'+='")
            a += b
        elif op == "*=":
            self._check_mul(a, b, "'*='")
            a *= b
        elif op == "**=":
            a = self.pow(a, b)
        elif op == "<<=":
            a = self.lshift(a, b)
        elif op == "%=":
            a = self.mod(a, b)
        else:  # pragma: no cover - the compiler only routes the ops above here
            raise ValueError(op)
        return a

    def star(self, value: Any) -> Any:
        """``*value`` in a display or a call: the items are copied (``[*x, *x]`` doubles)."""
        self._check(_size(value), "unpacking '*'")
        return value

    def zipped(self, iterables: tuple[Any, ...], what: str) -> None:
        """``zip(*rows)``: each item is a tuple as wide as the rows are many, so a thousand
        copies of one list zip into a thousand times its size."""
        if len(iterables) > 2:
            lengths = [_size(i) for i in iterables if isinstance(i, _SEQUENCE_TYPES)]
            if lengths:
                self._check(len(iterables) * min(lengths), what)

    def grow(self, target: Any, value: Any) -> Any:
        """Slice assignment ``target[i:j] = value``: the target may at most reach the limit."""
        self._check(_size(target) + _size(value), "slice assignment")
        return value

    def fmt(self, value: Any, spec: str, conversion: int) -> Any:
        """An f-string field: widths and precisions are bounded, and the text of anything but
        a number or a string is bounded before it is made."""
        if conversion != -1:
            how = repr if conversion == 114 else ascii if conversion == 97 else str
            value = self.text.convert(value, how, f"{how.__name__}()")
        if not spec:
            if type(value) is str:
                if len(value) >= WALK_ALLOCATION:
                    # The f-string copies it: f"{x}{x}" doubles like x + x does.
                    self._check(len(value), "f-string")
                return value
        elif "{" in spec or "}" in spec:
            # A spec is never a template: braces here are a format string smuggled past the
            # compiler (f"{x:{spec}}" then .format()).
            raise self.meter.trip(ForbiddenSignal("a format spec may not contain { or }"))
        else:
            for digits in _SPEC_NUMBERS.findall(spec):
                if len(digits) > 6 or int(digits) > MAX_WIDTH:
                    raise self._over(int(digits[:12]), "format spec width")
        if type(value) in _PLAIN_FIELD:
            return format(value, spec)
        return self.text.run(self.text.bound(value, "format()"), format, value, spec)

    def eager(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap a builtin that consumes an iterable in C so each item burns one unit of fuel."""
        meter = self.meter

        several = fn in (min, max)  # min(a, b, c) takes values, not an iterable
        adds = fn is sum

        def consume(iterable: Any, *args: Any, **kwargs: Any) -> Any:
            if several and args:
                return fn(iterable, *args, **kwargs)
            items = compress(iterable, meter.stream)
            if adds:
                start = args[0] if args else kwargs.get("start", 0)
                if not (self.plain_numbers and type(start) in _SUM_IN_C) and (
                    type(start) not in _SUM_REFUSES
                ):
                    # sum(lists, []) concatenates in C, and so may a sum from 0 once an
                    # item's __radd__ hands back a list: each '+' goes through its guard.
                    return functools.reduce(self.add, items, start)
            return fn(items, *args, **kwargs)

        consume.__name__ = fn.__name__
        consume.__doc__ = fn.__doc__
        return consume
