"""The interface every script execution tier implements.

The runtime holds one :class:`ScriptSandbox` per mod. It loads each script once
(:meth:`ScriptSandbox.load`) and calls hooks by name (:meth:`ScriptSandbox.call`). Tiers
differ in how they enforce limits, never in what a script observes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from time import perf_counter_ns
from typing import Any, ClassVar

from host_api import Limits, ModFault, ModhostError

from ._errors import SandboxClosed
from ._figures import HookFigures
from ._ticks import TickWork, run_kind, states_of

#: The hooks a script may define (DESIGN.md, "Entity scripts").
HOOKS: frozenset[str] = frozenset(
    {"on_load", "on_spawn", "on_tick", "on_system", "on_event", "on_collision", "on_reload"}
)


@dataclass(eq=False)
class ScriptModule:
    """One loaded script: its path (relative to the mod folder) and the hooks it defines."""

    path: str
    hooks: frozenset[str]
    #: Tier-private handle (the module namespace, a worker-side id ...).
    handle: Any = field(repr=False, default=None)


class ScriptSandbox(ABC):
    """Runs one mod's Python scripts under its limits.

    A context manager with an idempotent :meth:`close`; using it after close raises
    :class:`SandboxClosed`.

    :param mod_id: the mod whose scripts this sandbox runs (named in every fault).
    :param limits: the effective limits (manifest request capped by policy).
    """

    #: The tier's name as shown in reports (``inprocess``, ``process``).
    tier: ClassVar[str]

    def __init__(self, mod_id: str, limits: Limits) -> None:
        self.mod_id = mod_id
        self.limits = limits
        self._closed = False
        #: Where per-hook figures go when the host profiles (None: nothing is recorded).
        self.figures: HookFigures | None = None
        #: The mod's API, which entity batches run against (set by the host).
        self.tick_api: Any = None
        self._work: TickWork | None = None

    @abstractmethod
    def load(self, path: str, source: str) -> ScriptModule:
        """Compile and run a script's module body; return its hooks.

        :param path: the script's path relative to the mod folder (used in diagnostics).
        :param source: the script's source text.
        :raises ScriptRejected: syntax error or forbidden construct (``SANDBOX_FORBIDDEN``).
        :raises ScriptFault: the module body faulted while running.
        """

    def start_loading(self, scripts: Sequence[tuple[str, str]]) -> None:
        """Begin loading ``scripts``, if the tier can do it in the background.

        A hint: the next :meth:`load_many` with the same scripts collects the results (with
        other scripts it loads those, as if this was never called). The in-process tier
        ignores it; the process tier sends the scripts to its worker now, so a host loading
        several mods has their module bodies run in parallel, each in its own worker.

        :raises SandboxClosed: the sandbox is closed.
        """
        self._check_open()

    def load_many(self, scripts: Sequence[tuple[str, str]]) -> list[ScriptModule | ModhostError]:
        """:meth:`load` each ``(path, source)`` in order; one result per script.

        A script that fails to load gets its error (:class:`ScriptRejected`,
        :class:`ScriptFault`) in its place and the next scripts still load, exactly as with
        one :meth:`load` call each. The process tier overrides this to send all the scripts
        to its worker in one message.

        :raises SandboxClosed: the sandbox is closed.
        """
        self._check_open()
        results: list[ScriptModule | ModhostError] = []
        for path, source in scripts:
            try:
                results.append(self.load(path, source))
            except ModhostError as exc:
                results.append(exc)
        return results

    @abstractmethod
    def call(self, module: ScriptModule, hook: str, *args: Any) -> Any:
        """Call ``hook`` of ``module`` with ``args`` under the limits.

        Missing hooks are a no-op returning None.

        :raises ScriptFault: the hook raised or hit a limit (the subclass says which).
        """

    def call_batch(
        self,
        calls: Sequence[tuple[ScriptModule, str, tuple[Any, ...]]],
        on_fault: Callable[[ModFault], bool],
    ) -> None:
        """Make ``calls`` (module, hook, args) in order: the runtime's per-tick entity loop.

        A fault goes to ``on_fault``, which returns whether to go on; when it returns False the
        remaining calls are not made (or, in a tier that ran them ahead, not applied). The
        in-process tier just loops over :meth:`call`; the process tier crosses to its worker
        once for the whole batch, so entity state travels in bulk, not once per entity.
        With :attr:`figures` attached, the calls are counted there per script and hook.
        """
        if self.figures is not None:
            self._measured_batch(self.figures, calls, on_fault)
            return
        for module, hook, args in calls:
            try:
                self.call(module, hook, *args)
            except ModFault as fault:
                if not on_fault(fault):
                    return

    def _measured_batch(
        self,
        figures: HookFigures,
        calls: Sequence[tuple[ScriptModule, str, tuple[Any, ...]]],
        on_fault: Callable[[ModFault], bool],
    ) -> None:
        # Consecutive calls of the same hook (an entity kind's on_tick) are timed as one run:
        # one clock and one fuel reading per run, two identity tests per call. (A hook name
        # equal but not identical just starts a new run that adds to the same entry.)
        # A run's end readings are the next run's start (clock reads are not free everywhere).
        clock, mark, call = perf_counter_ns, self.fuel_mark, self.call
        run_module: ScriptModule | None = None
        run_hook = ""
        first = i = 0
        started, fuel = clock(), mark()
        for i, (module, hook, args) in enumerate(calls):
            if module is not run_module or hook is not run_hook:
                if run_module is not None:
                    now, spent = clock(), mark()
                    figures.add(run_module.path, run_hook, now - started, spent - fuel, i - first)
                    started, fuel = now, spent
                run_module, run_hook, first = module, hook, i
            try:
                call(module, hook, *args)
            except ModFault as exc:
                if not on_fault(exc):
                    break
        if run_module is not None:  # the last run, up to the last call made (i)
            figures.add(run_module.path, run_hook, clock() - started, mark() - fuel, i + 1 - first)

    # -- a mod's tick ---------------------------------------------------------------------------
    def start_tick(self, work: TickWork) -> None:
        """Begin ``work`` (a mod's scripts for one tick), if the tier can run it in the
        background; :meth:`finish_tick` completes it. The in-process tier runs everything in
        :meth:`finish_tick`; the process tier sends it to its worker here, so every mod's
        worker runs at once while the host collects the mods one by one, in load order.

        :raises SandboxClosed: the sandbox is closed.
        """
        self._check_open()
        self._work = work

    def finish_tick(self, on_fault: Callable[[ModFault], bool]) -> TickWork | None:
        """Complete the work :meth:`start_tick` began: the mod calls, then each kind's rows.

        Faults go to ``on_fault`` in call order; when it returns False nothing after that
        call runs (or is applied). Each :class:`KindWork` gets the writes its scripts made
        through ``ctx.entity``, for the host to apply.

        :returns: the work, with its writes (None if none was started).
        """
        work, self._work = getattr(self, "_work", None), None
        if work is None:
            return None
        if work.mod_calls:
            stopped: list[bool] = []

            def note(fault: ModFault) -> bool:
                go_on = on_fault(fault)
                if not go_on:
                    stopped.append(True)
                return go_on

            self.call_batch(work.mod_calls, note)
            if stopped:
                return work
        for kind in work.kinds:
            api = self.tick_api
            batch = kind.batch(api, states_of(kind, work.states), api.granted)
            try:
                go_on = run_kind(self, kind, batch, work.dt, on_fault, self.figures)
            finally:
                kind.take_writes(batch)
                batch.close()
            if not go_on:
                break
        return work

    def pull_states(self, into: dict[int, dict[str, Any]]) -> None:
        """Bring ``into`` (the host's copy of the mod's entity states) up to date. The
        in-process tier runs on the host's dicts themselves: nothing to do."""
        return None

    def forget(self, entity_id: int) -> None:
        """The entity is gone: drop what the tier keeps for it (the process tier's worker
        keeps each entity's ``ctx.state``)."""
        return None

    def fuel_mark(self) -> int:
        """Fuel used by all calls so far, where the tier can tell cheaply (0 otherwise)."""
        return 0

    def _check_open(self) -> None:
        if self._closed:
            raise SandboxClosed(f"sandbox of mod '{self.mod_id}' is closed")

    def close(self) -> None:
        """Release the tier's resources. Idempotent."""
        self._closed = True

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> ScriptSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
