"""The number cases of a guarded ``*`` in C (``_fast_ops``): plain Python's result for every
mix of operand types, and the guard for everything it does not let by itself."""

from __future__ import annotations

import math
from typing import Any

import pytest

from sandbox.python import _native
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

    mul = _native.Ops(guard).mul
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

    mul = _native.Ops(guard).mul
    with pytest.raises(MemoryError, match="refused"):
        mul(2**64, 2**64)
    with pytest.raises(MemoryError):
        mul([0], 10**9)
    assert mul(2**64, 3) == 3 * 2**64
    assert mul(-(2**63), BIG) == -(2**63) * BIG


def test_it_needs_a_callable_guard_and_two_operands() -> None:
    with pytest.raises(TypeError):
        _native.Ops(3)
    mul = _native.Ops(lambda x, y: x * y).mul
    for args in [(), (1,), (1, 2, 3)]:
        with pytest.raises(TypeError):
            mul(*args)


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
