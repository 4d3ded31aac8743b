"""The in-process tier: scripts compiled with RestrictedPython and run in this interpreter."""

from __future__ import annotations

import sys
import traceback
from typing import Any, ClassVar

from RestrictedPython import compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)

from ._engine import HOOKS, ScriptModule, ScriptSandbox
from ._errors import ScriptRaised, ScriptRejected


def _inplacevar(op: str, x: Any, y: Any) -> Any:
    ops = {
        "+=": lambda: x + y,
        "-=": lambda: x - y,
        "*=": lambda: x * y,
        "/=": lambda: x / y,
        "//=": lambda: x // y,
        "%=": lambda: x % y,
        "**=": lambda: x**y,
        "&=": lambda: x & y,
        "|=": lambda: x | y,
        "^=": lambda: x ^ y,
        "<<=": lambda: x << y,
        ">>=": lambda: x >> y,
    }
    return ops[op]()


def _base_globals(script_name: str) -> dict[str, Any]:
    builtins = dict(safe_builtins)
    for name in (
        "min",
        "max",
        "sum",
        "abs",
        "round",
        "len",
        "range",
        "enumerate",
        "zip",
        "sorted",
        "reversed",
        "any",
        "all",
        "list",
        "dict",
        "set",
        "tuple",
        "map",
        "filter",
    ):
        builtins[name] = (
            __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
        )
    return {
        "__builtins__": builtins,
        "__name__": script_name,
        "__metaclass__": type,
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_write_": full_write_guard,
        "_inplacevar_": _inplacevar,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    }


class RestrictedSandbox(ScriptSandbox):
    """RestrictedPython in this process."""

    tier: ClassVar[str] = "inprocess"

    def load(self, path: str, source: str) -> ScriptModule:
        self._check_open()
        result = compile_restricted_exec(source, filename=path)
        if result.errors or result.code is None:
            first = result.errors[0] if result.errors else "could not compile"
            line = _line_from_error(first)
            raise ScriptRejected(
                f"{path}: {first}",
                mod_id=self.mod_id,
                file=path,
                line=line,
                hint="fix the syntax error, or remove the construct the "
                "sandbox forbids (names starting with '_', exec, eval ...)",
            )
        namespace = _base_globals(path)
        self._run(path, lambda: exec(result.code, namespace))
        hooks = frozenset(h for h in HOOKS if callable(namespace.get(h)))
        return ScriptModule(path=path, hooks=hooks, handle=namespace)

    def call(self, module: ScriptModule, hook: str, *args: Any) -> Any:
        self._check_open()
        fn = module.handle.get(hook) if hook in module.hooks else None
        if fn is None:
            return None
        return self._run(module.path, lambda: fn(*args))

    def _run(self, path: str, thunk: Any) -> Any:
        try:
            return thunk()
        except Exception as exc:
            raise self._fault(path, exc) from exc

    def _fault(self, path: str, exc: BaseException) -> ScriptRaised:
        line = None
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename == path:
                line = frame.lineno
        details: dict[str, Any] = {"exception": type(exc).__name__}
        fault = ScriptRaised(
            f"{type(exc).__name__}: {exc}",
            mod_id=self.mod_id,
            file=path,
            line=line,
            hint="fix the script; the host keeps running and "
            "counts this against the mod's fault budget",
            details=details,
        )
        if hasattr(exc, "code") and hasattr(exc, "to_diagnostic"):
            # A host-API error (CapabilityDenied, BadArgument) keeps its own code.
            fault.code = exc.code
            fault.hint = getattr(exc, "hint", fault.hint)
            fault.details.update(getattr(exc, "details", {}))
        return fault


def _line_from_error(message: str) -> int | None:
    marker = "Line "
    if marker in message:
        tail = message.split(marker, 1)[1]
        digits = "".join(ch for ch in tail.split(":", 1)[0] if ch.isdigit())
        return int(digits) if digits else None
    return None


del sys
