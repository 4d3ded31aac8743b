"""The live fault printer of ``modhost run``: every error and warning once, rate-limited per
(mod, code) by a wall clock (a fake one here), with the held-back lines counted."""

from __future__ import annotations

import pytest

from host_api import Diagnostic
from runtime.cli._live import BURST, INTERVAL_S, LiveDiagnostics


class _Source:
    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def diagnostics_since(self, start: int) -> tuple[Diagnostic, ...]:
        return tuple(self.items[start:])


def _fault(mod: str, n: int, code: str = "SANDBOX_ERROR", severity: str = "error") -> Diagnostic:
    return Diagnostic(code=code, severity=severity, message=f"fault {n}", mod=mod)  # type: ignore[arg-type]


def test_each_mod_and_code_prints_a_burst_then_one_line_per_interval(
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = [0.0]
    live = LiveDiagnostics(clock=lambda: now[0])
    source = _Source()
    source.items += [_fault("a", n) for n in range(10)]
    source.items += [_fault("b", 0), _fault("a", 99, "MOD_THROTTLED", "warning")]
    source.items.append(_fault("a", 100, "NOTE", "info"))
    live.poll(source)
    out = capsys.readouterr().out
    assert [f"] fault {n}\n" in out for n in range(10)] == [True] * BURST + [False] * (10 - BURST)
    assert "[b] fault 0" in out and "MOD_THROTTLED: [a] fault 99" in out
    assert "fault 100" not in out  # info is for the report
    now[0] += INTERVAL_S
    source.items += [_fault("a", 10), _fault("a", 11)]
    live.poll(source)
    out = capsys.readouterr().out
    assert "] fault 10\n" in out and "fault 11" not in out
    assert f"({10 - BURST} more SANDBOX_ERROR from [a] suppressed before this one)" in out
    live.flush()
    assert "(1 more SANDBOX_ERROR from [a] suppressed while running)" in capsys.readouterr().out
    shown = [d for d in source.items if live.shown(d)]
    assert [d.message for d in shown] == [
        "fault 0",
        "fault 1",
        "fault 2",
        "fault 0",
        "fault 99",
        "fault 10",
    ]
