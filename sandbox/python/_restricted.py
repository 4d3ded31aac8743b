"""The in-process tier: scripts compiled by ``_compiler`` and run in this interpreter.

Limits (see the package docs for what each costs):

- fuel and the wall-clock deadline come from the sandbox's :class:`Meter` (deterministic
  fuel; the deadline is checked whenever a fuel chunk runs dry);
- allocations go through :class:`Guards` before they happen;
- recursion is the interpreter's own ``RecursionError``, reported as
  ``SANDBOX_RECURSION_LIMIT`` (the host's stack is never exhausted: Python raises first);
- retained memory (module data and ``ctx.state``) is measured by an incremental walk that
  each call pays for in proportion to its work (``_memory.py``): keeping data costs nothing
  per call, changing it costs in proportion to the change.

What this tier cannot do is interrupt one long C-level operation (sorting a list the size of
the memory limit, a big-int division). The process tier (``_process.py``) can.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from itertools import compress
from types import CodeType
from typing import Any, ClassVar, Final

from host_api import DiagnosticCode, HostCallFailed, Limits, ModhostError

from ..base import (
    HOOKS,
    ForbiddenAccess,
    FuelExhausted,
    MemoryLimitExceeded,
    RecursionLimitExceeded,
    ScriptFault,
    ScriptModule,
    ScriptRaised,
    ScriptRejected,
    ScriptSandbox,
    ScriptTimeout,
)
from ._arith import ARITH_GLOBALS
from ._builtins import EXCEPTIONS, Printer, build_builtins, loop_range
from ._classes import GuestTypes
from ._compiler import ScriptCheck, check_script
from ._format import StrFormat
from ._fuel import Meter
from ._guards import Guards
from ._memory import (
    BYTES_PER_VISIT,
    CHUNK,
    ENTITY_CALL_CREDIT,
    FUEL_PER_VISIT,
    MOD_CALL_CREDIT,
    RetainedWalk,
)
from ._names import is_injected
from ._signals import LimitSignal, MemorySignal
from ._source_limits import MAX_LINE_CHARS, MAX_NESTING, MAX_SOURCE_BYTES, MAX_TOKENS
from ._stdlib import Kit, Modules

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


class RestrictedSandbox(ScriptSandbox):
    """RestrictedPython in this process, with fuel, allocation guards and a deadline.

    :param mod_id: the mod whose scripts this sandbox runs.
    :param limits: fuel and timeout per call, memory for the whole mod.
    """

    tier: ClassVar[str] = "inprocess"

    def __init__(self, mod_id: str, limits: Limits) -> None:
        super().__init__(mod_id, limits)
        self._meter = Meter(limits.fuel, limits.timeout_ms)
        self._guards = Guards(limits.memory_mb, self._meter)
        self._guest = GuestTypes(self._meter, [getattr(builtins, n) for n in EXCEPTIONS])
        self._printer = Printer()
        self._strfmt = StrFormat(self._guards)
        self._builtins = build_builtins(self._guards, self._guest, self._printer)
        self._modules = Modules(Kit(mod_id, self._guards, self._guest))
        self._loop_range = loop_range(self._builtins["range"])
        self._namespaces: list[dict[str, Any]] = []
        self._generation = self._meter.generation
        self._retained = RetainedWalk(self._guards.max_bytes)
        self._retained.contents = self._guest.contents
        #: Called before a call's share of the retained-memory walk (a process-tier worker
        #: stops the call's clock there: the walk is accounting, not the script's time).
        self.accounting_started: Callable[[], None] | None = None

    # -- the interface -------------------------------------------------------------------------
    def load(self, path: str, source: str) -> ScriptModule:
        self._check_open()
        return self.load_code(path, compiled(self.mod_id, path, check_script(source, path)))

    def load_code(self, path: str, code: CodeType) -> ScriptModule:
        """Run the module body of a script already checked and compiled by
        :func:`check_script` (the process tier's host compiles, from its cache, and sends
        the code to the worker).

        :raises ScriptFault: the module body faulted.
        """
        self._check_open()
        namespace = self._namespace(path)
        self._namespaces.append(namespace)
        self._run(path, exec, code, namespace)
        self._retained.earn(MOD_CALL_CREDIT + self._meter.used() // FUEL_PER_VISIT)
        self._check_retained(path, None)
        hooks = frozenset(h for h in HOOKS if callable(namespace.get(h)))
        return ScriptModule(path=path, hooks=hooks, handle=namespace)

    def call(self, module: ScriptModule, hook: str, *args: Any) -> Any:
        # The per-entity hot path: kept flat (one frame) on purpose; see _run for the logic.
        if self._closed:
            self._check_open()
        fn = module.handle.get(hook) if hook in module.hooks else None
        if fn is None:
            return None
        meter = self._meter
        meter.begin()
        if meter.generation != self._generation:
            self._sync_streams()
        printer = self._printer
        printer.ctx = args[0] if args else None
        try:
            if printer.pending:
                printer.flush()
            result = fn(*args)
        except (LimitSignal, Exception) as exc:
            raise self._fault(module.path, exc) from None
        except HostCallFailed as bug:
            raise bug.original from None
        finally:
            printer.ctx = None
        if meter._tripped is not None:
            # The script swallowed a signal (``finally: return``): still a fault.
            raise self._fault(module.path, meter._tripped)
        # The retained-memory walk is paid for by the call's work (see _memory.py).
        walk = self._retained
        walk.credit += (meter._issued - meter._left() - meter._start) // FUEL_PER_VISIT + (
            MOD_CALL_CREDIT
            if not args or getattr(args[0], "entity", True) is None
            else ENTITY_CALL_CREDIT
        )
        if self._guards.big_call == meter.calls:
            walk.credit += self._guards.walk_bytes // BYTES_PER_VISIT
        if walk.credit >= CHUNK:
            self._check_retained(module.path, args[0] if args else None)
        return result

    def fuel_mark(self) -> int:
        return self._meter.spent()

    @property
    def retained(self) -> RetainedWalk:
        """The incremental walk that measures what the mod keeps (see ``_memory.py``)."""
        return self._retained

    @property
    def fuel_used(self) -> int:
        """Fuel the last call (or module body) used: the same on every run for the same input."""
        return self._meter.used()

    def close(self) -> None:
        for namespace in self._namespaces:
            namespace.clear()
        self._namespaces.clear()
        self._retained.reset()
        super().close()

    # -- internals -----------------------------------------------------------------------------
    def _namespace(self, path: str) -> dict[str, Any]:
        g = self._guards
        return {
            "__builtins__": self._builtins,
            "__name__": path,
            "_fuel_": self._meter.stream,
            "_next_": next,
            "_fz_": compress,
            **ARITH_GLOBALS,
            "_import_": self._modules,
            "_own_": self._guest.own,
            "_dunder_": self._guest.dunder,
            "_superop_": self._guest.operator_method,
            "_ctype_": self._guest.type_of,
            "_strfmt_": self._strfmt,
            "_slice_": slice,
            "_add_": g.add,
            "_mul_": g.mul,
            "_pow_": g.pow,
            "_lshift_": g.lshift,
            "_mod_": g.mod,
            "_iop_": g.inplace,
            "_grow_": g.grow,
            "_fmt_": g.fmt,
            "_gm_": g.method,
            "_deny_slice_": _deny_slice,
            "_lrange_": self._loop_range,
            "_range_": range,
            "_grange_": self._builtins["range"],
        }

    def _run(self, path: str, fn: Any, *args: Any) -> Any:
        meter = self._meter
        meter.begin()
        if meter.generation != self._generation:
            self._sync_streams()
        try:
            result = fn(*args)
        except (LimitSignal, Exception) as exc:
            raise self._fault(path, exc) from None
        except HostCallFailed as bug:
            raise bug.original from None
        if meter.tripped is not None:
            # The script swallowed a signal (``finally: return``): still a fault.
            raise self._fault(path, meter.tripped)
        return result

    def _sync_streams(self) -> None:
        """Point every module at the meter's new fuel stream (after a call tripped)."""
        self._generation = self._meter.generation
        for namespace in self._namespaces:
            namespace["_fuel_"] = self._meter.stream

    def _roots(self) -> list[Any]:
        return [v for ns in self._namespaces for k, v in ns.items() if not is_injected(k)]

    def _check_retained(self, path: str, ctx: Any) -> None:
        limit = self._guards.max_bytes
        if self.accounting_started is not None:
            self.accounting_started()
        walk = self._retained
        walk.note_state(ctx)
        kept = walk.step(self._roots, whole=walk.grown())
        if walk.foreign is not None:
            foreign = walk.foreign
            walk.reset()
            raise ScriptRaised(
                f"ctx.state holds a {foreign} object: ctx.state keeps plain data only",
                mod_id=self.mod_id,
                file=path,
                hint="store numbers, strings, lists, tuples and dicts in ctx.state (e.g. "
                "dataclasses.asdict(obj) or a tuple of the fields) and rebuild your objects "
                "from them",
                details={"type": foreign},
            )
        if kept is not None:
            signal = MemorySignal(
                f"the mod keeps more than its memory limit ({limit} bytes) in module data "
                "and ctx.state",
                bytes=kept,
                limit=limit,
            )
            raise self._fault(path, signal)

    def _fault(self, path: str, exc: BaseException) -> ScriptFault:
        signal = self._meter.tripped or (exc if isinstance(exc, LimitSignal) else None)
        line = _script_line(path, exc)
        if signal is not None:
            code = str(signal.code)
            cls = _SIGNAL_FAULTS.get(code, ScriptRaised)
            return cls(
                signal.message,
                mod_id=self.mod_id,
                file=path,
                line=line,
                hint=_HINTS.get(code, _HINTS["SANDBOX_ERROR"]),
                details=dict(signal.details),
            )
        if isinstance(exc, RecursionError):
            return RecursionLimitExceeded(
                f"calls nested too deeply: {exc}",
                mod_id=self.mod_id,
                file=path,
                line=line,
                hint=_HINTS["SANDBOX_RECURSION_LIMIT"],
            )
        if isinstance(exc, MemoryError) or _is_digit_limit(exc):
            return MemoryLimitExceeded(
                _describe(exc),
                mod_id=self.mod_id,
                file=path,
                line=line,
                hint=_HINTS["SANDBOX_MEMORY_LIMIT"],
            )
        fault = ScriptRaised(
            _describe(exc),
            mod_id=self.mod_id,
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


#: Types ``ctx.state`` may hold (exact types: subclasses are the script's own classes).
def compiled(mod_id: str, path: str, check: ScriptCheck) -> CodeType:
    """The code of a script that passed :func:`check_script`.

    :raises ScriptRejected: ``SANDBOX_FORBIDDEN`` with the first problem's line, and every
        problem in ``details``; ``SANDBOX_COMPILE_LIMIT`` when the source is over a compile
        cap (``_source_limits``).
    """
    if check.ok and check.code is not None:
        return check.code
    first = check.errors[0] if check.errors else None
    message = first.message if first else "could not compile"
    more = len(check.errors) - 1
    if first is not None and first.limit:
        raise compile_limit(mod_id, path, first.line, message)
    raise ScriptRejected(
        # The file and line travel as fields (rendered once, as "(path:line)").
        message + (f" (and {more} more problem{'s' * (more > 1)})" if more > 0 else ""),
        mod_id=mod_id,
        file=path,
        line=first.line if first else None,
        hint="remove the construct the sandbox forbids (names starting with '_', "
        "introspection attributes, imports other than math, classes ...) or fix the syntax",
        details={"problems": [{"line": p.line, "message": p.message} for p in check.errors]},
    )


def compile_limit(mod_id: str, path: str, line: int | None, message: str) -> ScriptRejected:
    """``SANDBOX_COMPILE_LIMIT``: the script is over a compile cap (see ``_source_limits``)."""
    rejected = ScriptRejected(
        message,
        mod_id=mod_id,
        file=path,
        line=line,
        hint=f"keep scripts under {MAX_SOURCE_BYTES // 1024} KiB and {MAX_TOKENS} tokens, "
        f"lines under {MAX_LINE_CHARS} characters and nesting under {MAX_NESTING} levels: "
        "split long expressions with intermediate variables, big scripts into several, and "
        "put large data in assets read with ctx.fs.read",
    )
    rejected.code = DiagnosticCode.SANDBOX_COMPILE_LIMIT
    return rejected


#: Characters of an exception's text kept in a diagnostic (a script controls that text).
MAX_MESSAGE: Final = 500


def _describe(exc: BaseException) -> str:
    # Never str() the exception: its class or an argument may be the script's own, and a
    # script's __str__/__repr__ must not run on the host after the call.
    args = exc.args
    if len(args) == 1:
        text = _plain_text(args[0], str)
    else:
        text = "(" + ", ".join(_plain_text(a, repr) for a in args) + ")"
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + f"... ({len(text)} characters)"
    return f"{type(exc).__name__}: {text}"


#: Argument types whose str()/repr() is the builtin one (an exact type check, not isinstance).
_PLAIN_TEXT: Final = frozenset({str, int, float, bool, type(None)})


def _plain_text(value: Any, how: Any) -> str:
    if type(value) in _PLAIN_TEXT:
        if type(value) is int and value.bit_length() > 4000:
            return f"<int of {value.bit_length()} bits>"
        return str(how(value))
    return f"<{type(value).__name__} object>"


def _is_digit_limit(exc: BaseException) -> bool:
    return isinstance(exc, ValueError) and "integer string conversion" in str(exc)


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


def _deny_slice(value: Any) -> Any:
    raise MemorySignal("slice assignment inside unpacking or chained assignment is not allowed")
