"""Ints built from text or bytes are sized before they exist: ``int(s, 2)``, ``int(s, 16)``,
``int(s, 0)`` and ``int.from_bytes`` make an int of any size in linear time (the digit limit
covers only bases that are not powers of two), and big-int C work on it cannot be
interrupted (``math.isqrt`` of 8,000,000 bits: 18 s). The script's ``int`` is a stand-in
that still answers as ``int`` everywhere else (``isinstance``, ``type(5) is int``, class
patterns: ``case int(n):`` binds the subject as for the builtin)."""

from __future__ import annotations

import pytest

from host_api import Limits
from tests.compat.harness import Sandboxed, hook_fault, hook_result_as_plain

from .conftest import compiles_direct

TIERS = ["inprocess", "process"]

ORDINARY = """
x: int | None = None


class Money(int):
    def cents(self):
        return self * 100


class Strict(int):
    def __new__(cls, text):
        return super().__new__(cls, text, 2)


def on_tick(ctx, dt):
    out = [
        int(), int(3.9), int("42"), int(" 42 "), int("ff", 16), int("0x1f", 0), int(b"101", 2),
        int("1_000"), int("z", base=36), isinstance(5, int), type(5) is int,
        issubclass(bool, int), int(Money("7").cents()), int(Money("101", 2)),
        type(Money(3)).__name__,
        int(Strict("1011")), int.from_bytes(b"\\x01\\x02", "big"),
        int.from_bytes([1, 2], "little", signed=True), (5).from_bytes(b"\\xff", "big", signed=True),
        type(Money.from_bytes(b"\\x02", "big")).__name__, int.bit_length(255),
        list(map(int, ["1", "2"])), sorted(["10", "9"], key=int), str(int), repr(int),
    ]
    for value in (5, "a", 2.5, b"x", True):
        match value:
            case int(n):
                out.append(("int", n))
            case str(text):
                out.append(("str", text))
            case bytes(raw):
                out.append(("bytes", raw))
            case _:
                out.append("other")
    for bad in ("abc", ("1", 99), None, ("1", 1.5)):
        try:
            int(*bad) if isinstance(bad, tuple) else int(bad)
        except (TypeError, ValueError) as exc:
            out.append(type(exc).__name__)
    return out
"""


@pytest.mark.parametrize("tier", TIERS)
def test_the_scripts_int_gives_plain_pythons_results(tier: str) -> None:
    hook_result_as_plain(ORDINARY, tier=tier)


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize(
    "build",
    [
        "int('1' * 10 ** 6, 2)",
        "int(b'f' * 10 ** 5, base=16)",
        "int('0x' + 'f' * 10 ** 5, 0)",
        "int.from_bytes(b'\\xff' * 10 ** 6, 'big')",
        "int.from_bytes([255] * 10 ** 6, 'big')",
        "(5).from_bytes(b'\\xff' * 10 ** 6, 'big')",
        "M('1' * 10 ** 6, 2)",
        "M.from_bytes(b'\\xff' * 10 ** 6, 'big')",
        "S('1' * 10 ** 6)",
    ],
)
def test_a_huge_int_from_text_or_bytes_is_refused_before_it_exists(tier: str, build: str) -> None:
    source = (
        "class M(int):\n    pass\n"
        "class S(int):\n    def __new__(cls, t):\n        return super().__new__(cls, t, 2)\n"
        f"def on_tick(ctx, dt):\n    return {build} > 0\n"
    )
    fault = hook_fault(source, tier=tier, limits=Limits(memory_mb=16, timeout_ms=2000))
    assert fault.code == "SANDBOX_MEMORY_LIMIT"
    assert "bits" in str(fault)


def test_int_of_one_value_calls_the_builtin_itself() -> None:
    # int(x) parses no base, so nothing to size: the compiled call skips the stand-in (the
    # name still decides: a script that rebinds int keeps its own).
    assert compiles_direct("int(xs)")
    assert not compiles_direct("int(xs, 2)")
    assert not compiles_direct("int(xs, base=2)")
    assert not compiles_direct("int(*xs)")
    box = Sandboxed("def on_tick(ctx, dt):\n    int = str\n    return int(5)\n")
    try:
        assert box.call(0.0) == "5"
    finally:
        box.close()
