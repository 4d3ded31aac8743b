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
from time import perf_counter, thread_time
from types import CodeType
from typing import Any, ClassVar, Final

from host_api import HostCallFailed, Limits, ModFault

from ..base import (
    HOOKS,
    ScriptFault,
    ScriptModule,
    ScriptRaised,
    ScriptRejected,
    ScriptSandbox,
)
from ._arith import ARITH_GLOBALS, FAST_GROW, FAST_MUL, SMALL_ITEMS
from ._builtin_calls import LAZY, SHALLOW, STAND_IN_TYPES, TYPED_DIRECT
from ._builtins import EAGER, EXCEPTIONS, Printer, build_builtins, loop_range, range_refusal
from ._chains import FLAG as CHAIN_FLAG
from ._chains import REFLECTED, names_reflected
from ._classes import GuestTypes
from ._compiler import check_script
from ._faults import script_fault
from ._format import StrFormat
from ._fuel import Meter
from ._guards import Guards
from ._holders import settable, stored_in
from ._memory import (
    BATCH_CHUNK,
    BYTES_PER_VISIT,
    CHUNK,
    ENTITY_CALL_CREDIT,
    FUEL_PER_VISIT,
    MOD_CALL_CREDIT,
    NOT_PLAIN_HINT,
    RetainedWalk,
    not_plain_message,
)
from ._method_guards import method_guard
from ._names import FUEL, STEP, is_injected
from ._native import fast_ops
from ._nesting import SHALLOW_TYPES
from ._progress import CPU_MARK_S, RowMarker
from ._rejections import CompileBudget
from ._rss import transient_slack
from ._signals import ForbiddenSignal, LimitSignal, MemorySignal
from ._stack import grow_main_stack
from ._stdlib import Kit, Modules
from ._text import PLAIN_TEXT

#: The builtins the compiled code may call directly (``_builtin_calls``): each is injected as
#: ``_b<name>_`` and the sandbox's own as ``_g<name>_``, to compare with the script's name.
_DIRECT: Final = (*EAGER, *LAZY, *sorted(STAND_IN_TYPES), *TYPED_DIRECT)

#: Entity rows run between two settlements of the retained-memory walk's credit (a power of
#: two: the loop tests ``row & SETTLE_MASK``).
SETTLE_ROWS: Final = 64
SETTLE_MASK: Final = SETTLE_ROWS - 1


class RestrictedSandbox(ScriptSandbox):
    """RestrictedPython in this process, with fuel, allocation guards and a deadline.

    :param mod_id: the mod whose scripts this sandbox runs.
    :param limits: fuel and timeout per call, memory for the whole mod.
    """

    tier: ClassVar[str] = "inprocess"

    def __init__(self, mod_id: str, limits: Limits) -> None:
        super().__init__(mod_id, limits)
        grow_main_stack()
        self._compile_budget = CompileBudget(mod_id)
        growth = limits.memory_mb * 1024 * 1024 + transient_slack(limits.memory_mb)
        self._meter = Meter(limits.fuel, limits.timeout_ms, growth=growth)
        self._guards = Guards(limits.memory_mb, self._meter)
        self._guest = GuestTypes(self._meter, [getattr(builtins, n) for n in EXCEPTIONS])
        self._printer = Printer()
        self._strfmt = StrFormat(self._guards)
        self._builtins = build_builtins(self._guards, self._guest, self._printer)
        self._strfmt._str = self._builtins["str"]
        self._modules = Modules(Kit(mod_id, self._guards, self._guest))
        self._loop_range = loop_range(self._builtins["range"])
        self._builtin_holders = settable(self._builtins.values())
        self._namespaces: list[dict[str, Any]] = []
        self._guest.class_built.append(self._note_class)
        self._fixed_names: frozenset[str] = frozenset()
        self._generation = self._meter.generation
        self._retained = RetainedWalk(self._guards.max_bytes)
        self._retained.contents = self._guest.contents
        #: Called before a call's share of the retained-memory walk (a process-tier worker
        #: stops the call's clock there: the walk is accounting, not the script's time).
        self.accounting_started: Callable[[], None] | None = None

    # -- the interface -------------------------------------------------------------------------
    def load(self, path: str, source: str) -> ScriptModule:
        self._check_open()
        return self.load_code(path, self._compile_budget.compiled(path, check_script(source, path)))

    def load_code(self, path: str, code: CodeType) -> ScriptModule:
        """Run the module body of a script already checked and compiled by
        :func:`check_script` (the process tier's host compiles, from its cache, and sends
        the code to the worker).

        :raises ScriptFault: the module body faulted.
        """
        self._check_open()
        if self._chains_ok and names_reflected(code):
            self._end_chains()
        namespace = self._namespace(path)
        self._namespaces.append(namespace)
        self._run(path, exec, code, namespace)
        self._printer.finish_line()
        self._retained.earn(MOD_CALL_CREDIT + self._meter.used() // FUEL_PER_VISIT)
        self._check_retained(path, None)
        hooks = frozenset(h for h in HOOKS if callable(namespace.get(h)))
        if {"on_tick", "on_system"} <= hooks:
            raise ScriptRejected(
                "a script defines both on_tick and on_system: on_system runs once for all the "
                "kind's entities, on_tick once per entity, so each would move them",
                mod_id=self.mod_id,
                file=path,
                hint="keep one: on_system(ctx, dt, rows) for the whole kind, or "
                "on_tick(ctx, dt) per entity (put the other in its own script)",
            )
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

    def tick_rows(
        self,
        module: ScriptModule,
        batch: Any,
        dt: float,
        on_fault: Callable[[ModFault], bool],
        started: Callable[[int], None] | None = None,
    ) -> bool:
        """``on_tick(ctx, dt)`` for every row of an entity batch: :meth:`call` once per row
        (the same limits, faults and accounting per entity), with its per-call set-up
        hoisted out of the loop. Returns False when ``on_fault`` stopped the batch."""
        if self._closed:
            self._check_open()
        fn = module.handle.get("on_tick") if "on_tick" in module.hooks else None
        if fn is None:
            return True
        meter, printer, walk, guards = self._meter, self._printer, self._retained, self._guards
        path, rebuild = module.path, meter._rebuild
        # EntityBatch.enter, inlined (it is the loop's other half): the one ctx of the batch
        # is pointed at each row in turn; print() goes to it.
        ctx, cursor = batch.ctx, batch.cursor_type
        states, ids, events, timers = batch.states, batch.ids, ctx.events, ctx.timers
        printer.ctx = ctx
        settled_fuel, settled_calls, last = meter.spent(), meter.calls, len(batch) - 1
        # A worker's RowMarker, inlined (a call per row costs as much as a small script).
        marker = started if type(started) is RowMarker else None
        if marker is not None:
            started = None
            progress, offset, wall, cpu = marker.progress, marker.offset, perf_counter, thread_time
        try:
            if printer.pending:
                printer.flush()
            for row in range(len(batch)):
                if marker is not None:
                    now = wall()
                    if now - marker.last > CPU_MARK_S:
                        marker.last = now
                        progress[2] = cpu()
                        progress[1] = now
                    progress[0] = offset + row
                elif started is not None:
                    started(row)
                ctx.entity = cursor(batch, row)
                ctx.state = states[row]
                events._source = timers._entity = ids[row]
                # Meter.begin, inlined: a fresh budget for each entity's call.
                if meter._tripped is not None:
                    rebuild()  # a new fuel stream: the modules are pointed at it
                    self._sync_streams()
                meter._start = meter._issued - meter._left()
                meter.calls += 1
                fault: ScriptFault | None = None
                try:
                    fn(ctx, dt)
                except (LimitSignal, Exception) as exc:
                    fault = self._fault(path, exc)
                except HostCallFailed as bug:
                    raise bug.original from None
                if fault is None and meter._tripped is not None:
                    fault = self._fault(path, meter._tripped)
                if fault is None and (row & SETTLE_MASK == SETTLE_MASK or row == last):
                    # The retained-memory walk's credit, settled every SETTLE_ROWS calls
                    # (the same credit as :meth:`call` gives each call, added up).
                    spent, calls = meter.spent(), meter.calls
                    credit = walk.credit + (
                        (spent - settled_fuel) // FUEL_PER_VISIT
                        + (calls - settled_calls) * ENTITY_CALL_CREDIT
                    )
                    if guards.big_call > settled_calls:
                        credit += guards.walk_bytes // BYTES_PER_VISIT
                    walk.credit, settled_fuel, settled_calls = credit, spent, calls
                    if credit >= BATCH_CHUNK:
                        try:
                            self._check_retained(path, ctx)
                        except ScriptFault as exc:
                            fault = exc
                if fault is not None and not on_fault(fault):
                    return False
        finally:
            printer.ctx = None
        return True

    def note_states(self, kind: str, states: list[dict[str, Any]]) -> None:
        """Count an entity batch's states as the mod's data (the retained-memory walk)."""
        self._retained.note_states(kind, states)

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
    def _end_chains(self) -> None:
        """A reflected arithmetic method may exist from now on: every script's chains take
        their operators' own tests (before the script that names one runs a line)."""
        self._guards.plain_numbers = False
        for namespace in self._namespaces:
            namespace[CHAIN_FLAG] = False

    @property
    def _chains_ok(self) -> bool:
        """No script of the mod names a reflected arithmetic method (``_chains``): one test
        covers a run of number operators. Kept by the guards (``sum`` reads it too); never
        true again once false."""
        return self._guards.plain_numbers

    def _note_class(self, cls: type) -> None:
        # The scan at load saw every reflected method a script writes. A class that gets one
        # anyway (a slot named at run time: ``__slots__ = ("__r" + op + "__",)``) is refused,
        # so the flag only ever changes between calls, never under a running chain.
        if self._chains_ok and any(name in REFLECTED for name in vars(cls)):
            raise self._meter.trip(
                ForbiddenSignal(
                    f"class {cls.__name__} gets a reflected arithmetic method from a name made "
                    "at run time; write the method in the class body"
                )
            )

    def _namespace(self, path: str) -> dict[str, Any]:
        g = self._guards
        fast_mul, fast_grow = fast_ops(g.mul, g.grow, SMALL_ITEMS)
        namespace = {
            "__builtins__": self._builtins,
            "__name__": path,
            FUEL: self._meter.stream,
            STEP: self._meter.step,
            "_next_": next,
            "_fz_": self._meter.loop,
            "_revive_": self._meter.revive,
            **ARITH_GLOBALS,
            CHAIN_FLAG: self._chains_ok,
            "_import_": self._modules,
            "_nomod_": ModuleNotFoundError,
            "_own_": self._guest.own,
            "_OWNED_": self._guest.owned_ids,
            "_id_": id,
            "_dunder_": self._guest.dunder,
            "_superop_": self._guest.operator_method,
            "_ctype_": self._guest.type_of,
            "_strfmt_": self._strfmt,
            "_slice_": slice,
            "_add_": g.add,
            "_mul_": g.mul,
            FAST_MUL: fast_mul,
            FAST_GROW: fast_grow,
            "_pow_": g.pow,
            "_lshift_": g.lshift,
            "_mod_": g.mod,
            "_iop_": g.inplace,
            "_grow_": g.grow,
            "_star_": g.star,
            "_fmt_": g.fmt,
            "_str_": str,
            "_gm_": method_guard(g),
            "_deny_slice_": _deny_slice,
            "_lrange_": self._loop_range,
            "_range_": range,
            "_RCAP_": g.max_bytes // 8,
            "_rbig_": range_refusal(g),
            # The builtins the compiled code calls directly and the sandbox's own to compare
            # with (see ``_DIRECT``); int for int(x), which parses no base (the stand-in sizes
            # int(text, base)).
            **{f"_b{name}_": getattr(builtins, name) for name in _DIRECT},
            **{f"_g{name}_": self._builtins[name] for name in _DIRECT},
            "_bisinstance_": isinstance,
            # str() and round() of these call the builtin (``_builtin_calls.TYPED_DIRECT``).
            "_PLAINTEXT_": frozenset({*PLAIN_TEXT, str}),
            "_FLOAT_": frozenset({float}),
            # The lazy builtins over these are built directly (``_builtin_calls.direct_lazy``).
            SHALLOW: SHALLOW_TYPES,
        }
        self._fixed_names = frozenset(namespace)
        return namespace

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
            namespace[FUEL] = self._meter.stream
            namespace[STEP] = self._meter.step

    def _roots(self) -> list[Any]:
        # The names every namespace starts with are skipped by a set lookup (this runs once
        # per step of the retained-memory walk, which at game scale is several times a tick).
        fixed = self._fixed_names
        return [
            *(
                v
                for ns in self._namespaces
                for k, v in ns.items()
                if k not in fixed and not is_injected(k)
            ),
            # Imported modules, also when no global names them, and the builtins: a script
            # may keep data in one (sys.argv, a name set on math, an attribute of print).
            *stored_in(self._builtin_holders),
            *(v for ns in self._modules.namespaces() for v in stored_in(vars(ns).values())),
        ]

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
                not_plain_message(foreign),
                mod_id=self.mod_id,
                file=path,
                hint=NOT_PLAIN_HINT,
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
        return script_fault(self.mod_id, path, exc, self._meter.tripped)


def _deny_slice(value: Any) -> Any:
    raise MemorySignal("slice assignment inside unpacking or chained assignment is not allowed")
