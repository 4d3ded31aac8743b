"""Number chains (``_chains``): a run of arithmetic tests its first operand once, gives plain
Python's results for every mix of operand types, turns off for the whole mod as soon as any
script names a reflected method, and never makes the compiled code grow faster than the
source."""

from __future__ import annotations

import ast
import contextlib

import pytest

from host_api import Limits
from sandbox import ScriptFault, create_sandbox
from sandbox.python._chains import FLAG
from sandbox.python._checker import Checker
from tests.compat.harness import Sandboxed

TIERS = ["inprocess", "process"]

#: Each run of operators a chain covers, and some it covers only in part.
EXPRESSIONS = (
    "a + b + c", "a - b + c", "a * b + c", "a * b * c", "a / b + c", "a // b + c",
    "a % b + c", "a + b * c", "1 + a + b", "2.5 * a + b", "a * 3 + b", "a + b - c + a",
    "a * b + c * a", "(a + b) * c + a", "a * b - c // a", "a * b / c * a", "a * b % c - a",
)  # fmt: skip

TABLE = f"""
class Plus:
    def __add__(self, other):
        return "plus"


# c takes the first seven only: no sequence is repeated ten thousand times twice.
VALUES = [0, 3, -7, 2.5, 1j, True, None, "s", [1], (2,), Plus(), 10 ** 4]
EXPRESSIONS = {list(EXPRESSIONS)!r}


def table():
    out = []
    for a in VALUES:
        for b in VALUES:
            for c in VALUES[:7]:
{
    "".join(
        f'''                try:
                    out.append(repr({e})[:40])
                except Exception as exc:
                    out.append(type(exc).__name__)
'''
        for e in EXPRESSIONS
    )
}
    return out


def on_tick(ctx, dt):
    return table()
"""


#: Limits for running a whole table in one call.
TABLE_LIMITS = Limits(fuel=10_000_000, memory_mb=64, timeout_ms=20000)


def _plain_table(source: str) -> list[object]:
    """What ``table()`` of ``source`` returns as plain Python."""
    plain: dict[str, object] = {}
    exec(compile(source, "plain", "exec"), plain)
    return plain["table"]()  # type: ignore[operator, no-any-return]


@pytest.mark.parametrize("tier", TIERS)
def test_chains_give_plain_pythons_results_for_every_mix_of_types(tier: str) -> None:
    expected = _plain_table(TABLE)
    box = Sandboxed(TABLE, tier=tier, limits=TABLE_LIMITS)
    try:
        assert box.call(0.0) == expected
    finally:
        box.close()
    assert len(expected) == 12 * 12 * 7 * len(EXPRESSIONS)


def _compiled(source: str) -> ast.Module:
    errors: list[str] = []
    tree = Checker(errors, [], {}).visit(ast.parse(source))
    assert not errors
    return tree  # type: ignore[no-any-return]


def _chains(tree: ast.AST) -> list[ast.IfExp]:
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.IfExp)
        and FLAG in {x.id for x in ast.walk(n.test) if isinstance(x, ast.Name)}
    ]


def _type_tests(node: ast.AST) -> int:
    return sum(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_type_"
        for n in ast.walk(node)
    )


def test_a_run_of_operators_takes_one_type_test_on_its_fast_branch() -> None:
    tree = _compiled("def f(a, b, c, d):\n    return a[0] + b.x + c[1] + d\n")
    (chain,) = _chains(tree)
    assert _type_tests(chain.test) == 1
    assert _type_tests(chain.body) == 0
    assert ast.unparse(chain.body) == "_t1_ + b.x + c[1] + d"
    # The other branch guards each operator as before.
    assert _names(chain.orelse).count("_add_") == 3


def _names(node: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]


def test_int_code_multiplying_by_a_literal_opens_no_chain() -> None:
    # i * 7 + j: a float test first would only fail.
    tree = _compiled("def f(i, j, k):\n    return i * 7 + j + k\n")
    (chain,) = _chains(tree)
    # The chain starts after the product, with a number test (ints pass).
    assert "_mul_" in _names(chain.test)
    assert "_int_" in _names(chain.test)


def _nodes(tree: ast.AST) -> int:
    return sum(1 for _ in ast.walk(tree))


@pytest.mark.parametrize(
    "source",
    [
        # right-nested: each right operand holds the next chain
        "def f(a, b):\n    return " + "a + b + (" * 40 + "a" + ")" * 40 + "\n",
        # one long run
        "def f(a, b):\n    return " + " + ".join(["a", "b[0]"] * 40) + "\n",
        # runs whose right operands are runs of products
        "def f(a, b):\n    return " + " + ".join(["a * b * a"] * 60) + "\n",
        # left-nested parentheses
        "def f(a, b):\n    return " + "(" * 40 + "a" + " + b) * a" * 40 + "\n",
    ],
)
def test_the_copies_grow_the_code_linearly(source: str) -> None:
    plain, chained = _nodes(ast.parse(source)), _nodes(_compiled(source))
    # Each guarded operator's own test is about 40 nodes; a chain copies right operands once.
    assert chained < 150 * plain


def _flags(box: object) -> list[bool]:
    return [ns[FLAG] for ns in box._namespaces]  # type: ignore[attr-defined]


def test_a_script_naming_a_reflected_method_turns_chains_off_for_the_whole_mod() -> None:
    box = create_sandbox("m", Limits(), tier="inprocess")
    try:
        box.load("scripts/a.py", "def on_tick(ctx, dt):\n    return dt + dt + dt\n")
        assert _flags(box) == [True]
        box.load(
            "scripts/b.py",
            "class V:\n    def __rmul__(self, other):\n        return self\n",
        )
        # The script already loaded loses its chains too, before b's first line runs.
        assert _flags(box) == [False, False]
        box.load("scripts/c.py", "X = 1\n")
        assert _flags(box) == [False, False, False]
    finally:
        box.close()


@pytest.mark.parametrize(
    "source",
    [
        "def f():\n    class K:\n        def __radd__(self, o):\n            return o\n",
        "class K:\n    def add(self, o):\n        return o\n    __rsub__ = add\n",
        "NAME = '__rtruediv__'\n",
        "class K:\n    __slots__ = ('__rfloordiv__',)\n",
    ],
)
def test_every_way_a_script_can_name_one_is_found(source: str) -> None:
    box = create_sandbox("m", Limits(), tier="inprocess")
    with contextlib.suppress(Exception):  # refused or not, the name was seen first
        box.load("scripts/a.py", source)
    try:
        assert box._chains_ok is False  # type: ignore[attr-defined]
    finally:
        box.close()


def _refused_then_working(box: Sandboxed, code: str, text: str = "") -> None:
    """The call fails with ``code`` (and ``text``); the mod's next script still runs."""
    try:
        with pytest.raises(ScriptFault) as info:
            box.call(0.0)
        assert info.value.code == code
        assert text in str(info.value)
        plain = box.sandbox.load("scripts/ok.py", "def on_tick(ctx, dt):\n    return dt + dt + 1\n")
        assert box.sandbox.call(plain, "on_tick", box.ctx, 1.0) == 3.0
    finally:
        box.close()


@pytest.mark.parametrize("tier", TIERS)
def test_a_reflected_method_named_at_run_time_is_refused(tier: str) -> None:
    # A slot named by a string built at run time escapes the scan: the class is refused, so
    # the flag never changes under a running chain.
    source = (
        "def on_tick(ctx, dt):\n    op = 'add'\n"
        "    class K:\n        __slots__ = ('__r' + op + '__', 'x')\n    return 1 + 1.5 + dt\n"
    )
    box = Sandboxed(source, tier=tier)
    _refused_then_working(box, "SANDBOX_FORBIDDEN", "reflected arithmetic method")


@pytest.mark.parametrize("tier", TIERS)
def test_a_reflected_method_handing_back_a_list_is_stopped_at_the_limit(tier: str) -> None:
    source = (
        "class K:\n    def __radd__(self, other):\n        return self.x\n"
        "def on_tick(ctx, dt):\n    x = [0]\n    k = K()\n    for i in range(30):\n"
        "        k.x = x\n        x = 1 + k + x + x\n    return len(x)\n"
    )
    box = Sandboxed(source, tier=tier, limits=Limits(memory_mb=16, timeout_ms=2000))
    _refused_then_working(box, "SANDBOX_MEMORY_LIMIT")


PROVEN = """
def relax(g, omega):
    o4 = omega * 0.25
    o1 = 1.0 - omega
    for j in range(1, len(g) - 1):
        g[j] = o4 * (g[j - 1] + g[j + 1]) + o1 * g[j]
    return g


def on_tick(ctx, dt):
    out = []
    for a in [2, 2.5, 1j, True, "s", [1], None]:
        for b in [3, 0.5, 2j, False, "t", (1,), None]:
            for w in [0.5, 2]:
                try:
                    out.append(repr(relax([a, b, a, b], w)))
                except Exception as exc:
                    out.append(type(exc).__name__)
    return out
"""


def test_a_run_after_an_operator_the_compiler_proved_takes_no_type_test() -> None:
    # In the copy where o4 and o1 tested as floats and the flag as true, o4 * (...) is a
    # float (or a TypeError): the + after it is plain Python, no chain and no test.
    tree = _compiled(PROVEN)
    flagged = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.If)
        and FLAG in {x.id for x in ast.walk(n.test) if isinstance(x, ast.Name)}
    ]
    assert len(flagged) == 2  # before the loop, and again in each iteration of its other copy
    for branch in flagged:
        (assign,) = [n for n in ast.walk(branch.body[0]) if isinstance(n, ast.Assign)]
        assert isinstance(assign.value, ast.BinOp)
        assert ast.unparse(assign.value.right) == "o1 * g[j]"
        assert ast.unparse(assign.value.left).startswith("o4 * (")


PROVEN_GENERATOR = """
def relax(g):
    o4 = 0.5
    for j in range(1, len(g) - 1):
        g[j] = o4 * (g[j - 1] + g[j + 1]) + (yield)
"""


def test_where_the_flag_is_not_tested_a_proven_start_still_tests_it() -> None:
    # A loop that yields never tests the flag before it (the flag could change while the
    # generator waits): the run after the proven product tests the flag, not a type.
    proven = [c for c in _chains(_compiled(PROVEN_GENERATOR)) if _is_bound_check(c.test)]
    assert len(proven) == 1
    assert ast.unparse(proven[0].body) == "_t2_ + (yield)"


def _is_bound_check(test: ast.expr) -> bool:
    """``(_t_ := value) is _t_ and _CHAIN_``: no type asked for."""
    first = test.values[0] if isinstance(test, ast.BoolOp) else test
    return (
        isinstance(first, ast.Compare)
        and isinstance(first.left, ast.NamedExpr)
        and isinstance(first.ops[0], ast.Is)
    )
    plain: dict[str, object] = {}
    exec(compile(PROVEN, "plain", "exec"), plain)
    box = Sandboxed(PROVEN)
    try:
        assert box.call(0.0) == plain["on_tick"](None, 0.0)  # type: ignore[operator]
    finally:
        box.close()


def test_an_int_product_opening_a_chain_runs_the_rest_plain() -> None:
    # Past the float test, a second branch: two ints within the bounds, then plain operators
    # on the right operand that test evaluated (never evaluated twice).
    tree = _compiled("def f(a, b, c):\n    return a * b.x + c - a // 3\n")
    chain = _chains(tree)[0]  # the outermost: ast.walk goes breadth first
    ints = chain.orelse
    assert isinstance(ints, ast.IfExp)
    assert ast.unparse(ints.body) == "_t1_ * _u1_ + c - a // 3"
    assert _reads_of_x(ints.test) == 1 and _reads_of_x(ints.orelse) == 0
    # An int times anything else in the chain could repeat a sequence: no int branch.
    other = _chains(_compiled("def f(a, b, c):\n    return a * b * c + a\n"))
    assert other and not any(ast.unparse(c.body).startswith("_t1_ * _u1_") for c in other)


def _reads_of_x(node: ast.AST) -> int:
    return sum(isinstance(n, ast.Attribute) and n.attr == "x" for n in ast.walk(node))


#: Int products at and past the inline bounds and the small-factor size, in a chain, with
#: operands of every kind after them.
INT_PRODUCTS = """
class I(int):
    pass

BIG = [1 << 60000, (1 << 64) - 1, 1 << 64, -((1 << 64) - 1), 1 << 49999, 3, -5, True, I(7)]
REST = [1, 2.5, 1j, "s", None, [0], 1 << 70000]


def table():
    out = []
    for a in BIG:
        for b in BIG:
            for c in REST:
                for text in ("a * b + c", "a * b - c // 7", "a * b / 3 + c"):
                    try:
                        out.append(hash(eval_one(text, a, b, c)))
                    except Exception as exc:
                        out.append(type(exc).__name__)
    return out


def eval_one(text, a, b, c):
    if text == "a * b + c":
        return a * b + c
    if text == "a * b - c // 7":
        return a * b - c // 7
    return a * b / 3 + c


def on_tick(ctx, dt):
    return table()
"""


@pytest.mark.parametrize("tier", TIERS)
def test_int_products_in_chains_match_plain_python_or_meet_the_cap(tier: str) -> None:
    box = Sandboxed(INT_PRODUCTS, tier=tier, limits=TABLE_LIMITS)
    try:
        with pytest.raises(ScriptFault) as info:
            box.call(0.0)
        # (1 << 60000) squared is past the cap: the guard refuses it, as outside a chain.
        assert info.value.code == "SANDBOX_MEMORY_LIMIT" and "would build an int" in str(info.value)
    finally:
        box.close()
    # Without the one product past the cap, the sandbox gives plain Python's results.
    safe = INT_PRODUCTS.replace("1 << 60000, ", "")
    box = Sandboxed(safe, tier=tier, limits=TABLE_LIMITS)
    try:
        assert box.call(0.0) == _plain_table(safe)
    finally:
        box.close()
