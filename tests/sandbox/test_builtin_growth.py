"""Growth done in C by builtins, displays and standard-library helpers goes through the same
allocation checks as a script's own ``+``, in both tiers: ``sum(lists, [])``,
``itertools.accumulate`` (whose default function is ``+``), unpacking (``[*x, *x]``,
``f(*x, *x)``), ``deque.extend``, f-string fields, ``bytes.hex`` and ``zip`` of many copies
of one list. Each doubles (or multiplies) a value in one C-level step, so the deadline,
checked between steps, came too late: ``[*x, *x]`` thirty times took the host to 12 GB."""

from __future__ import annotations

import pytest

from host_api import Limits
from sandbox import MemoryLimitExceeded

from .conftest import make_rig

LIMITS = Limits(fuel=5_000_000, timeout_ms=2_000, memory_mb=16)
TIERS = ["inprocess", "process"]


def _tick(body: str) -> str:
    lines = "\n".join("    " + line for line in body.strip().splitlines())
    return f"def on_tick(ctx, dt):\n{lines}\n    return 1\n"


CONCATENATION = {
    "sum-start": "sum([inner] * 1000, [])",
    "sum-start-keyword": "sum([inner] * 1000, start=[])",
    "sum-tuples": "sum([tuple(inner)] * 1000, ())",
    "accumulate": "list(itertools.accumulate([inner] * 1000))",
}


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("name", sorted(CONCATENATION))
def test_concatenation_in_c_builtins_takes_the_guard(name: str, tier: str) -> None:
    # sum() with a list start and accumulate()'s default '+' concatenate in C; each '+'
    # goes through the allocation guard, so the limit stops them (not the clock, later).
    rig = make_rig(limits=LIMITS, tier=tier)
    try:
        source = "import itertools\n" + _tick("inner = [0] * 100000\nx = " + CONCATENATION[name])
        with pytest.raises(MemoryLimitExceeded):
            rig.tick(rig.load(source))
        ok = rig.load(
            "import itertools\ndef on_tick(ctx, dt):\n"
            "    return (sum([[1], [2]], []), sum([(1,), (2,)], ()), sum([1, 2], 5),\n"
            "            list(itertools.accumulate([1, 2, 3])),\n"
            "            list(itertools.accumulate([1, 2], initial=10)))\n",
            "scripts/ok.py",
        )
        assert rig.tick(ok) == ([1, 2], (1, 2), 8, [1, 3, 6], [10, 11, 13])
    finally:
        rig.sandbox.close()


#: Thirty doublings, each one C-level step.
DOUBLINGS = {
    "list-display": "x = [0]\nfor i in range(30):\n    x = [*x, *x]",
    "tuple-display": "x = (0,)\nfor i in range(30):\n    x = (*x, *x)",
    "call-arguments": "x = (0,)\nfor i in range(30):\n    x = echo(*x, *x)",
    "deque-extend": "x = collections.deque([0])\nfor i in range(30):\n    x.extend(x)",
    "deque-extendleft": "x = collections.deque([0])\nfor i in range(30):\n    x.extendleft(x)",
    "f-string": "x = 'ab'\nfor i in range(40):\n    x = f'{x}{x}'",
    "bytes-hex": "x = b'ab'\nfor i in range(40):\n    x = x.hex().encode()",
    "zip-copies": "a = [0] * 100000\nx = list(zip(*[a] * 1000))",
    "zip-longest-copies": "a = [0] * 100000\nx = list(itertools.zip_longest(*[a] * 1000))",
    # Encoding quadruples text in one C step, decoding makes up to four bytes a byte.
    "encode-utf-32": "x = 'a'\nfor i in range(30):\n    x = x.encode('utf-32').decode('latin-1')",
    "encode-escape": "x = '\\\\'\nfor i in range(30):\n    x = x.encode('unicode_escape').decode()",
    "encode-unbound": "x = 'a'\nfor i in range(30):\n    x = str.encode(x, 'utf-16').decode('l1')",
    "bytes-and-str": "x = 'a'\nfor i in range(30):\n    x = str(bytes(x, 'utf-32'), 'latin-1')",
    "error-handlers": "x = b'\\xff'\nfor i in range(30):\n"
    "    x = x.decode('ascii', 'backslashreplace').encode('cp500')",
    "decode-wide": "x = b'\\xff'\nfor i in range(30):\n    x = x.decode('latin-1').encode('utf-8')",
}
PRELUDE = "import collections\nimport itertools\ndef echo(*args):\n    return args\n"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("name", sorted(DOUBLINGS))
def test_growth_in_one_c_step_is_checked_before_it_happens(name: str, tier: str) -> None:
    rig = make_rig(limits=LIMITS, tier=tier)
    try:
        with pytest.raises(MemoryLimitExceeded):
            rig.tick(rig.load(PRELUDE + _tick(DOUBLINGS[name])))
    finally:
        rig.sandbox.close()


ORDINARY_GROWTH = """
import collections
import itertools
def on_tick(ctx, dt):
    m = [[i] * 3 for i in range(3)]
    d = collections.deque([1])
    d.extend([2, 3])
    d.extendleft([0])
    return (list(zip(*m)), [*m[0], *"ab"], (*m[1],), f"{m}{1}", list(zip([1, 2], [3, 4])),
            {*m[0]}, b"ab".hex(), b"ab".hex(":"), list(zip(*m, strict=True)), list(d),
            list(itertools.zip_longest([1], [2, 3], fillvalue=0)), max(*m[2]),
            "h\u00e9 \U0001f600".encode(), "h\u00e9".encode("utf-16"), b"ab".decode("ascii"),
            "x\u00e9".encode("ascii", "replace"), str(b"xyz", "latin-1"), bytes("ab", "utf-8"),
            "\u00e9".encode("unicode_escape").decode(), str.encode("ab", encoding="utf-32"),
            "h\u00e9".encode("ascii", "xmlcharrefreplace"), b"\\xff".decode("ascii", "replace"),
            b"a\\xff".decode("ascii", errors="backslashreplace"))
"""


def _sandboxed_and_plain(source: str) -> tuple[object, object]:
    """What ``on_tick`` of ``source`` returns in a sandbox, and as plain Python."""
    rig = make_rig(limits=LIMITS)
    try:
        got = rig.tick(rig.load(source))
    finally:
        rig.sandbox.close()
    namespace: dict[str, object] = {}
    exec(source, namespace)
    return got, namespace["on_tick"](None, 0.0)  # type: ignore[operator]


def test_ordinary_unpacking_zip_and_hex_give_what_python_gives() -> None:
    got, plain = _sandboxed_and_plain(ORDINARY_GROWTH)
    assert got == plain


INLINE_PATHS = """
class Table:
    label = f"{'t'}{1}"
    cells = [*range(3), *"ab"]

def on_tick(ctx, dt):
    x = 7
    big = "y" * 5000
    nested = f"{f'{x}-{x:>3}'}|{x!r}|{None}|{1.5}|{True}|{[1, *[2, 3]]}"
    pairs = [f"{i}{k}" for i in range(2) for k in [*"ab", *(c for c in "cd")]]
    lazy = [*(i * i for i in range(4)), *{1: 2}]
    return (Table.label, Table.cells, nested, pairs, lazy, len(f"{big}{big}"),
            [*[c for c in f"{x}{x}"]])
"""


def test_inline_field_and_unpacking_paths_give_what_python_gives() -> None:
    # Short strings and numbers skip the field's call, short lists and tuples the '*' check
    # (both compiled inline); class bodies and comprehension iterables take the calls.
    got, plain = _sandboxed_and_plain(INLINE_PATHS)
    assert got == plain
