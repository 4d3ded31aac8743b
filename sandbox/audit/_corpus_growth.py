"""Growth in one C-level step: displays, calls, builtins and library helpers that double or
multiply a value without a script operator (``[*x, *x]``, ``f"{x}{x}"``, ``x.hex()``,
``deque.extend``, ``zip`` of a thousand copies of one list, ``sum`` and ``accumulate``
concatenating). The deadline is checked between steps, so each step's size is checked
before it runs, and the memory limit stops them."""

from __future__ import annotations

from typing import Final

from ._corpus_attack import MEMORY, Attack, _resource, _tick


def _doubling(name: str, summary: str, start: str, step: str, times: int = 30) -> Attack:
    body = f"x = {start}\nfor i in range({times}):\n    {step}\nreturn len(x)"
    return _resource(name, summary, _tick(body), MEMORY)


GROWTH_ATTACKS: Final[tuple[Attack, ...]] = (
    _doubling("unpack-list-doubling", "x = [*x, *x], thirty times", "[0]", "x = [*x, *x]"),
    _doubling("unpack-tuple-doubling", "x = (*x, *x), thirty times", "(0,)", "x = (*x, *x)"),
    _doubling(
        "call-args-doubling",
        "x = f(*x, *x): a call's arguments, returned",
        "(0,)",
        "x = (lambda *a: a)(*x, *x)",
    ),
    _doubling("fstring-doubling", "x = f'{x}{x}', forty times", "'ab'", "x = f'{x}{x}'", 40),
    _doubling(
        "hex-doubling", "x = x.hex().encode(), forty times", "b'ab'", "x = x.hex().encode()", 40
    ),
    _resource(
        "deque-extend-doubling",
        "d.extend(d), thirty times",
        _tick(
            "import collections\nd = collections.deque([0])\nfor i in range(30):\n    d.extend(d)"
        ),
        MEMORY,
    ),
    _resource(
        "zip-copies",
        "list(zip(*[a] * 1000)): a thousand-wide tuple for each item of one list",
        _tick("a = [0] * 100000\nreturn len(list(zip(*[a] * 1000)))"),
        MEMORY,
    ),
    _resource(
        "zip-longest-copies",
        "itertools.zip_longest of a thousand copies of one list",
        _tick(
            "import itertools\na = [0] * 100000\n"
            "return len(list(itertools.zip_longest(*[a] * 1000)))"
        ),
        MEMORY,
    ),
)
