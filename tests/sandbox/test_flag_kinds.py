"""Kinds known past a test of the chain flag (``_kinds.absorbed``): a number's ``+ - / // %``
(a float's ``*``) with any right operand is a number while no script of the mod defines a
reflected method. The versioned copies that rely on it test the flag; they give plain
Python's results for every right operand, with the flag on and off, and a script that names
a reflected method itself is compiled without any test of the flag."""

from __future__ import annotations

import ast
import copy

import pytest

from host_api import Limits
from sandbox.python._chains import FLAG
from sandbox.python._checker import Checker
from tests.compat.harness import Sandboxed, outcome_table

TIERS = ["inprocess", "process"]
LIMITS = Limits(fuel=10_000_000, memory_mb=64, timeout_ms=20000)

#: Loop-carried accumulators and straight runs whose left operands the flag proves.
KERNELS = """
import statistics


class Plus:
    def __add__(self, other):
        return "plus"


def carried(start, items):
    s = start
    for x in items:
        s += x
        s = s * 0.5 - x / 4.0
    return s


def straight(a, b):
    c = a - b
    d = (1.0 - a) * b
    return c * d + c // 1.5 + d % 2.0


def halves(z, c, n):
    for i in range(n):
        z = z * z + c
    return z


VALUES = [0, 3, -7, 2.5, 1j, True, None, "s", [1], (2,), Plus(), 10 ** 30,
          statistics.NormalDist(1.0, 2.0)]

""" + outcome_table(
    "carried(a, [b, b])",
    "straight(a, b)",
    "halves(a, b, 3)",
)

REFLECTING = "class R:\n    def __radd__(self, other):\n        return other\n"


def _plain() -> list[str]:
    plain: dict[str, object] = {}
    exec(compile(KERNELS, "plain", "exec"), plain)
    return plain["table"]()  # type: ignore[no-any-return,operator]


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("flag", [True, False])
def test_flag_tested_copies_give_plain_pythons_results(tier: str, flag: bool) -> None:
    box = Sandboxed(KERNELS, tier=tier, limits=LIMITS)
    try:
        if not flag:
            # Another script of the mod names a reflected method: the flag goes off after
            # the kernels compiled with tests of it, which now take their other copies.
            box.sandbox.load("scripts/reflecting.py", REFLECTING)
        assert box.call(0.0) == _plain()
    finally:
        box.close()


def _compiled(source: str) -> ast.Module:
    errors: list[str] = []
    tree = Checker(errors, [], {}).visit(ast.parse(source))
    assert not errors
    return tree  # type: ignore[no-any-return]


class _Short(ast.NodeTransformer):
    """Big int literals (the inline bounds) shown as a name: unparse cannot print them."""

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if type(node.value) is int and node.value.bit_length() > 64:
            return ast.Name("BIG", ast.Load())
        return node


def _text(tree: ast.AST) -> str:
    return ast.unparse(_Short().visit(copy.deepcopy(tree)))


def _flag_tests(tree: ast.AST) -> int:
    return sum(isinstance(n, ast.Name) and n.id == FLAG for n in ast.walk(tree))


ACCUMULATE = """
def total(xs, ys):
    s = 0.0
    for k in range(len(xs)):
        s += xs[k] * ys[k]
    return s
"""


def test_an_accumulator_is_known_across_the_loop_past_one_test_of_the_flag() -> None:
    fn = _compiled(ACCUMULATE).body[0]
    assert isinstance(fn, ast.FunctionDef)
    branch = next(s for s in fn.body if isinstance(s, ast.If))
    assert ast.unparse(branch.test) == FLAG
    (augmented,) = [n for n in ast.walk(branch.body[0]) if isinstance(n, ast.AugAssign)]
    # s += ... is plain; only the product of two unknown items keeps its test.
    assert _text(augmented).startswith("s += _t1_ * ys[k] if _type_(")
    # The other copy tests s on every iteration, as before.
    (loop,) = branch.orelse
    assert isinstance(loop, ast.For) and isinstance(loop.body[0], ast.If)


def test_a_counter_started_at_zero_needs_only_the_flag() -> None:
    # s = 0 is an int, s += x a number whatever x is: the kinds meet in NUMBER, and the loop
    # runs without a test of s in any iteration.
    source = "def total(xs):\n    s = 0\n    for x in xs:\n        s += x\n    return s\n"
    fn = _compiled(source).body[0]
    assert isinstance(fn, ast.FunctionDef)
    branch = next(s for s in fn.body if isinstance(s, ast.If))
    assert ast.unparse(branch.test) == FLAG
    assert ast.unparse(branch.body[0].body[0]) == "s += x"


def test_a_script_naming_a_reflected_method_never_tests_the_flag() -> None:
    # Its own code turns the flag off before it runs: a test of it could only fail.
    source = ACCUMULATE + "\nclass V:\n    def __rmul__(self, other):\n        return self\n"
    tree = _compiled(source)
    assert _flag_tests(tree) == 0
    # Its type tests still version the loop.
    assert "_type_(s) is _float_" in _text(tree)
    assert _flag_tests(_compiled(ACCUMULATE)) > 0


def test_a_loop_that_yields_tests_no_flag_before_it() -> None:
    # A generator waits between iterations; the flag is tested only where nothing waits.
    source = "def feed(xs):\n    s = 0.0\n    for x in xs:\n        s += (yield s) * x\n"
    fn = _compiled(source).body[0]
    assert isinstance(fn, ast.FunctionDef)
    assert not any(isinstance(s, ast.If) for s in fn.body)
