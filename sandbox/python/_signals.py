"""Limit signals raised inside a running script.

They derive from :class:`BaseException`, not :class:`Exception`: the compiler turns a bare
``except:`` into ``except Exception:`` and no builtin a script can name is a
``BaseException`` outside ``Exception``, so a script can neither catch nor swallow them. The
meter also remembers the first signal of a call (it is *sticky*), so a script that escapes a
signal with ``finally: return`` is still reported. The sandbox boundary turns each signal
into its :class:`ScriptFault` (see ``_faults.py``).
"""

from __future__ import annotations

from typing import Any

from host_api import DiagnosticCode


class LimitSignal(BaseException):
    """Base of the in-script signals; ``code`` says which limit tripped."""

    code: DiagnosticCode = DiagnosticCode.SANDBOX_ERROR

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class FuelSignal(LimitSignal):
    """The call used its fuel."""

    code = DiagnosticCode.SANDBOX_FUEL_EXHAUSTED


class DeadlineSignal(LimitSignal):
    """The call ran past its wall-clock limit."""

    code = DiagnosticCode.SANDBOX_TIMEOUT


class MemorySignal(LimitSignal):
    """An allocation (or the mod's retained data) would exceed its memory limit."""

    code = DiagnosticCode.SANDBOX_MEMORY_LIMIT


class ForbiddenSignal(LimitSignal):
    """A forbidden name was reached at run time (``getattr`` with a computed name ...)."""

    code = DiagnosticCode.SANDBOX_FORBIDDEN
