"""What crosses the process tier's pipe: faults as plain data, results that can be pickled."""

from __future__ import annotations

import pickle
from typing import Any

from host_api import ModhostError

FaultData = dict[str, Any]


def fault_data(exc: ModhostError) -> FaultData:
    """A fault as plain data (crosses the pipe)."""
    return {
        "cls": type(exc).__name__,
        "code": str(exc.code),
        "message": exc.message,
        "hint": exc.hint,
        "file": exc.file,
        "line": exc.line,
        "details": _plain(exc.details),
    }


def _plain(value: Any) -> Any:
    try:
        pickle.dumps(value)
    except Exception:
        return repr(value)
    return value


def crossable(result: tuple[Any, ...]) -> tuple[Any, ...]:
    """One call's ``(fault, value, state, ops)``, or a fault in its place if it cannot be
    pickled."""
    fault, value, state, ops, path = result
    try:
        pickle.dumps((fault, value, state, ops))
    except Exception as exc:
        memory = isinstance(exc, MemoryError)
        return (
            fault
            or {
                "cls": "MemoryLimitExceeded" if memory else "ScriptRaised",
                "code": "SANDBOX_MEMORY_LIMIT" if memory else "SANDBOX_ERROR",
                "message": "ctx.state, the return value and event payloads must be plain "
                f"data in the process tier ({type(exc).__name__})",
                "hint": "keep numbers, strings, lists, tuples and dicts (shallower than the "
                "recursion limit) in ctx.state and payloads",
                "file": path,
                "line": None,
                "details": {},
            },
            None,
            None,
            [],
        )
    return (fault, value, state, ops)
