"""The text of a script's values is bounded before it is made, in both tiers.

A value that shares its parts makes far more text than it takes memory: a list holding one
100,000-item list a thousand times is under a megabyte, its ``repr`` 300 MB, built by one
C-level operation the in-process tier could not interrupt. Every conversion a script can
reach bounds the text first (``host_api.text_bound``), and what the script's own
``__repr__``/``__str__`` return during a conversion is charged to it.
"""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from host_api import BadArgument, Limits, TextTooLong, log_text, text_bound
from sandbox import MemoryLimitExceeded, ScriptFault, ScriptRaised

from .conftest import make_rig

LIMITS = Limits(fuel=5_000_000, timeout_ms=2_000, memory_mb=16)
TIERS = ["inprocess", "process"]

#: Under a megabyte of lists, 300 MB of text.
SHARED = "inner = [0] * 100000\nouter = [inner] * 1000\n"
#: Forty small lists, text of 2**40 copies of the innermost one.
DOUBLED = "outer = [0] * 100\nfor _ in range(40):\n    outer = [outer, outer]\n"

#: Every way a script turns a value into text.
CONVERSIONS = {
    "repr": "repr(outer)",
    "str": "str(outer)",
    "ascii": "ascii(outer)",
    "f-string": "f'{outer}'",
    "f-string-repr": "f'{outer!r}'",
    "f-string-spec": "f'{outer:>10}'",
    "format": "format(outer)",
    "percent": "'%s' % (outer,)",
    "percent-repr": "'%r' % (outer,)",
    "str.format": "'{}'.format(outer)",
    "str.format-repr": "'{0!r}'.format(outer)",
    "format_map": "'{x}'.format_map({'x': outer})",
    "print": "print(outer)",
    "map-str": "list(map(str, [outer]))",
    "type-of-str": "type('')(outer)",
    "str-subclass": "Name(outer)",
    # Forty small lists: measured by what the value holds, not by its 2**40 leaves.
    "doubling-repr": "repr(outer)",
    "doubling-print": "print(outer)",
}

PROLOGUE = "class Name(str):\n    pass\n"


def _tick(body: str) -> str:
    lines = "\n".join("    " + line for line in body.strip().splitlines())
    return f"{PROLOGUE}def on_tick(ctx, dt):\n{lines}\n    return 1\n"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("name", sorted(CONVERSIONS))
def test_text_of_a_shared_value_is_refused_before_it_is_made(name: str, tier: str) -> None:
    rig = make_rig(limits=LIMITS, tier=tier)
    try:
        shape = DOUBLED if name.startswith("doubling") else SHARED
        module = rig.load(_tick(shape + "x = " + CONVERSIONS[name]))
        with pytest.raises(MemoryLimitExceeded) as caught:
            rig.tick(module)
        assert caught.value.details["limit"] == 16 * 1024 * 1024
        # The host never built the text, and the mod goes on working.
        ok = rig.load("def on_tick(ctx, dt):\n    return repr([1, [2, 3]])\n", "scripts/ok.py")
        assert rig.tick(ok) == "[1, [2, 3]]"
    finally:
        rig.sandbox.close()


@pytest.mark.parametrize("tier", TIERS)
def test_ctx_log_of_a_shared_value_is_a_bad_argument_not_a_stall(tier: str) -> None:
    rig = make_rig(limits=LIMITS, tier=tier)
    try:
        module = rig.load(_tick(SHARED + "ctx.log(outer)"))
        with pytest.raises(ScriptRaised, match="log message's text would be more than"):
            rig.tick(module)
        assert rig.world.logs == []
    finally:
        rig.sandbox.close()


GUEST_TEXT = """
class Big:
    def __init__(self, n):
        self.text = "x" * n
    def __repr__(self):
        return self.text
    def __str__(self):
        return self.text
def on_tick(ctx, dt):
    items = [Big(int(dt))] * 1000
    return len({conversion})
"""


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("conversion", ["repr(items)", "str(items)", "f'{items}'"])
def test_text_a_script_method_returns_is_charged_to_the_conversion(
    conversion: str, tier: str
) -> None:
    rig = make_rig(limits=LIMITS, tier=tier)
    try:
        module = rig.load(GUEST_TEXT.format(conversion=conversion))
        # A thousand 100-character texts: 102,000 characters of text, allowed.
        assert rig.tick(module, 100.0) == 1000 * 102
        # A thousand copies of one 100,000-character text: 100 MB, refused on the way.
        with pytest.raises(MemoryLimitExceeded, match="__repr__/__str__ returned"):
            rig.tick(module, 100_000.0)
    finally:
        rig.sandbox.close()


#: Values whose text must be what plain Python makes (the bound never refuses them).
ORDINARY = """
import collections
import dataclasses
import enum

@dataclasses.dataclass
class Point:
    x: int
    y: float

class Kind(str, enum.Enum):
    FAST = "fast"

class Plain:
    pass

class Shown:
    def __repr__(self):
        return "Shown()"

Pair = collections.namedtuple("Pair", "a b")

def on_tick(ctx, dt):
    loop = [1]
    loop.append(loop)
    values = [
        [1, 2.5, None, True], (1,), (), {"a": [1, {2}]}, set(), frozenset({3}),
        {1: (2, 3)}, "it's \\\\ 'q'", b"\\x00b", 10 ** 40, -2.5e-300, 3 + 4j,
        Point(1, 2.0), Kind.FAST, Pair(1, [2]), collections.Counter("abca"),
        collections.deque([1, 2], maxlen=3), collections.OrderedDict(a=1),
        collections.defaultdict(list, {1: [2]}), ValueError("bad", 3), loop,
        [Shown()] * 3, [[0] * 50] * 20,
    ]
    out = [repr(v) for v in values] + [str(v) for v in values]
    out += [f"{v}" for v in values] + ["%s|%r" % (v, v) for v in values]
    out.append(str(Kind.FAST) + format(Kind.FAST) + Kind("fast"))
    return out
"""


def _plain_lines() -> list[str]:
    module = types.ModuleType("plain_text_test")
    sys.modules[module.__name__] = module  # dataclasses looks its module up
    try:
        exec(compile(ORDINARY, "plain", "exec"), module.__dict__)
        return module.on_tick(None, 0.0)  # type: ignore[no-any-return]
    finally:
        del sys.modules[module.__name__]


@pytest.mark.parametrize("tier", TIERS)
def test_ordinary_values_make_the_text_plain_python_makes(tier: str) -> None:
    rig = make_rig(limits=LIMITS, tier=tier)
    try:
        got = rig.tick(rig.load(ORDINARY))
    finally:
        rig.sandbox.close()
    want = _plain_lines()
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        # Class paths differ (the script's module is its path, not plain_text_test).
        assert a.replace("scripts/s.py", "M") == b.replace("plain_text_test", "M")


# -- the bound itself (host_api) ---------------------------------------------------------------


def _values() -> list[Any]:
    shared = [1.5, "é\n", None]
    loop: list[Any] = [0]
    loop.append(loop)
    return [
        0, -(10**300), 2.5, float("nan"), 1e300, -1e-300, 3 - 4j, True, None, "", "a'b\"c\\",
        "\x00\u0378\U000e0001", b"\x00\xff'", [], (), {}, set(), frozenset(), (1,),
        [shared] * 5, {"k": shared, 2: (shared, shared)}, {1, 2.5, "x"}, frozenset({(1, 2)}),
        [10**50, True, 7], [0.1, None, False], ["a", "\x07"], loop, {"self": loop},
        [[[[[]]]]], [1.0, 2, "three", (4,)],
    ]  # fmt: skip


@pytest.mark.parametrize("value", _values(), ids=lambda v: type(v).__name__)
def test_the_bound_is_never_below_the_text(value: Any) -> None:
    bound = text_bound(value, 10**9)
    assert bound >= len(repr(value))
    assert bound >= len(str(value))


def test_the_bound_walks_each_object_once_and_stops_at_the_cap() -> None:
    outer: list[Any] = [0] * 100
    for _ in range(200):
        outer = [outer, outer]
    visits: list[int] = []
    with pytest.raises(TextTooLong) as caught:
        text_bound(outer, 10**6, spend=visits.append)
    # Each of the 201 distinct lists is walked once, not 2**200 of them.
    assert caught.value.bound > 10**6
    assert len(visits) <= 201
    flat = [1, 2, 3]
    assert text_bound([flat] * 4, 10**6) >= 4 * len(repr(flat))


def test_log_text_refuses_a_value_whose_text_is_too_large_to_cut() -> None:
    outer = [[0] * 100_000] * 1000
    with pytest.raises(BadArgument, match="text would be more than") as caught:
        log_text(outer, mod_id="m", limit=1000)
    assert "log a summary" in (caught.value.hint or "")
    assert log_text([1, [2]], mod_id="m", limit=4) == "[1, "


def test_a_fault_in_the_middle_of_a_conversion_leaves_the_mod_working() -> None:
    rig = make_rig(limits=LIMITS)
    try:
        module = rig.load(GUEST_TEXT.format(conversion="repr(items)"))
        with pytest.raises(ScriptFault):
            rig.tick(module, 100_000.0)
        # The next conversion starts with the whole limit again.
        assert rig.tick(module, 3.0) == 1000 * 5
    finally:
        rig.sandbox.close()
