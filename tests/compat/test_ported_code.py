"""What a file ported from an ordinary Python project needs beyond the language itself: the
parts that assume a terminal or a ``__main__`` run compile and fail only where they run."""

from __future__ import annotations

import sys

import pytest

from host_api import Limits
from sandbox import ScriptFault, ScriptRejected, check_script
from tests.compat.harness import Sandboxed

TIERS = ["inprocess", "process"]


def _run(source: str, tier: str = "inprocess") -> list[str]:
    """Load ``source`` and call its ``on_tick``; the lines it printed."""
    box = Sandboxed(source, tier=tier)
    try:
        box.call(0.0)
        return box.lines()
    finally:
        box.close()


def _fault(source: str, tier: str) -> ScriptFault:
    box = Sandboxed(source, tier=tier, limits=Limits(fuel=100_000, memory_mb=64, timeout_ms=5_000))
    try:
        with pytest.raises(ScriptFault) as caught:
            box.call(0.0)
        return caught.value
    finally:
        box.close()


def test_main_guard_is_skipped_with_its_imports() -> None:
    source = (
        "def double(x):\n    return 2 * x\n\n"
        'if __name__ == "__main__":\n    import doctest\n    import sys\n'
        "    doctest.testmod()\n    print(sys.argv)\n"
        "else:\n    print('imported', double(4))\n"
        "def on_tick(ctx, dt):\n    print('tick', double(1))\n"
    )
    check = check_script(source)
    assert check.ok
    assert any("never runs in a mod" in w for w in check.warnings)
    assert _run(source) == ["imported 8", "tick 2"]


def test_main_guard_written_either_way_round() -> None:
    source = "if '__main__' == __name__:\n    import os\n    os.system('x')\n"
    assert check_script(source).ok


@pytest.mark.parametrize("test", ['__name__ == "other"', '__name__ != "__main__"', "True"])
def test_a_guard_on_something_else_is_still_checked(test: str) -> None:
    # Only the exact main guard is skipped; any other branch may run, so it is checked.
    check = check_script(f"if {test}:\n    eval('1')\n")
    assert not check.ok
    assert check.errors[0].line == 2


@pytest.mark.parametrize("tier", TIERS)
def test_import_in_a_function_raises_where_it_runs(tier: str) -> None:
    source = (
        "def bench():\n    from timeit import timeit\n    return timeit('1')\n"
        "def on_tick(ctx, dt):\n"
        "    try:\n        bench()\n    except ImportError as err:\n"
        "        print(type(err).__name__, 'timeit' in str(err))\n"
    )
    assert _run(source, tier) == ["ModuleNotFoundError True"]


@pytest.mark.parametrize("tier", TIERS)
def test_an_uncaught_unavailable_import_is_a_forbidden_fault_with_its_line(tier: str) -> None:
    fault = _fault("def on_tick(ctx, dt):\n    x = 1\n    import os\n    return os\n", tier)
    assert fault.code == "SANDBOX_FORBIDDEN"
    assert fault.line == 3
    assert 'import of "os" is not allowed' in fault.message


def test_an_optional_import_falls_back() -> None:
    source = (
        "try:\n    import numpy as np\nexcept ImportError:\n    np = None\n"
        "def on_tick(ctx, dt):\n    print(np is None)\n"
    )
    assert _run(source) == ["True"]


@pytest.mark.parametrize(
    "statement", ["import os", "from time import time", "import os.path", "from . import x"]
)
def test_an_import_in_the_module_body_is_refused_at_load(statement: str) -> None:
    check = check_script(statement + "\n")
    assert not check.ok
    assert check.errors[0].line == 1
    assert "is not allowed" in check.errors[0].message
    with pytest.raises(ScriptRejected):
        Sandboxed(statement + "\n")


@pytest.mark.parametrize("tier", TIERS)
def test_terminal_builtins_compile_and_raise_when_called(tier: str) -> None:
    source = (
        "def ask():\n    return input('n? ')\n"
        "def on_tick(ctx, dt):\n"
        "    for f in (ask, exit, quit, help):\n"
        "        try:\n            f()\n        except (EOFError, RuntimeError) as err:\n"
        "            print(type(err).__name__, str(err).split(':')[0])\n"
    )
    assert _run(source, tier) == [
        "EOFError input()",
        "RuntimeError exit()",
        "RuntimeError quit()",
        "RuntimeError help()",
    ]


@pytest.mark.parametrize("tier", TIERS)
def test_base_exception_is_exception_and_catches_no_limit(tier: str) -> None:
    source = (
        "class Overflow(BaseException):\n    pass\n"
        "def on_tick(ctx, dt):\n"
        "    try:\n        raise Overflow('full')\n    except Exception as err:\n"
        "        print('caught', err)\n"
        "    try:\n        [][1]\n    except BaseException as err:\n"
        "        print(type(err).__name__)\n"
        "    try:\n        while True:\n            pass\n    except BaseException:\n"
        "        print('swallowed')\n"
    )
    fault = _fault(source, tier)
    assert fault.code == "SANDBOX_FUEL_EXHAUSTED"


def test_base_exception_catch_all_sees_script_errors() -> None:
    source = (
        "def on_tick(ctx, dt):\n"
        "    try:\n        {}['k']\n    except BaseException as err:\n"
        "        print(type(err).__name__, isinstance(err, BaseException))\n"
    )
    assert _run(source) == ["KeyError True"]


def test_module_metadata_names() -> None:
    source = (
        '__all__ = ["on_tick"]\n__version__ = "2.0"\n__author__ = "someone"\n'
        "def on_tick(ctx, dt):\n    print(__version__, __all__)\n"
    )
    assert _run(source) == ["2.0 ['on_tick']"]


@pytest.mark.parametrize(
    "source",
    [
        "def f():\n    __all__ = []\n",  # only the module body binds them
        "__builtins__ = {}\n",
        "__fuel__ = 1\n",
        "class A:\n    __version__ = 1\n",
    ],
)
def test_other_dunder_names_stay_reserved(source: str) -> None:
    assert not check_script(source).ok


def test_an_unfinished_line_of_a_module_body_is_printed() -> None:
    source = "for i in range(3):\n    print(i, end=' ')\ndef on_tick(ctx, dt):\n    pass\n"
    box = Sandboxed(source)
    try:
        assert box.lines() == ["0 1 2 "]
    finally:
        box.close()


def test_a_deferred_import_of_a_huge_name_is_reported_short() -> None:
    # The module name is the script's text: the fault quotes it cut, not whole.
    name = ".".join(["m" * 200] * 70)  # under the 16 KiB line cap
    fault = _fault(f"def on_tick(ctx, dt):\n    import {name}\n", "inprocess")
    assert fault.code == "SANDBOX_FORBIDDEN"
    assert fault.line == 2
    assert len(fault.message) < 1_000


@pytest.mark.parametrize("tier", TIERS)
def test_sys_gives_the_constants_ported_code_reads(tier: str) -> None:
    source = (
        "import sys\nfrom sys import maxsize\nsys.setrecursionlimit(10**6)\n"
        "def on_tick(ctx, dt):\n"
        "    print(maxsize == sys.maxsize, sys.float_info.max, sys.version_info[:2])\n"
        "    print(sys.argv, sys.getrecursionlimit(), sys.byteorder)\n"
        "    try:\n        sys.exit(2)\n    except RuntimeError as err:\n        print(err)\n"
    )
    assert _run(source, tier) == [
        f"True {sys.float_info.max} {tuple(sys.version_info[:2])}",
        # The host's depth stays: setrecursionlimit is accepted and changes nothing.
        f"['compat'] {sys.getrecursionlimit()} {sys.byteorder}",
        "sys.exit(): scripts cannot stop the host; return from the hook",
    ]


def test_sys_argv_belongs_to_one_mod() -> None:
    first = Sandboxed("import sys\ndef on_tick(ctx, dt):\n    sys.argv.append('x')\n")
    second = Sandboxed("import sys\ndef on_tick(ctx, dt):\n    print(sys.argv)\n")
    try:
        first.call(0.0)
        second.call(0.0)
        assert second.lines() == ["['compat']"]
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize(
    ("statement", "why"),
    [
        ("x = sys.modules", "it holds the host's modules"),
        ("x = sys.stdout", "print() writes to the mod's log"),
        ("x = sys.exc_info()", "traceback reaches the host's frames"),
        ("sys.settrace(print)", "outside its fuel"),
    ],
)
def test_the_interpreters_state_in_sys_is_refused_with_the_reason(statement: str, why: str) -> None:
    check = check_script("import sys\n" + statement + "\n")
    assert not check.ok
    assert check.errors[0].line == 2
    assert "left out of the sandbox" in check.errors[0].message
    assert why in check.errors[0].message


@pytest.mark.parametrize("bad", ["'deep'", "0"])
def test_setrecursionlimit_checks_its_argument(bad: str) -> None:
    source = f"import sys\ndef on_tick(ctx, dt):\n    sys.setrecursionlimit({bad})\n"
    box = Sandboxed(source)
    try:
        with pytest.raises(ScriptFault) as info:
            box.call(0.0)
        assert info.value.code == "SANDBOX_ERROR"
    finally:
        box.close()
