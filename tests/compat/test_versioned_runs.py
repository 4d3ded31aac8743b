"""Float-versioned runs: straight-line float code tests its locals once and runs unguarded,
gives plain Python's results for every type it is called with, and stays contained when a
tested name changes type."""

from __future__ import annotations

import ast
import gc

import pytest

from host_api import Limits
from sandbox import ScriptFault, check_script
from sandbox.python._chains import FLAG
from sandbox.python._checker import Checker
from sandbox.python._compiler import _checked
from tests.compat.harness import Sandboxed, run_plain

TIERS = ["inprocess", "process"]

KERNEL = """
def step(x1, x2, dt, m):
    dx = x1 - x2
    mag = dt * (dx * dx + 1.0) ** -1.5
    b = m * mag
    return dx * b + b * b, mag
"""


def _compiled(source: str) -> ast.Module:
    """The tree a script runs as, after both compiler passes."""
    errors: list[str] = []
    tree = Checker(errors, [], {}).visit(ast.parse(source))
    assert not errors
    return tree


class _Short(ast.NodeTransformer):
    """Big int literals (the inline bounds) shown as a name: unparse cannot print them."""

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if type(node.value) is int and node.value.bit_length() > 64:
            return ast.Name("BOUND", ast.Load())
        return node


def _text(tree: ast.AST) -> str:
    return ast.unparse(_Short().visit(tree))


def _same_as_plain(source: str) -> list[str]:
    """The lines ``source`` prints in a sandbox, checked against plain Python's."""
    box = Sandboxed(source)
    try:
        lines = box.lines()
    finally:
        box.close()
    assert lines == run_plain(source)
    return lines


def _stopped_by_the_memory_limit(source: str, tier: str) -> list[str]:
    """Call ``source``'s ``on_tick`` in ``tier`` under a 16 MiB limit: it must fault with
    ``SANDBOX_MEMORY_LIMIT``. The lines it printed first."""
    box = Sandboxed(source, tier=tier, limits=Limits(fuel=100_000, memory_mb=16, timeout_ms=5_000))
    try:
        with pytest.raises(ScriptFault) as caught:
            box.call(0.5)
        assert caught.value.code == "SANDBOX_MEMORY_LIMIT"
        return box.lines()
    finally:
        box.close()


def _tested_before_loop(source: str, index: int) -> tuple[ast.If, set[str]]:
    """The test written before the loop of function ``index`` of ``source`` (the whole loop
    copied, fewer guards in the copy) and the names it tests."""
    fn = _compiled(source).body[index]
    assert isinstance(fn, ast.FunctionDef)
    branch = fn.body[-2]
    assert isinstance(branch, ast.If) and isinstance(branch.body[0], ast.For)
    assert _guard_calls(branch.body) < _guard_calls(branch.orelse)
    return branch, {n.args[0].id for n in ast.walk(branch.test) if isinstance(n, ast.Call)}


def _guard_calls(nodes: list[ast.stmt]) -> int:
    wrapped = ast.Module(body=nodes, type_ignores=[])
    guard_calls = {"_mul_", "_add_", "_iop_"}
    return sum(
        1
        for n in ast.walk(wrapped)
        if isinstance(n, ast.IfExp)
        or (isinstance(n, ast.Call) and getattr(n.func, "id", "") in guard_calls)
    )


def test_a_float_run_is_tested_once_and_its_copy_has_no_guard() -> None:
    step = _compiled(KERNEL).body[0]
    assert isinstance(step, ast.FunctionDef)
    branch = next(s for s in step.body if isinstance(s, ast.If))
    tested = {n.args[0].id for n in ast.walk(branch.test) if isinstance(n, ast.Call)}
    # With the chain flag tested (no reflected method in the mod), x1 - x2 is a float
    # whatever x2 is once x1 is one, and so is m * mag once m is: two type tests and the flag
    # prove every operator (mag itself need not be known: dt * <a float> is safe).
    assert tested == {"x1", "m"}
    assert FLAG in {n.id for n in ast.walk(branch.test) if isinstance(n, ast.Name)}
    assert _guard_calls(branch.body) == 0
    assert _guard_calls(branch.orelse) > 0


@pytest.mark.parametrize(
    "args",
    [
        "3.0, 1.0, 0.01, 2.0",  # floats: the unguarded copy
        "3, 1, 1, 2",  # ints: the guarded copy, int arithmetic
        "3.0, 1, 0.5, 2",  # mixed
        "3 + 1j, 1.0, 0.5, 2.0",  # complex
        "True, False, 0.5, 2.0",  # bools are not floats
    ],
)
def test_every_argument_type_gives_plain_pythons_result(args: str) -> None:
    source = KERNEL + f"print(step({args}))\n"
    _same_as_plain(source)


def test_the_run_after_a_rebinding_is_checked_again() -> None:
    source = (
        "def f(a, s):\n    x = a * a * a\n    a = s\n    return x, a * 3\n"
        "print(f(2.0, 'ab'), f(2.0, [1]), f(1.5, 2))\n"
    )
    _same_as_plain(source)


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize(
    "body",
    [
        # a walrus, an unpacking, an annotated assignment and a del rebinding the tested name
        "a = dt * dt * dt\n    b = (dt := S)\n    return dt * N",
        "a = dt * dt * dt\n    dt, b = S, 0\n    return dt * N",
        "a = dt * dt * dt\n    dt: str = S\n    return dt * N",
        "a = dt * dt * dt\n    del dt\n    dt = S\n    return dt * N",
        # a nested function rebinding it through nonlocal
        "def swap():\n        nonlocal dt\n        dt = S\n    a = dt * dt * dt\n    swap()\n"
        "    return dt * N",
    ],
)
def test_a_tested_name_rebound_to_a_string_is_guarded_again(tier: str, body: str) -> None:
    source = f"S = 'ab' * 1000\nN = 60000\ndef on_tick(ctx, dt):\n    {body}\n"
    _stopped_by_the_memory_limit(source, tier)


@pytest.mark.parametrize("tier", TIERS)
def test_a_function_warmed_with_floats_still_guards_a_string(tier: str) -> None:
    source = (
        "def grow(v, n):\n    return v * n + v * n\n"
        "def on_tick(ctx, dt):\n    print(grow(dt, 3.0))\n    return grow('ab' * 1000, 60000)\n"
    )
    assert "3.0" in _stopped_by_the_memory_limit(source, tier)


def test_an_unassigned_name_is_not_tested_before_the_statements_before_it() -> None:
    # 'late' is bound only in a branch: testing it at the run's start would raise
    # UnboundLocalError before the print. It must fail where plain Python fails.
    source = (
        "def f(flag, dt):\n    if flag:\n        late = 2.0\n    print('before')\n"
        "    return late * dt * late\n"
        "try:\n    f(False, 1.0)\nexcept NameError as e:\n    print('unbound')\n"
        "print(f(True, 0.5))\n"
    )
    assert _same_as_plain(source) == ["before", "unbound", "before", "2.0"]


def test_a_huge_function_compiles_with_its_search_bounded() -> None:
    # Many long runs of float arithmetic: the search stops at its node budget; the script
    # still compiles and runs correctly (the rest unversioned).
    line = "    a = a * b + b * a - a * 0.5\n"
    source = "def f(a, b):\n" + line * 30 + "    return a\n"
    source += "".join(f"def g{i}(a, b):\n" + line * 30 + "    return a\n" for i in range(10))
    source += "print(f(0.5, 0.25))\n"
    _same_as_plain(source)


INT_KERNEL = """
MASK = 0xFFFF
def mix(v, s):
    for _ in range(4):
        v = (v + ((v << 3) ^ (v >> 2)) + s) & MASK
        s = (s + 0x9E37) & MASK
    return v, s
"""


def test_an_int_loop_is_tested_for_ints_once_and_module_constants_need_no_test() -> None:
    # v and s keep their kind in every iteration ((... ) & MASK of ints is an int): tested
    # once, before the loop. MASK is a module constant: never tested.
    branch, tested = _tested_before_loop(INT_KERNEL, 1)
    assert tested == {"v", "s"}
    assert "_int_" in _text(branch.test)


@pytest.mark.parametrize("args", ["1234, 77", "True, 1", "2**40000, 3", "2**49000 * 2**2000, 3"])
def test_int_runs_give_plain_pythons_result(args: str) -> None:
    source = INT_KERNEL + f"print(mix({args}))\n"
    _same_as_plain(source)


@pytest.mark.parametrize("tier", TIERS)
def test_an_int_tested_square_still_meets_the_size_bound(tier: str) -> None:
    # x is an int in every iteration (3, then ints of ints): no test at all, but x * x keeps
    # its bounds test and so stops where an unversioned script stops.
    source = (
        "def on_tick(ctx, dt):\n    x = 3\n    for i in range(40):\n        x = x * x + x % 7 + 1\n"
    )
    text = _text(_compiled(source))
    # Either factor small (below 2**64), or both within the bounds.
    bounds = "-BOUND < (_u1_ := x) < BOUND or -BOUND < _t1_ < BOUND or (-BOUND < _t1_ < BOUND"
    assert bounds in text and "_type_(x)" not in text
    _stopped_by_the_memory_limit(source, tier)


@pytest.mark.parametrize(
    "rebinding",
    [
        "def swap():\n    global K\n    K = S\n",  # a global statement anywhere
        "K = S\n",  # a second assignment
        "class C:\n    K = S\n",  # a class attribute of the same name (conservatively)
        "def f(K=S):\n    return K\n",  # a parameter of the same name
    ],
)
def test_a_name_bound_twice_is_no_module_constant(rebinding: str) -> None:
    source = f"S = 'ab'\nK = 3\n{rebinding}def on_tick(ctx, dt):\n    return K * dt * 2 + K % 5\n"
    assert "K * dt" not in _text(_compiled(source))
    constant = "S = 'ab'\nK = 3\ndef on_tick(ctx, dt):\n    return K * dt * 2 + K % 5\n"
    assert "K % 5" in _text(_compiled(constant))


def test_a_versioned_function_keeps_its_docstring() -> None:
    source = (
        'def f(a, b):\n    """Scale."""\n    c = a * b\n    return c * c + a * b * 0.5\n'
        "print(f.__doc__, f(1.5, 2.0), f(2, 3))\n"
    )
    assert "_type_(a) is _float_" in _text(_compiled(source))
    assert _same_as_plain(source) == ["Scale. 10.5 39.0"]


LOOP_KERNEL = """
def relax(grid, omega, cycles):
    w = omega * 0.25
    for _ in range(cycles):
        for row in grid:
            for j in range(1, len(row) - 1):
                row[j] = w * (row[j - 1] + row[j + 1]) + (1.0 - omega) * row[j]
    return grid
"""


def test_a_loop_tests_the_names_it_never_binds_once_before_it() -> None:
    branch, tested = _tested_before_loop(LOOP_KERNEL, 0)
    # (1.0 - omega) is a float whatever omega is while the flag holds: only w is tested.
    assert tested == {"w"}
    assert FLAG in {n.id for n in ast.walk(branch.test) if isinstance(n, ast.Name)}


@pytest.mark.parametrize("args", ["1.25, 3", "1, 3", "True, 2", "1 + 0.5j, 2"])
def test_loop_versions_give_plain_pythons_result(args: str) -> None:
    source = LOOP_KERNEL + f"print(relax([[1.0, 2.0, 4.0, 8.0], [3, 5, 7, 9]], {args}))\n"
    _same_as_plain(source)


def test_a_name_the_loop_rebinds_to_another_kind_is_not_tested_before_it() -> None:
    source = (
        "def f(k, n):\n    for i in range(3):\n        a = k * k * 1.5\n        k = [a]\n"
        "    return k * n\n"
    )
    loop = _compiled(source).body[0].body[1]
    assert isinstance(loop, ast.For)  # no test of k before the loop: it changes inside


def test_a_name_set_first_in_each_iteration_carries_its_kind() -> None:
    # a is set before anything reads it in every iteration, so k = a keeps k a float.
    source = (
        "def f(k, n):\n    for i in range(3):\n        a = k * k * 1.5\n        k = a\n"
        "    return k * n\n"
    )
    branch = _compiled(source).body[0].body[1]
    assert isinstance(branch, ast.If) and isinstance(branch.body[0], ast.For)
    assert _guard_calls(branch.body[0].body) == 0
    # Read before it is set (its value from before the loop): not carried.
    late = source.replace("a = k * k * 1.5\n        k = a", "k = a\n        a = k * k * 1.5")
    loop = _compiled("a = 0\n" + late.replace("(k, n)", "(k, n, a=None)")).body[1].body[1]
    assert isinstance(loop, ast.For)
    for args in ("2.0, 3", "2, 3", "1j, 2"):
        _same_as_plain(source + f"print(f({args}))\n")


def test_an_accumulator_started_at_zero_is_tested_as_any_number() -> None:
    source = (
        "def mean(xs):\n    s = 0\n    for x in xs:\n        s += x\n    return s / len(xs)\n"
        "print(mean([1, 2.5, 3]), mean([1, 2]), mean([1j, 2]))\n"
    )
    text = _text(_compiled(source))
    assert "_type_(s) in _NUM_" in text
    _same_as_plain(source)


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize(
    "source",
    [
        # an int learned from a literal, then made a string by a closure or another function
        "def on_tick(ctx, dt):\n    def swap():\n        nonlocal s\n        s = 'ab' * 1000\n"
        "    s = 0\n    swap()\n    for k in range(40):\n        s = s + s\n",
        "S = None\ndef swap():\n    global S\n    S = 'ab' * 1000\n"
        "def on_tick(ctx, dt):\n    global S\n    S = 0\n    swap()\n    return S * 60000\n",
        "def on_tick(ctx, dt):\n    g = ((s := 'ab' * 1000) for _ in range(1))\n    s = 0\n"
        "    for k in range(40):\n        next(g, None)\n        s = s + s\n",
    ],
)
def test_a_name_something_else_can_rebind_is_never_learned(tier: str, source: str) -> None:
    _stopped_by_the_memory_limit(source, tier)


def test_compiling_leaves_no_syntax_tree_for_the_cyclic_collector() -> None:
    # A tree left in a reference cycle is freed only by a full collection: a pause of many
    # milliseconds in some later call (in the process tier, long enough to be killed).
    source = KERNEL + INT_KERNEL + LOOP_KERNEL + "def g(a, b):\n    a += b * 2.5\n    a *= a\n"
    check_script(source)  # warm: import-time objects are not this compile's garbage
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        assert _checked(source, "<script>").ok  # compiled again, past the cache
        gc.collect()
        leaked = [o for o in gc.garbage if isinstance(o, ast.AST)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert leaked == []
