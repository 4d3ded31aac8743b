"""Compile caps: sources that would crash or stall the compiler are refused before parsing.

Each refusal is ``SANDBOX_COMPILE_LIMIT`` with the line and a hint, in both tiers (the host
compiles for both), and the sandbox keeps working afterwards.
"""

from __future__ import annotations

import ast
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from host_api import DiagnosticCode, Limits
from sandbox import MAX_SOURCE_BYTES, ScriptRejected, check_script, create_sandbox
from sandbox.audit._corpus_compile import COMPILE_BOMBS
from sandbox.python._checker import Checker
from sandbox.python._expansion import (
    MAX_COMPILED_NODES,
    CompileBudgetExceeded,
    check_compiled,
    estimated_nodes,
)
from sandbox.python._source_limits import MAX_LINE_CHARS, MAX_NESTING, MAX_TOKENS, source_problem

from .conftest import make_rig

COMPAT = Path(__file__).parents[1] / "compat"

#: One nested construct per kind, ``n`` levels deep, spread over short lines.
SHAPES: dict[str, Callable[[int], str]] = {
    "binop": lambda n: "x = (\n" + "1 +\n" * n + "1)\n",
    "power": lambda n: "x = (\n" + "2 **\n" * n + "1)\n",
    "unary": lambda n: "x = (\n" + "-\n" * n + "1)\n",
    "not": lambda n: "x = (\n" + "not\n" * n + "True)\n",
    "parens": lambda n: "x = " + "(\n" * n + "1" + ")\n" * n,
    "brackets": lambda n: "x = " + "[\n" * n + "]\n" * n,
    "dicts": lambda n: "x = " + "{1:\n" * n + "1" + "}\n" * n,
    "lambdas": lambda n: "f = (\n" + "lambda:\n" * n + "1)\n",
    "lambda-defaults": lambda n: "f = (\n" + "lambda a, b=\n" * n + "0" + ": 0\n" * n + ")\n",
    "comprehensions": lambda n: "x = " + "[y for y in\n" * n + "[1]" + "]\n" * n,
    "attributes": lambda n: "x = (a\n" + ".b\n" * n + ")\n",
    "calls": lambda n: "x = (f\n" + "()\n" * n + ")\n",
    "subscripts": lambda n: "x = (a\n" + "[0]\n" * n + ")\n",
    "ifexp": lambda n: "x = (\n" + "1 if a else\n" * n + "1)\n",
    "fstring": lambda n: "x = f'''{" + "-\n" * n + "1}'''\n",
    "blocks": lambda n: (
        "".join(" " * i + "if x:\n" for i in range(40)) + " " * 40 + "y = (\n" + "-\n" * n + "1)\n"
    ),
}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("tier", ["inprocess", "process"])
def test_compile_bombs_are_refused_with_line_and_hint_in_both_tiers(tier: str) -> None:
    rig = make_rig("deep-mod", tier=tier)
    try:
        for bomb in COMPILE_BOMBS:
            with pytest.raises(ScriptRejected) as info:
                rig.sandbox.load("scripts/deep.py", bomb.source)
            error = info.value
            assert error.code == DiagnosticCode.SANDBOX_COMPILE_LIMIT, bomb.name
            assert error.mod_id == "deep-mod"
            assert error.file == "scripts/deep.py"
            assert "KiB" in error.hint and str(MAX_NESTING) in error.hint
            assert len(error.message) < 200  # never quotes the source back
            if "huge-literal" not in bomb.name:
                assert error.line is not None and error.line >= 1, bomb.name
        # The sandbox (and, in the process tier, its worker) kept working throughout.
        ok = rig.load("def on_tick(ctx, dt):\n    return 7\n", path="scripts/ok.py")
        assert rig.tick(ok) == 7
    finally:
        rig.sandbox.close()


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_the_nesting_scan_refuses_before_the_compiler_would_fail(shape: str) -> None:
    build = SHAPES[shape]
    deepest = max(n for n in range(1, 400) if source_problem(build(n)) is None)
    assert deepest < 400, "the scan must refuse long before the compiler's own limits"
    # Everything the scan lets through compiles without the compiler's own limits tripping.
    check = check_script(build(deepest), f"{shape}.py")
    assert not any(p.limit for p in check.errors), check.errors
    too_deep = check_script(build(deepest + 1), f"{shape}-deeper.py")
    assert too_deep.errors[0].limit
    assert "nests" in too_deep.errors[0].message


def test_ordinary_code_of_moderate_nesting_and_long_tables_compiles() -> None:
    rows = ",\n".join(f"    (-{i}, {i}.5, 'k{i}', {{'a': [{i}, -{i}]}})" for i in range(1500))
    source = (
        f"TABLE = [\n{rows}\n]\n"
        "def f(a, b, c, d, e):\n"
        "    return a + b * c - (d / e) ** 2 + (a if b > c else -c) + f'{a.real:>8.2f}{b!r}'\n"
        "g = lambda x, y=lambda z: -z: y(x) + 1\n"
    )
    assert len(source) < MAX_SOURCE_BYTES
    check = check_script(source, "table.py")
    assert check.ok, check.errors


def test_the_token_cap_bounds_the_work_of_the_compile_passes() -> None:
    line = "x = f(a, b.c, d[e])\n"  # 16 tokens, newline included
    at_cap = line * (MAX_TOKENS // 16 - 1)
    assert check_script(at_cap, "at-cap.py").ok
    over = check_script(at_cap + line * 2, "over.py")
    assert over.errors[0].limit and str(MAX_TOKENS) in over.errors[0].message
    commented = ("#\n\n" * MAX_TOKENS) + at_cap
    assert check_script(commented, "comments.py").ok  # comments and blank lines are free


def test_f_string_fields_count_as_tokens() -> None:
    # On Python 3.11 an f-string is one token however many fields it holds.
    line = "x = f'" + "{a}" * 1000 + "'\n"  # 4 tokens and 1,000 fields
    assert source_problem(line * 10) is None
    over = source_problem(line * 11)
    assert over is not None and str(MAX_TOKENS) in over.message and over.line == 11
    assert source_problem("x = f'{{a}}{{b}}'\n" * 8000) is None  # '{{' is no field


@pytest.mark.parametrize(
    ("line", "repeat"),
    [
        ("x = a * b + c * d - e\n", 2000),  # every operator guarded: under the token cap
        ("x = a % b % c % d % e % f\n", 2000),
        ("o.x[i] += a * b + c << d\n", 1500),
        ("x = f'{a}{b}{c}{d}{e}{g}{h}' * k\n", 1200),
    ],
)
def test_the_compiled_size_cap_refuses_before_the_expansion(line: str, repeat: int) -> None:
    source = line * repeat
    assert source_problem(source) is None  # under every source cap
    check = check_script(source, "expanding.py")
    assert not check.ok and check.errors[0].limit
    assert f"{MAX_COMPILED_NODES:,}" in check.errors[0].message
    assert "split the script" in check.errors[0].message
    # The line where the compiled form passes the cap, not the end of the script.
    assert check.errors[0].line is not None and 1 < check.errors[0].line < repeat
    # A tenth of it compiles.
    assert check_script(line * (repeat // 10), "tenth.py").ok


def test_the_estimate_tracks_the_compiled_size_of_real_scripts() -> None:
    for path in sorted(COMPAT.glob("*/*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        estimate = estimated_nodes(tree)
        errors: list[str] = []
        compiled = Checker(errors, [], {}).visit(ast.parse(path.read_text(encoding="utf-8")))
        if errors:
            continue
        actual = sum(1 for _ in ast.walk(compiled))
        assert actual < MAX_COMPILED_NODES // 10, path
        assert actual <= 2 * estimate, path  # versioned copies stay within a factor


def test_the_compiled_size_is_counted_after_instrumenting_too() -> None:
    tree = ast.parse("x = 1\n" * (MAX_COMPILED_NODES // 4 + 1))
    check_compiled(ast.parse("x = 1\n" * 100))
    with pytest.raises(CompileBudgetExceeded, match="more than"):
        check_compiled(tree)


def test_a_refused_expansion_is_a_compile_limit_fault_and_the_sandbox_goes_on() -> None:
    rig = make_rig()
    try:
        with pytest.raises(ScriptRejected) as info:
            rig.load("x = a * b + c * d - e\n" * 2000, "scripts/big.py")
        assert info.value.code is DiagnosticCode.SANDBOX_COMPILE_LIMIT
        assert "split" in str(info.value)
        ok = rig.load("def on_tick(ctx, dt):\n    return 2 * 3\n", "scripts/ok.py")
        assert rig.tick(ok) == 6
    finally:
        rig.sandbox.close()


def test_size_and_line_caps_name_the_limit() -> None:
    big = check_script("x = 1\n" * (MAX_SOURCE_BYTES // 6 + 1), "big.py")
    assert big.errors[0].limit and "KiB" in big.errors[0].message
    wide = check_script("x = 1\ny = '" + "a" * MAX_LINE_CHARS + "'\n", "wide.py")
    assert wide.errors[0].limit and wide.errors[0].line == 2
    multibyte = check_script("x = '" + "é" * (MAX_SOURCE_BYTES // 2) + "'\n", "utf8.py")
    assert multibyte.errors[0].limit  # counted in UTF-8 bytes, not characters


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("x = 1\x00\n", "null bytes"),
        ("x = " + "9" * 5000 + "\n", "4300"),
    ],
)
def test_sources_the_parser_refuses_past_restrictedpython_are_problems(
    source: str, fragment: str
) -> None:
    check = check_script(source, "odd.py")
    assert not check.ok
    assert fragment in check.errors[0].message
    with pytest.raises(ScriptRejected) as info:
        create_sandbox("odd", Limits(), tier="inprocess").load("odd.py", source)
    assert info.value.code == DiagnosticCode.SANDBOX_FORBIDDEN


@pytest.mark.parametrize(
    "chain",
    [
        lambda n: "x = (\n" + "2 **\n" * n + "1)\n",
        lambda n: "x = " + "a * (" * n + "1" + ")" * n + "\n",
        lambda n: "x = " + "a + (" * n + "1" + ")" * n + "\n",
    ],
    ids=["power", "mul", "add"],
)
def test_right_nested_chains_compile_to_code_linear_in_their_depth(
    chain: Callable[[int], str],
) -> None:
    # The numeric fast path writes the right operand twice; copying a right-nested chain
    # at every level would double the code per level (2**90 at the nesting cap).
    def size(n: int) -> int:
        check = check_script(chain(n), f"chain{n}.py")
        assert check.code is not None, check.errors
        return sum(len(c.co_code) for c in (check.code, *_nested_code(check.code)))

    assert size(44) < 3 * size(22)


def _nested_code(code: Any) -> list[Any]:
    return [c for c in code.co_consts if hasattr(c, "co_code")]


def test_the_compilers_own_recursion_limit_is_a_compile_limit_not_a_crash() -> None:
    # Whatever passes the scan but still exhausts the compiler's recursion (a host calling
    # check_script from deep in its own stack) is refused, never raised.
    source = "x = (\n" + "-\n" * 90 + "1)\n"
    limit = sys.getrecursionlimit()
    depth = len(inspect.stack(0))
    sys.setrecursionlimit(depth + 60)
    try:
        check = check_script(source, "recursing.py")
    finally:
        sys.setrecursionlimit(limit)
    assert not check.ok
    assert check.errors[0].limit
    assert "nested too deeply" in check.errors[0].message


@pytest.mark.parametrize("tier", ["inprocess", "process"])
def test_a_mods_scripts_share_one_bytecode_budget(
    tier: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sandbox.python import _rejections

    source = "def h(a, b, d, e, f, g):\n" + "".join(
        f"    x{i} = f(a, b.c, d[e]) + g(a)\n" for i in range(100)
    )
    size = check_script(source).bytecode
    monkeypatch.setattr(_rejections, "MAX_MOD_BYTECODE", 3 * size + size // 2)
    rig = make_rig(tier=tier)
    try:
        for n in range(3):
            rig.load(source + f"Y{n} = 0\n", f"scripts/s{n}.py")
        with pytest.raises(ScriptRejected) as info:
            rig.load(source + "Y3 = 0\n", "scripts/s3.py")
        assert info.value.code is DiagnosticCode.SANDBOX_COMPILE_LIMIT
        assert "bytecode in all" in str(info.value) and "split the mod" in info.value.hint
        # A small script still fits what is left; a new sandbox (a reload) starts afresh.
        ok = rig.load("def on_tick(ctx, dt):\n    return 5\n", "scripts/ok.py")
        assert rig.tick(ok) == 5
    finally:
        rig.sandbox.close()
    fresh = make_rig(tier=tier)
    try:
        fresh.load(source + "Y3 = 0\n", "scripts/s3.py")
    finally:
        fresh.sandbox.close()


def test_the_check_cache_is_bounded_by_what_it_holds() -> None:
    from sandbox.python._compiler import _CACHE, _CheckCache

    cache = _CheckCache(entries=3, nbytes=8000)
    checks = [check_script(f"x = {i}\n", f"s{i}.py") for i in range(5)]
    for i, check in enumerate(checks[:3]):
        cache.put((str(i), "p"), check, 900)
    assert len(cache) == 3 and cache.held == 2700
    cache.put(("3", "p"), checks[3], 900)  # past the count: the oldest goes
    assert cache.get(("0", "p")) is None and cache.get(("3", "p")) is checks[3]
    cache.put(("4", "p"), checks[4], 2000)  # past an eighth of the bytes: never kept
    assert cache.get(("4", "p")) is None and cache.held == 2700
    assert cache.get(("1", "p")) is checks[1]  # now the most recently used
    cache.put(("1", "p"), checks[1], 950)  # the same key again: counted once
    assert len(cache) == 3 and cache.held == 2750
    # The shared cache: a repeated check is the same object, and it stays within its bytes.
    source = "def f(a, b):\n    return a * b + 1\n"
    assert check_script(source, "scripts/same.py") is check_script(source, "scripts/same.py")
    assert _CACHE.held <= 16 * 1024 * 1024


def test_arithmetic_a_literal_makes_safe_weighs_nothing_extra() -> None:
    # i + 1, x * 2.5, n % 7 ... compile to the plain operator: 2,000 such lines compile.
    lines = "    a[i + 1] = a[i - 1] + 1\n    b = i * 2.5 + 3\n    c = 2 % i\n    a[i] += 1\n"
    source = "def f(a, i):\n" + lines * 500
    tree = ast.parse(source)
    assert estimated_nodes(tree) < MAX_COMPILED_NODES // 2
    assert check_script(source, "safe.py").ok
