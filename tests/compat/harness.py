"""Run a pure-Python file as plain Python and inside a sandbox, and capture what it prints.

Shared by ``tests/compat`` and ``benchmarks/bench_compat.py``. A file runs unchanged: in the
sandbox, its module body runs as a mod script's module body and its ``print()`` lines go to
the mod's log, collected from a :class:`host_api.testing.FakeWorld`.
"""

from __future__ import annotations

import contextlib
import io
import sys
import types
from pathlib import Path
from typing import Any

from host_api import Limits, ScriptContext
from host_api.testing import recording_api
from sandbox import ScriptFault, ScriptSandbox, create_sandbox

HERE = Path(__file__).parent
PROGRAMS = sorted((HERE / "programs").glob("*.py"))
BENCHMARKS = sorted((HERE / "benchmarks").glob("*.py"))
#: Generous limits: the corpus checks what runs, not how much a tick may do.
LIMITS = Limits(fuel=2_000_000_000, memory_mb=256, timeout_ms=60_000)
#: The hook a benchmark run appends: ``dt`` carries the benchmark's size.
BENCH_HOOK = "\n\ndef on_tick(ctx, dt):\n    return run(int(dt))\n"
_FLUSH = "def on_tick(ctx, dt):\n    pass\n"


def run_plain(source: str, name: str = "compat") -> list[str]:
    """The lines ``source`` prints when run as ordinary Python (module ``__name__`` not main)."""
    out = io.StringIO()
    module = types.ModuleType(name)
    sys.modules[name] = module  # dataclasses looks string annotations up in the module
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(source, name, "exec"), module.__dict__)
    finally:
        del sys.modules[name]
    return out.getvalue().splitlines()


class Sandboxed:
    """One file loaded into a fresh sandbox of ``tier``; ``lines`` is what it printed."""

    def __init__(
        self,
        source: str,
        *,
        tier: str = "inprocess",
        path: str = "scripts/prog.py",
        limits: Limits = LIMITS,
    ) -> None:
        self.api, self.world, _ = recording_api("compat")
        self.sandbox: ScriptSandbox = create_sandbox("compat", limits, tier=tier)
        self.ctx = ScriptContext(self.api, {}, None)
        self.module = self.sandbox.load(path, source)
        self._flush = self.sandbox.load("scripts/flush.py", _FLUSH)

    def lines(self) -> list[str]:
        self.sandbox.call(self._flush, "on_tick", self.ctx, 0.0)
        return [text for _, text in self.world.logs]

    def call(self, *args: Any) -> Any:
        return self.sandbox.call(self.module, "on_tick", self.ctx, *args)

    def close(self) -> None:
        self.sandbox.close()


def run_sandboxed(source: str, *, tier: str = "inprocess") -> list[str]:
    """The lines ``source`` prints in a sandbox of ``tier``."""
    box = Sandboxed(source, tier=tier)
    try:
        return box.lines()
    finally:
        box.close()


def outcome_table(*calls: str) -> str:
    """Script text of ``table()``: for each pair ``a, b`` of the script's ``VALUES``, what each
    of ``calls`` gives (its repr, or its exception's name), and a hook returning it. The same
    text runs as plain Python and as a mod script, so the two lists can be compared."""
    thunks = ", ".join(f"lambda: {call}" for call in calls)
    return f"""
def table():
    out = []
    for a in VALUES:
        for b in VALUES:
            for call in ({thunks},):
                try:
                    out.append(repr(call())[:60])
                except Exception as exc:
                    out.append(type(exc).__name__)
    return out


def on_tick(ctx, dt):
    return table()
"""


def hook_result_as_plain(source: str, *, tier: str = "inprocess", limits: Limits = LIMITS) -> None:
    """Assert that ``on_tick(None, 0.0)`` of ``source`` returns the same as plain Python and
    as a mod script in a sandbox of ``tier``."""
    plain: dict[str, Any] = {}
    exec(compile(source, "plain", "exec"), plain)
    box = Sandboxed(source, tier=tier, limits=limits)
    try:
        assert box.call(0.0) == plain["on_tick"](None, 0.0)
    finally:
        box.close()


def hook_fault(source: str, *, tier: str = "inprocess", limits: Limits = LIMITS) -> Any:
    """The ``ScriptFault`` that loading ``source`` or calling its ``on_tick`` ends in (the
    test fails if neither does)."""
    box: Sandboxed | None = None
    try:
        box = Sandboxed(source, tier=tier, limits=limits)
        box.call(0.0)
    except ScriptFault as fault:
        return fault
    finally:
        if box is not None:
            box.close()
    raise AssertionError("the script ran to the end: nothing stopped it")
