"""The common cases of guarded operations in C (``_fast_ops``): the number cases of ``*``
and small slice assignments give plain Python's results for every mix of operand types, and
take the guard for everything the guard would not let by unchecked."""

from __future__ import annotations

import math
from typing import Any

import pytest

from sandbox.python import _native
from sandbox.python._arith import SMALL_ITEMS
from sandbox.python._compiler import check_script
from tests.compat.harness import hook_result_as_plain

if _native.Ops is None:  # pragma: no cover - built without a C compiler
    pytest.skip("the sandbox's C parts are not built here", allow_module_level=True)


class Twice(int):
    def __mul__(self, other: object) -> Any:
        return "subclass"


class Scaled:
    def __mul__(self, other: object) -> Any:
        return "mul"

    def __rmul__(self, other: object) -> Any:
        return "rmul"


def _no_grow(target: Any, value: Any) -> Any:
    raise AssertionError("the slice guard is not used here")


BIG = 3**200
VALUES: list[Any] = [
    0, 7, -7, 2**62, -(2**63), 2**63, 2**64, -(2**64), BIG, -BIG, True, Twice(3),
    2.5, -0.0, math.inf, math.nan, 1e308, 2j, complex(math.inf, 1),
    "ab", [1], (2,), b"x", None, Scaled(),
]  # fmt: skip


def _outcome(fn: Any, a: Any, b: Any) -> Any:
    try:
        result = fn(a, b)
    except Exception as exc:
        return type(exc)
    if isinstance(result, float) and math.isnan(result):
        return "nan"
    if isinstance(result, complex) and (math.isnan(result.real) or math.isnan(result.imag)):
        return ("complex nan", type(result))
    return (type(result), result)


@pytest.mark.parametrize("a", VALUES, ids=repr)
def test_every_pair_gives_plain_pythons_product_and_only_numbers_skip_the_guard(a: Any) -> None:
    asked: list[tuple[Any, Any]] = []

    def guard(x: Any, y: Any) -> Any:
        asked.append((x, y))
        return x * y

    mul = _native.Ops(guard, _no_grow, SMALL_ITEMS).mul
    for b in VALUES:
        asked.clear()
        assert _outcome(mul, a, b) == _outcome(lambda x, y: x * y, a, b), (a, b)
        # Exactly the number products the guard would let by skip it, whatever their result.
        fits = [type(v) is int and -(2**63) <= v < 2**63 for v in (a, b)]
        shortcut = (
            type(a) in (int, float, complex)
            and type(b) in (int, float, complex)
            and (type(a) is not int or type(b) is not int or any(fits))
        )
        assert (asked == []) == shortcut, (a, b)
        if not shortcut:
            assert asked == [(a, b)]


def test_what_the_guard_refuses_it_refuses() -> None:
    def guard(x: Any, y: Any) -> Any:
        raise MemoryError("refused")

    mul = _native.Ops(guard, _no_grow, SMALL_ITEMS).mul
    with pytest.raises(MemoryError, match="refused"):
        mul(2**64, 2**64)
    with pytest.raises(MemoryError):
        mul([0], 10**9)
    assert mul(2**64, 3) == 3 * 2**64
    assert mul(-(2**63), BIG) == -(2**63) * BIG


def test_it_needs_a_callable_guard_and_two_operands() -> None:
    for bad in [(3, _no_grow, 1), (_no_grow, 3, 1), (_no_grow, _no_grow, "1")]:
        with pytest.raises(TypeError):
            _native.Ops(*bad)
    with pytest.raises(ValueError):
        _native.Ops(_no_grow, _no_grow, -1)
    ops = _native.Ops(lambda x, y: x * y, _no_grow, SMALL_ITEMS)
    for args in [(), (1,), (1, 2, 3)]:
        with pytest.raises(TypeError):
            ops.mul(*args)
        with pytest.raises(TypeError):
            ops.grow(*args)


PRODUCTS = """
class Scaled:
    def __mul__(self, other):
        return "mul"

    def __rmul__(self, other):
        return "rmul"


class Twice(int):
    def __mul__(self, other):
        return "sub"


def on_tick(ctx, dt):
    numbers = [0, 7, -7, 2 ** 63, -(2 ** 64), 3 ** 100, True, Twice(2), 2.5, 2j, Scaled()]
    others = [0, -2, 3, True, Twice(2), 2.5, "ab", [1], (2,), b"x", None, Scaled()]
    out = []
    pairs = [(a, b) for a in numbers for b in numbers] + [(a, b) for a in others for b in others]
    for a, b in pairs:
        try:
            out.append(repr(a * b)[:30])
        except Exception as exc:
            out.append(type(exc).__name__)
    k = 3
    x = 10 ** 30
    out.append(x * k * k)
    return out
"""


@pytest.mark.parametrize("native", [True, False])
def test_scripts_get_plain_pythons_products_with_and_without_the_c_part(
    native: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_native, "FAST_OPS", native)
    hook_result_as_plain(PRODUCTS)
    hook_result_as_plain(SLICES)


SLICES = """
class Items(list):
    pass


def on_tick(ctx, dt):
    out = []
    for target in ([0, 1, 2], Items([0, 1]), list(range(600))):
        for value in ([9], (8, 7), "ab", range(2), {5: 6}, Items([4]), list(range(600))):
            t = list(target) if type(target) is list else Items(target)
            t[1:2] = value
            t[:0] = value
            t[::-1] = t[:]
            out.append((type(t).__name__, len(t), t[:5], t[-3:]))
    perm = [3, 1, 2, 0]
    k = perm[0]
    while k:
        perm[: k + 1] = perm[k::-1]
        k = perm[0]
    out.append(perm)
    return out
"""


class Items(list):  # type: ignore[type-arg]
    pass


def _targets_and_values() -> list[tuple[Any, Any]]:
    edge = SMALL_ITEMS // 2
    values: list[Any] = [
        [], [1, 2], (3,), list(range(edge)), tuple(range(edge)), Items([1]), "ab", b"ab",
        range(3), {1: 2}, iter([5]), None, 7,
    ]  # fmt: skip
    targets: list[Any] = [[0], list(range(edge - 1)), list(range(edge)), Items([1]), bytearray(2)]
    return [(t, v) for t in targets for v in values]


@pytest.mark.parametrize(("target", "value"), _targets_and_values())
def test_slice_assignment_takes_the_guard_unless_small_lists_and_tuples(
    target: Any, value: Any
) -> None:
    asked: list[tuple[Any, Any]] = []

    def guard(t: Any, v: Any) -> Any:
        asked.append((t, v))
        return v

    grow = _native.Ops(lambda x, y: x * y, guard, SMALL_ITEMS).grow
    assert grow(target, value) is value
    small = (
        type(target) is list
        and type(value) in (list, tuple)
        and len(target) + len(value) < SMALL_ITEMS
    )
    assert asked == ([] if small else [(target, value)])


def test_what_the_slice_guard_refuses_it_refuses() -> None:
    def guard(t: Any, v: Any) -> Any:
        raise MemoryError("refused")

    grow = _native.Ops(lambda x, y: x * y, guard, SMALL_ITEMS).grow
    with pytest.raises(MemoryError):
        grow(list(range(SMALL_ITEMS)), [])
    assert grow([1], [2]) == [2]


def test_without_the_c_part_the_checks_are_written_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    source = "def f(a, b, xs):\n    xs[:1] = [a * b]\n    return xs\n"
    names = {"_cmul_", "_cgrow_"}
    with_c = check_script(source).code
    monkeypatch.setattr(_native, "FAST_OPS", False)
    without = check_script(source).code
    assert with_c is not None and without is not None

    def used(code: Any) -> set[str]:
        return {n for c in code.co_consts if hasattr(c, "co_names") for n in c.co_names}

    assert names <= used(with_c)
    assert not names & used(without)
