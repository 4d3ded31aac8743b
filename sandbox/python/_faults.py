"""A script's failure as the fault the host records: its code, line, message and hint.

The message never comes from ``str()`` of the exception: its class or arguments may be the
script's own, and a script's methods must not run on the host after its call.
"""

from __future__ import annotations

from typing import Any, Final

from host_api import ModhostError

from ..base import (
    ForbiddenAccess,
    FuelExhausted,
    MemoryLimitExceeded,
    RecursionLimitExceeded,
    ScriptFault,
    ScriptRaised,
    ScriptTimeout,
)
from ._signals import LimitSignal

_SIGNAL_FAULTS: Final[dict[str, type[ScriptFault]]] = {
    "SANDBOX_FUEL_EXHAUSTED": FuelExhausted,
    "SANDBOX_TIMEOUT": ScriptTimeout,
    "SANDBOX_MEMORY_LIMIT": MemoryLimitExceeded,
    "SANDBOX_FORBIDDEN": ForbiddenAccess,
}
_HINTS: Final[dict[str, str]] = {
    "SANDBOX_FUEL_EXHAUSTED": "the hook did too much work in one call: bound its loops, spread "
    "work over ticks, or raise [limits] fuel in mod.toml (the host policy caps it)",
    "SANDBOX_TIMEOUT": "the hook used more than its CPU time limit: do less per call, or raise "
    "[limits] timeout_ms in mod.toml (the host policy caps it)",
    "SANDBOX_MEMORY_LIMIT": "the script builds or keeps values larger than its memory limit: "
    "keep ctx.state and module data small, or raise [limits] memory_mb",
    "SANDBOX_FORBIDDEN": "scripts may not reach interpreter internals or names starting "
    "with '_'; use only ctx and the documented builtins",
    "SANDBOX_RECURSION_LIMIT": "the script recursed too deeply: use a loop instead",
    "SANDBOX_ERROR": "fix the script; the host keeps running and counts this against "
    "the mod's fault budget",
}


def script_fault(
    mod_id: str, path: str, exc: BaseException, tripped: LimitSignal | None
) -> ScriptFault:
    """The fault for ``exc`` raised in the script ``path`` (``tripped``: the limit signal the
    call's meter recorded, which wins over what the script raised after it)."""
    signal = tripped or (exc if isinstance(exc, LimitSignal) else None)
    line = _script_line(path, exc)
    if signal is not None:
        code = str(signal.code)
        cls = _SIGNAL_FAULTS.get(code, ScriptRaised)
        return cls(
            signal.message,
            mod_id=mod_id,
            file=path,
            line=line,
            hint=_HINTS.get(code, _HINTS["SANDBOX_ERROR"]),
            details=dict(signal.details),
        )
    if type(exc) is ModuleNotFoundError:
        # Only an import of a module scripts do not have raises it (there is no import
        # machinery); a script may catch it, and uncaught it is a refusal.
        return ForbiddenAccess(
            _describe(exc),
            mod_id=mod_id,
            file=path,
            line=line,
            hint="import only the modules scripts are offered (see the error), or catch "
            "ImportError around an optional import",
        )
    if isinstance(exc, RecursionError):
        return RecursionLimitExceeded(
            f"calls nested too deeply: {_message(exc)}",
            mod_id=mod_id,
            file=path,
            line=line,
            hint=_HINTS["SANDBOX_RECURSION_LIMIT"],
        )
    if isinstance(exc, MemoryError) or _is_digit_limit(exc):
        return MemoryLimitExceeded(
            _describe(exc),
            mod_id=mod_id,
            file=path,
            line=line,
            hint=_HINTS["SANDBOX_MEMORY_LIMIT"],
        )
    fault = ScriptRaised(
        _describe(exc),
        mod_id=mod_id,
        file=path,
        line=line,
        hint=_HINTS["SANDBOX_ERROR"],
        details={"exception": type(exc).__name__},
    )
    if isinstance(exc, ModhostError):
        # A host-API error (CapabilityDenied, BadArgument) keeps its own code and hint.
        fault.code = exc.code
        fault.hint = exc.hint or fault.hint
        fault.details.update(exc.details)
    return fault


#: Characters of an exception's text kept in a diagnostic (a script controls that text).
MAX_MESSAGE: Final = 500


#: The C-level ``args`` of every exception: a script's exception class may define its own
#: ``args`` (a property that loops, a class attribute that is not a tuple).
_ARGS: Final = BaseException.__dict__["args"]


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {_message(exc)}"


def _message(exc: BaseException) -> str:
    # Never str() the exception nor read its attributes: its class or an argument may be the
    # script's own, and a script's __str__, __repr__ or properties must not run on the host
    # after the call.
    args = _ARGS.__get__(exc)
    if len(args) == 1:
        text = _plain_text(args[0], str)
    else:
        text = "(" + ", ".join(_plain_text(a, repr) for a in args) + ")"
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + f"... ({len(text)} characters)"
    return text


#: Argument types whose str()/repr() is the builtin one (an exact type check, not isinstance).
_PLAIN_TEXT: Final = frozenset({str, int, float, bool, type(None)})


def _plain_text(value: Any, how: Any) -> str:
    if type(value) in _PLAIN_TEXT:
        if type(value) is int and value.bit_length() > 4000:
            return f"<int of {value.bit_length()} bits>"
        return str(how(value))
    return f"<{type(value).__name__} object>"


def _is_digit_limit(exc: BaseException) -> bool:
    return type(exc) is ValueError and "integer string conversion" in _message(exc)


def _script_line(path: str, exc: BaseException) -> int | None:
    # Walk the traceback by hand: traceback.extract_tb would look the script's relative path
    # up on sys.path to read source lines, which is slow and reads host files.
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == path:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
