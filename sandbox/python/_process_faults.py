"""The process tier's faults: a killed or crashed worker, and faults sent back as data."""

from __future__ import annotations

import signal
from typing import Any

from host_api import DiagnosticCode

from .. import base
from ..base import (
    MemoryLimitExceeded,
    ScriptFault,
    ScriptRaised,
    ScriptRejected,
    ScriptTimeout,
)
from ._fuel import wall_limit

TIER = "process"


def killed(mod_id: str, timeout: int, clock: str) -> ScriptTimeout:
    """The call ran past its CPU time (``clock == "cpu"``) or wall backstop; the worker was
    killed."""
    if clock == "cpu":
        what = f"used more than its CPU time limit ({timeout} ms) plus margin"
    else:
        what = (
            f"took longer than its wall-clock backstop "
            f"({wall_limit(timeout) * 1000:g} ms for a {timeout} ms limit)"
        )
    return ScriptTimeout(
        f"the call {what} in work the script's meter cannot interrupt; its worker "
        "process was killed",
        mod_id=mod_id,
        hint="do less per call; the mod's scripts restart in a fresh worker",
        details={"tier": TIER, "killed": True, "clock": clock},
    )


def crashed(mod_id: str, memory_mb: int, code: int | None) -> ScriptFault:
    """The worker died: over its address-space limit, or a C-level operation overflowed
    its stack (``hash()`` of a tuple nested a hundred thousand deep)."""
    how = f"exit code {code}"
    if code is not None and code < 0:
        try:
            how = f"signal {signal.Signals(-code).name}"
        except ValueError:
            how = f"signal {-code}"
    return MemoryLimitExceeded(
        f"the mod's worker process died ({how}), most likely over its address-space limit "
        f"({memory_mb} MB of script data) or out of C stack in one operation on data "
        "nested very deeply",
        mod_id=mod_id,
        hint="keep ctx.state and module data smaller and flatter, or raise [limits] memory_mb",
        details={"tier": TIER, "exitcode": code},
    )


def rebuilt(mod_id: str, data: Any, path: str) -> ScriptFault | ScriptRejected:
    """A fault the worker sent as data (``_wire.fault_data``), as the host's own fault.

    The worker is not trusted: a malformed record becomes a plain ``SANDBOX_ERROR``.
    """
    if type(data) is not dict:
        data = {}
    cls = getattr(base, str(data.get("cls")), None)
    if not (isinstance(cls, type) and issubclass(cls, ScriptFault | ScriptRejected)):
        cls = ScriptRaised
    details = data.get("details")
    line = data.get("line")
    fault = cls(
        _text(data.get("message"), "the script failed"),
        mod_id=mod_id,
        hint=_text(data.get("hint"), ""),
        file=_text(data.get("file"), "") or path,
        line=line if type(line) is int else None,
        details=dict(details) if type(details) is dict else {},
    )
    try:
        fault.code = DiagnosticCode(data.get("code"))
    except ValueError:
        fault.code = DiagnosticCode.SANDBOX_ERROR
    return fault


def _text(value: Any, default: str) -> str:
    return value[:2000] if type(value) is str else default
