"""``runtime.Host``: the world, the scheduler and the loaded mods, run together.

Lifecycle::

    with Host(Path("mods"), policy=policy, seed=7) as host:
        host.load()          # discover, plan, load every planned mod, call on_load
        host.step(240)       # run ticks
        host.reload()        # between ticks: hot-reload what changed on disk (runtime.reload)
        report = host.report()

A tick runs the stages of :mod:`runtime.core._scheduler` in order:

``input``
    input events and due timers (:mod:`runtime.gameplay._gameplay`).
``scripts``
    per running mod in load order: its mod scripts' ``on_tick(ctx, dt)``, then for each
    entity kind it scripts, per entity in ascending id: ``on_spawn(ctx)`` once for entities
    new since the mod last ran, then ``on_tick(ctx, dt)`` (sent to the sandbox as one batch
    per mod, so the process tier crosses to its worker once per tick).
``components``
    per running mod in load order: each component's ``on_tick(dt)``.
``integration``
    ``position += velocity * dt`` for every entity (quarantined mods' entities stay frozen).
``collisions``
    collider overlaps: ``on_collision`` and trigger events (:mod:`runtime.gameplay._gameplay`).
``events``
    the events queued so far, delivered in the order documented in :mod:`runtime.core._events`
    to mods holding ``events.listen``.
``presentation``
    a :class:`~runtime.core._frame.FrameSnapshot` for the attached presenter, if any.

Spawns and despawns are applied after every stage. Faults raised by hooks are caught per
call, turned into diagnostics and counted on the fault ladder (:mod:`runtime.core._faults`); the
host and the other mods keep ticking.

State that outlives a mod instance (``ctx.state`` per mod and per entity, fault ledgers,
logs, diagnostics) is held here, so a mod can be closed and loaded again (hot reload) through
:meth:`Host.load_mod` / :meth:`Host.unload_mod` without losing it.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from host_api import (
    AuditSink,
    Capability,
    Diagnostic,
    DiagnosticCode,
    HostPolicy,
    ModFault,
    ModhostError,
    any_error,
)
from marketplace import record_loaded_mod
from sandbox import ComponentRuntime, HookFigures, KindWork, ScriptModule, TickWork

from ._discovery import discover
from ._events import MAX_EVENTS_PER_TICK, Event, for_receiver
from ._faults import FaultLedger
from ._features import installed
from ._frame import FrameSnapshot, Presenter
from ._mods import ModInstance, ModLoadFailed, StartedLoad, load_mod, start_load
from ._prepare import Preparation, plan_discovery
from ._report import ModReport, ModState, RunReport, Timings
from ._scheduler import DEFAULT_HZ, Scheduler, Stage
from ._world import KindRows, World
from ._writes import checked_writes

if TYPE_CHECKING:
    from ..reload import ReloadResult

#: Log lines kept per mod for the report.
LOG_LINES_KEPT: Final = 20
#: Mods started ahead of the one loading (:meth:`Host.loading_ahead`): with the process tier
#: their workers run module bodies in parallel. As many as the worker pool keeps warm.
LOAD_AHEAD: Final = 12
#: Component exports' fuel is read after one call in this many (profiling only).
FUEL_SAMPLE_EVERY: Final = 16

LogSink = Callable[[str, str], None]


class Host:
    """Owns the world, the scheduler and the mods of one ``mods/`` folder.

    :param mods_dir: the drop-in folder.
    :param policy: the host policy (the default ``dev`` policy if None).
    :param seed: the world seed; every mod's ``ctx.random`` derives from it.
    :param hz: ticks per simulated second.
    :param base_dir: where the policy's relative paths resolve (default: ``mods_dir``'s parent).
    :param log: called with ``(mod_id, line)`` for every line a mod logs (the terminal).
    :param audit: where capability decisions are recorded.
    :param profile: keep the profiler's accounting (:mod:`runtime.profile._profile`); None follows
        the policy's ``[profile] enabled``.
    :param trace: where the profiler streams slices (``run --trace``), if anywhere; closed
        with the host.
    """

    def __init__(
        self,
        mods_dir: Path,
        *,
        policy: HostPolicy | None = None,
        seed: int = 0,
        hz: int = DEFAULT_HZ,
        base_dir: Path | None = None,
        log: LogSink | None = None,
        audit: AuditSink | None = None,
        profile: bool | None = None,
        trace: Any = None,
    ) -> None:
        self.mods_dir: Final = mods_dir
        self.policy: Final = policy if policy is not None else HostPolicy()
        self.seed: Final = seed
        self._base_dir = base_dir
        self._log_sink = log
        self._audit = audit
        self.world: Final = World(log=self._on_log)
        features = installed()
        self._features: Final = features
        self._diagnostics: list[Diagnostic] = []
        gameplay, gameplay_stages = features.gameplay(self)
        #: Input, timers, HUD and colliders (runtime.gameplay), installed through the hooks.
        self.gameplay: Final = gameplay
        on = self.policy.profile.enabled if profile is None else profile
        # Budgets read the profiler's figures; a trace is written by it.
        on = on or self.policy.budgets.enabled or trace is not None
        #: Per-tick, per-mod and per-hook accounting (None when profiling is off).
        self.profiler: Final = (
            features.profiler(hz, self.policy.profile.windows_s, trace) if on else None
        )
        self.scheduler: Final = Scheduler(
            hz=hz,
            on_tick_start=self.world.advance_tick,
            on_boundary=self._boundary,
            recorder=self.profiler,
        )
        for stage, fn in (
            (Stage.INPUT, gameplay_stages.input_stage),
            (Stage.SCRIPTS, self._scripts_stage),
            (Stage.COMPONENTS, self._components_stage),
            (Stage.INTEGRATION, self._integration_stage),
            (Stage.COLLISIONS, gameplay_stages.collisions_stage),
            (Stage.EVENTS, self._events_stage),
            (Stage.PRESENTATION, self._presentation_stage),
        ):
            self.scheduler.add(stage, fn)
        self.preparation: Preparation | None = None
        #: Running instances by id (quarantined ones stay here, skipped).
        self.instances: dict[str, ModInstance] = {}
        self._order: list[str] = []
        self._states: dict[str, ModState] = {}
        self._versions: dict[str, str | None] = {}
        self._ledgers: dict[str, FaultLedger] = {}
        self._mod_state: dict[str, dict[str, Any]] = {}
        self._entity_state: dict[str, dict[int, dict[str, Any]]] = {}
        self._unseen: dict[str, list[int]] = {}
        self._logs: dict[str, deque[str]] = {}
        self._mod_ns: dict[str, int] = {}
        self._presenter: Presenter | None = None
        self._present_every = 1
        self._overlay: Callable[[], dict[str, str]] | None = None
        self._wall_ns = 0
        #: Per component export: calls so far and the fuel its last sampled call used.
        self._export_fuel: dict[tuple[int, str], tuple[int, int]] = {}
        self._closed = False
        self._reloader = features.reloader(self)
        #: Mods whose loads were started ahead (loading_ahead), not yet loaded.
        self._started: dict[str, StartedLoad] = {}
        base = base_dir if base_dir is not None else mods_dir.resolve().parent
        #: The WebAssembly tier (engine created on the first component); owns the data folder.
        self.components: Final = ComponentRuntime(
            base / self.policy.data_dir, host_memory_mb=self.policy.limits.host_memory_mb
        )
        if self.profiler is not None:
            self.profiler.start(tick=lambda: self.world.tick, capability_calls=self._calls)

    # -- lifecycle ---------------------------------------------------------------------------
    def load(self, *, strict: bool = False) -> Preparation:
        """Discover and plan the mods, then load every planned mod in order.

        A mod that fails to load is reported (state ``failed``); the others load.

        :param strict: when discovery or planning raised an error, load nothing (no mod
            code runs; the planned mods are ``disabled``).
        """
        with self._startup("discovery"):
            found = discover(self.mods_dir, self.policy, base_dir=self._base_dir)
        with self._startup("planning"):
            prep = self.preparation = plan_discovery(found)
        if self.profiler is not None:
            # Verified inside discovery: shown as its own step, not twice.
            self.profiler.add_startup("signature checks", found.signature_ns)
            self.profiler.add_startup("discovery", -found.signature_ns)
        self._diagnostics.extend(prep.diagnostics)
        stop = strict and any_error(prep.diagnostics)
        for mod_id, state in prep.states.items():
            candidate = prep.candidates[mod_id]
            self._versions[mod_id] = None if candidate is None else candidate.manifest.version
            if state != "planned" or stop:
                self._states[mod_id] = "disabled" if state == "planned" else state
        if stop:
            return prep
        with contextlib.closing(self.loading_ahead(prep.order)) as ahead:
            for mod_id in ahead:
                self.load_mod(mod_id)
        self._reloader.remember()
        if self.policy.budgets.enabled:
            self._features.attach_budgets(self)
        return prep

    def loading_ahead(self, order: Iterable[str]) -> Generator[str, None, None]:
        """Yield ``order``'s mod ids to load one by one with :meth:`load_mod`, each with the
        next :data:`LOAD_AHEAD` already started (sandbox made, scripts read and handed over).

        Loading stays in order, one mod at a time (``on_load`` and ``on_reload`` see the
        mods before them); only module bodies, which reach nothing of the host, run ahead.
        Close the generator when done (``contextlib.closing``): starts not loaded by then
        are released.
        """
        ids = list(order)
        try:
            for n, mod_id in enumerate(ids):
                for ahead in ids[n : n + LOAD_AHEAD]:
                    self._start(ahead)  # a no-op for the ones started already
                yield mod_id
        finally:
            started, self._started = self._started, {}
            for load in started.values():
                load.close()

    def _start(self, mod_id: str) -> None:
        prep = self.preparation
        candidate = None if prep is None else prep.candidates.get(mod_id)
        if candidate is not None and mod_id not in self._started:
            with self._startup("worker start"):
                self._started[mod_id] = start_load(candidate, self.policy)

    def load_mod(
        self, mod_id: str, *, on_load: bool = True, record: bool = True
    ) -> ModInstance | None:
        """Load one planned mod through the single load path and call its ``on_load``.

        Repeatable: after :meth:`unload_mod` it loads the mod again, with its ``ctx.state``
        kept. Spawns and despawns queued by ``on_load`` are applied before it returns.
        Returns None (and records the diagnostics) if it failed to load.
        ``on_load=False`` skips ``on_load`` (a hot reload calls ``on_reload`` instead).
        ``record=False`` leaves the rollback-protection record alone: a hot reload loads
        inside a transaction that may still roll back, and records with
        :meth:`record_accepted` only once it commits.
        """
        if self.preparation is None or self.preparation.candidates.get(mod_id) is None:
            raise KeyError(f"mod '{mod_id}' is not a planned candidate")
        candidate = self.preparation.candidates[mod_id]
        assert candidate is not None
        if mod_id not in self._order:
            self._order.append(mod_id)
        self._ledgers.setdefault(mod_id, FaultLedger(mod_id, self.policy))
        try:
            with self._startup("compile"):
                instance = load_mod(
                    candidate,
                    world=self.world,
                    policy=self.policy,
                    seed=self.seed,
                    audit=self._audit,
                    components=self.components,
                    gameplay=self.gameplay,
                    started=self._started.pop(mod_id, None),
                )
        except ModLoadFailed as exc:
            self._states[mod_id] = "failed"
            self._diagnostics.extend(exc.diagnostics)
            return None
        self.instances[mod_id] = instance
        if self.profiler is not None:
            instance.sandbox.figures = HookFigures()
        self._states[mod_id] = "running"
        if record:
            self.record_accepted(instance)
        self._diagnostics.extend(instance.notes)
        # Entities of its kinds it never ran a hook for get on_spawn; after a reload the
        # ones it already knows (they have state) do not get it again.
        known = self._entity_state.get(mod_id, {})
        self._unseen[mod_id] = sorted(
            int(i)
            for kind in instance.entity_scripts
            for i in self.world.ids_of_kind(kind)
            if int(i) not in known
        )
        if on_load:
            with self._startup("on_load"):
                self._timed(instance, self._call_on_load)
        # Loading is a stage boundary: what on_load spawned is there for the first tick.
        self._boundary(None)
        return instance

    def record_accepted(self, instance: ModInstance) -> None:
        """Record ``instance``'s version for rollback protection (what ``run``, not
        ``check``, really loaded). Called once its load has committed: at startup right after
        it loads, after a hot reload when the reload's transaction commits (a reload that
        rolls back records nothing). Re-verifies a signed folder (O(size of the mod's files));
        an unsigned one has nothing to record."""
        base = self._base_dir if self._base_dir is not None else self.mods_dir.resolve().parent
        self._diagnostics.extend(
            record_loaded_mod(instance.folder, instance.manifest, self.policy, policy_dir=base)
        )

    def unload_mod(self, mod_id: str) -> None:
        """Close a mod's instance; its ``ctx.state``, ledger and logs stay with the host."""
        self.sync_states([mod_id])
        instance = self.instances.pop(mod_id, None)
        if instance is not None:
            instance.close()

    def sync_states(self, mods: Iterable[str] | None = None) -> None:
        """Bring the host's copy of each entity's ``ctx.state`` up to date (the process
        tier keeps the states in its workers between ticks and sends a rolling share back).
        """
        for mod_id in list(self.instances) if mods is None else list(mods):
            instance = self.instances.get(mod_id)
            if instance is not None and not instance.closed:
                instance.sandbox.pull_states(self._entity_state.setdefault(mod_id, {}))

    def reload(self, mods: Iterable[str] | None = None, *, force: bool = False) -> ReloadResult:
        """Hot-reload changed mods between two ticks, with their dependents, or roll back.

        The one reload call (``modhost run --watch`` uses it, and so can tests and tools).
        Mods load through :meth:`load_mod`, keep every ``ctx.state`` and get
        ``on_reload(ctx, old_state)``; new folders load, deleted ones unload. Any failure
        puts the affected mods back exactly as they were and adds ``RELOAD_ROLLED_BACK``
        (see :mod:`runtime.reload._reload`).

        :param mods: mod folder names (or ids of loaded mods) that changed; None compares
            every folder's content with what was last loaded.
        :param force: reload the named mods even if their files did not change.
        :returns: what was reloaded, loaded, unloaded and rolled back.
        """
        if self._closed:
            raise ModhostError("the host is closed", hint="create a new Host to run again")
        start = time.perf_counter_ns()
        result = self._reloader.reload(mods, force=force)
        if self.profiler is not None and result.changed:
            ms = (time.perf_counter_ns() - start) / 1e6
            self.profiler.reloaded(ms)
            self.profiler.instant("reload", {"summary": result.summary(), "ms": ms})
        return result

    @property
    def reloads(self) -> tuple[ReloadResult, ...]:
        """The last reloads that changed something, oldest first."""
        return tuple(self._reloader.history)

    def close(self) -> None:
        """Close every mod instance and the presenter. Idempotent."""
        if self._closed:
            return
        self._closed = True
        for mod_id in list(self.instances):
            self.unload_mod(mod_id)
        self.components.close()
        if self.profiler is not None:
            self.profiler.close()
        if self._presenter is not None:
            self._presenter.close()

    def __enter__(self) -> Host:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- running -------------------------------------------------------------------------------
    def step(self, n: int = 1) -> None:
        """Run ``n`` ticks."""
        if self._closed:
            raise ModhostError("the host is closed", hint="create a new Host to run again")
        start = time.perf_counter_ns()
        if self.scheduler.ticks == 0 and n > 0 and self.profiler is not None:
            with self._startup("first tick"):
                self.scheduler.step(1)
            n -= 1
        self.scheduler.step(n)
        self._wall_ns += time.perf_counter_ns() - start
        for instance in self.instances.values():
            # Throttling and component refusals are reported without raising.
            self._diagnostics.extend(instance.api.drain_diagnostics())

    @property
    def tick(self) -> int:
        """Ticks run so far."""
        return self.world.tick

    @property
    def load_order(self) -> tuple[str, ...]:
        """Mod ids that loaded, in load order."""
        return tuple(m for m in self._order if m in self.instances)

    def world_hash(self) -> str:
        """SHA-256 over the canonical world state (see :meth:`World.world_hash`)."""
        return self.world.world_hash()

    def attach_presenter(
        self,
        presenter: Presenter,
        *,
        every: int = 1,
        overlay: Callable[[], dict[str, str]] | None = None,
    ) -> None:
        """Draw a frame every ``every`` ticks in the presentation stage; closed with the host.

        :param overlay: extra overlay lines, merged over the host's own.
        """
        self._presenter = presenter
        self._present_every = max(1, every)
        self._overlay = overlay

    def snapshot(self) -> FrameSnapshot:
        """A copy of the world for presentation, with the overlay lines."""
        world = self.world
        overlay = {
            "tick rate": f"{self.scheduler.hz} Hz",
            "entities": str(len(world)),
        }
        ticks = max(1, self.scheduler.ticks)
        for mod_id in self.load_order:
            overlay[mod_id] = f"{self._mod_ns.get(mod_id, 0) / ticks / 1e6:.3f} ms/tick"
        if self._reloader.history:
            overlay["reload"] = self._reloader.history[-1].summary()
        if self._overlay is not None:
            overlay.update(self._overlay())
        kind_codes, kind_table = world.labels()["kind"]
        return FrameSnapshot(
            tick=world.tick,
            ids=world.ids.copy(),
            kinds=world.kind_names(),
            # The world's interned codes: presentation groups entities without a string pass.
            kind_codes=kind_codes,
            kind_table=tuple(str(name) for name in kind_table),
            positions=world.positions.astype(np.float32),
            overlay=overlay,
            hud=self.gameplay.hud.items(),
            camera_target=self.gameplay.hud.camera_target(world.get),
        )

    def present(self) -> None:
        """Draw the current world now (e.g. the last frame before a screenshot)."""
        if self._presenter is not None:
            self._presenter.draw(self.snapshot())

    # -- reporting ------------------------------------------------------------------------------
    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Every diagnostic so far, in the order it happened."""
        return tuple(self._diagnostics)

    def diagnostics_since(self, start: int) -> tuple[Diagnostic, ...]:
        """The diagnostics after the first ``start``, in order: O(new ones), for polling
        every tick. A reload rolled back drops the diagnostics of its failed attempt, so
        the list only ever shrinks back to where that reload began."""
        return tuple(self._diagnostics[start:])

    def state_of(self, mod_id: str) -> ModState:
        """``running``, ``quarantined``, ``failed`` or ``disabled``."""
        return self._states[mod_id]

    def report(self, *, screenshot: Path | None = None) -> RunReport:
        """The run report (the ``--json`` document of ``modhost run``)."""
        ticks = self.scheduler.ticks
        owners = self.world.count_by_owner()
        mods = {mod_id: self._mod_report(mod_id, owners) for mod_id in sorted(self._states)}
        return RunReport(
            load_order=list(self.load_order),
            ticks=ticks,
            seed=self.seed,
            world_hash=self.world_hash(),
            entities=len(self.world),
            kinds=self.world.count_by_kind(),
            screenshot=None if screenshot is None else str(screenshot),
            mods=mods,
            diagnostics=list(self._diagnostics),
            timings=Timings(
                total_ms=self._wall_ns / 1e6,
                per_tick_ms=self._wall_ns / 1e6 / max(1, ticks),
                stages_ms={str(s): ns / 1e6 for s, ns in self.scheduler.stage_ns.items()},
                mods_ms={m: self._mod_ns.get(m, 0) / 1e6 for m in self._order},
            ),
        )

    def _mod_report(self, mod_id: str, owners: dict[str, int]) -> ModReport:
        instance = self.instances.get(mod_id)
        ledger = self._ledgers.get(mod_id)
        return ModReport(
            id=mod_id,
            version=self._versions.get(mod_id),
            state=self._states[mod_id],
            tier=None if instance is None else instance.tier,
            faults=0 if ledger is None else ledger.count,
            entities=owners.get(mod_id, 0),
            diagnostics=self._diagnostics_of(mod_id),
            log=list(self._logs.get(mod_id, ())),
            time_ms=self._mod_ns.get(mod_id, 0) / 1e6,
        )

    def _diagnostics_of(self, mod_id: str) -> list[Diagnostic]:
        """The report entry's diagnostics: those about ``mod_id`` and, through the current
        plan, the failures that disabled it (the same rule ``check`` uses)."""
        if self.preparation is None:
            return [d for d in self._diagnostics if d.mod == mod_id]
        return list(self.preparation.for_mod(mod_id, self._diagnostics))

    # -- stages ----------------------------------------------------------------------------------
    def _active(self) -> list[ModInstance]:
        """Instances whose hooks run this tick, in load order."""
        tick = self.world.tick
        return [
            self.instances[m]
            for m in self._order
            if m in self.instances and self._ledgers[m].runs_on(tick)
        ]

    def _scripts_stage(self, dt: float) -> None:
        # Every mod's entity batches read the world as it was when the stage began (so the
        # process tier's workers can all run at once and the world still comes out the same
        # in both tiers): the kinds' rows are read before any mod runs.
        active = self._active()
        rows = {
            kind: self.world.kind_rows(kind)
            for kind in {k for i in active for k in i.entity_scripts}
        }
        started: list[tuple[ModInstance, TickWork]] = []
        for instance in active:
            work = self._tick_work(instance, dt, rows)
            if work is not None:
                self._timed(instance, lambda inst, w=work: inst.sandbox.start_tick(w))
                started.append((instance, work))
        for instance, _ in started:
            self._timed(instance, lambda inst: self._finish_scripts(inst, rows))

    def _tick_work(
        self, instance: ModInstance, dt: float, rows: dict[str, KindRows]
    ) -> TickWork | None:
        mod_calls: list[tuple[ScriptModule, str, tuple[Any, ...]]] = []
        if instance.mod_scripts:
            ctx = self._mod_ctx(instance)
            mod_calls = [
                (m, "on_tick", (ctx, dt)) for m in instance.mod_scripts if "on_tick" in m.hooks
            ]
        unseen = set(self._unseen.get(instance.id, ()))
        self._unseen[instance.id] = []
        kinds = []
        for kind, modules in instance.entity_scripts.items():
            r = rows[kind]
            if not len(r.ids):
                continue
            fresh = frozenset(i for i, e in enumerate(r.ids) if e in unseen) if unseen else None
            kinds.append(
                KindWork(
                    kind,
                    modules,
                    r.ids,
                    r.positions,
                    r.velocities,
                    r.tag_rows,
                    r.tag_table,
                    fresh or frozenset(),
                )
            )
        if not mod_calls and not kinds:
            return None
        states = self._entity_state.setdefault(instance.id, {})
        for entity_id in unseen:
            # Known from now on (a reload does not announce it again), whichever tier keeps
            # the state itself.
            states.setdefault(entity_id, {})
        return TickWork(mod_calls, kinds, dt, states, self.world.tick)

    def _finish_scripts(self, instance: ModInstance, rows: dict[str, KindRows]) -> None:
        self.world.defer_writes()
        try:
            work = instance.sandbox.finish_tick(lambda exc: self._fault_goes_on(instance, exc))
        finally:
            self.world.apply_deferred()
        if work is None or Capability.WORLD_WRITE.value not in instance.api.granted:
            return
        for kind in work.kinds:
            world_rows = rows[kind.kind].rows
            for mask, values, column in (
                (kind.moved_mask, kind.moved, "positions"),
                (kind.steered_mask, kind.steered, "velocities"),
            ):
                if mask:
                    at, vec = checked_writes(mask, values, len(world_rows))
                    self.world.write_rows(world_rows[at], **{column: vec})

    def _fault_goes_on(self, instance: ModInstance, exc: ModFault) -> bool:
        """Record a fault from a batch; False (stop the batch) once the mod is quarantined."""
        self._fault(instance, exc)
        return not self._ledgers[instance.id].quarantined

    def _components_stage(self, dt: float) -> None:
        for instance in self._active():
            if instance.components:
                self._timed(instance, lambda inst: self._tick_components(inst, dt))

    def _tick_components(self, instance: ModInstance, dt: float) -> None:
        for component in instance.components:
            thunk = partial(component.on_tick, dt)
            if not self._export(instance, component, "on-tick", thunk):
                return

    def _integration_stage(self, dt: float) -> None:
        frozen = [m for m, state in self._states.items() if state == "quarantined"]
        self.world.integrate(dt, frozen)

    def _events_stage(self, dt: float) -> None:
        if not len(self.world.events):
            return
        rank = {m: i for i, m in enumerate(self._order)}
        events, dropped = self.world.events.drain(lambda m: rank.get(m, len(rank)))
        if self.profiler is not None:
            self.profiler.count_events([e.name for e in events])
        if dropped:
            self._diagnostics.extend(_dropped_events(dropped, self.world.tick))
        receivers = [i for i in self._active() if i.listens]
        ids_by_kind: dict[str, list[int]] = {}
        for event in events:
            start = time.perf_counter_ns()
            self.gameplay.observe(event)
            for instance in receivers:
                if instance.id in self.instances and not self._ledgers[instance.id].quarantined:
                    self._timed(instance, partial(self._deliver, event=event, ids=ids_by_kind))
            if self.profiler is not None:
                self.profiler.event_delivered(event.name, time.perf_counter_ns() - start)

    def _deliver(self, instance: ModInstance, event: Event, ids: dict[str, list[int]]) -> None:
        for module in instance.mod_scripts:
            if "on_event" in module.hooks:
                self._call(
                    instance, module, "on_event", self._mod_ctx(instance), for_receiver(event)
                )
        for kind, modules in instance.entity_scripts.items():
            listening = [m for m in modules if "on_event" in m.hooks]
            if not listening:
                continue
            if kind not in ids:
                ids[kind] = self.world.ids_of_kind(kind).tolist()
            for entity_id in ids[kind]:
                ctx = self._entity_ctx(instance, entity_id)
                for module in listening:
                    if ctx is not None:
                        self._call(instance, module, "on_event", ctx, for_receiver(event))
        for component in instance.components:
            payload = for_receiver(event).payload
            self._export(
                instance, component, "on-event", partial(component.on_event, event.name, payload)
            )

    def _presentation_stage(self, dt: float) -> None:
        if self._presenter is not None and self.world.tick % self._present_every == 0:
            self._presenter.draw(self.snapshot())

    def _boundary(self, stage: Stage | None) -> None:
        born, died = self.world.apply_commands()
        if born:
            self._note_spawns(born)
        for entity_id in died:
            self.gameplay.forget_entity(entity_id)
            for mod_id, instance in self.instances.items():
                instance.forget(entity_id)
                self._entity_state.get(mod_id, {}).pop(entity_id, None)

    def _note_spawns(self, born: tuple[int, ...]) -> None:
        kinds = {}
        for entity_id in born:
            view = self.world.get(entity_id)
            if view is not None:
                kinds[entity_id] = view.kind
        for mod_id, instance in self.instances.items():
            scripted = instance.entity_scripts
            if scripted and not self._ledgers[mod_id].quarantined:
                self._unseen[mod_id].extend(i for i in born if kinds.get(i) in scripted)

    # -- calls and faults ------------------------------------------------------------------------
    def _mod_ctx(self, instance: ModInstance) -> Any:
        return instance.context(None, lambda: self._mod_state.setdefault(instance.id, {}))

    def _entity_ctx(self, instance: ModInstance, entity_id: int) -> Any:
        ctx = instance.contexts.get(entity_id)
        if ctx is not None:
            return ctx
        view = self.world.get(entity_id)
        if view is None:
            return None
        states = self._entity_state.setdefault(instance.id, {})
        return instance.context(view, lambda: states.setdefault(entity_id, {}))

    def _call_on_load(self, instance: ModInstance) -> None:
        ctx = self._mod_ctx(instance)
        for module in instance.mod_scripts:
            if "on_load" in module.hooks:
                self._call(instance, module, "on_load", ctx)
            if self._ledgers[instance.id].quarantined:
                return

    def _call(self, instance: ModInstance, module: ScriptModule, hook: str, *args: Any) -> bool:
        """Call a hook; a fault is recorded and returns False."""
        if instance.sandbox.figures is not None:
            # Through the batch path, where the tiers count calls per hook for the profiler.
            faults: list[ModFault] = []
            instance.sandbox.call_batch([(module, hook, args)], lambda f: faults.append(f) or False)
            for fault in faults:
                self._fault(instance, fault)
            return not faults
        try:
            instance.sandbox.call(module, hook, *args)
        except ModFault as exc:
            self._fault(instance, exc)
            return False
        return True

    def _guard(self, instance: ModInstance, thunk: Callable[[], object]) -> bool:
        try:
            thunk()
        except ModFault as exc:
            self._fault(instance, exc)
            return False
        return True

    def _export(
        self, instance: ModInstance, component: Any, export: str, thunk: Callable[[], object]
    ) -> bool:
        """Call a component export under :meth:`_guard`, counted per export when profiling.

        Fuel is read after one call in :data:`FUEL_SAMPLE_EVERY` (a read crosses into
        wasmtime and costs more than a small export) and counted for each call since.
        """
        figures = instance.sandbox.figures
        if figures is None:
            return self._guard(instance, thunk)
        start = time.perf_counter_ns()
        ok = self._guard(instance, thunk)
        end = time.perf_counter_ns()
        key = (id(component), export)
        n, fuel = self._export_fuel.get(key, (0, 0))
        if not n % FUEL_SAMPLE_EVERY:
            left = getattr(component, "fuel_left", None)
            limits = getattr(component, "limits", instance.sandbox.limits)
            fuel = 0 if left is None else max(0, limits.fuel - left)
        self._export_fuel[key] = (n + 1, fuel)
        figures.add(str(getattr(component, "file", "component")), export, end - start, fuel)
        return ok

    def _fault(self, instance: ModInstance, exc: ModFault) -> None:
        ledger = self._ledgers[instance.id]
        self._diagnostics.extend(ledger.record(exc, tick=self.world.tick))
        if self.profiler is not None:
            self.profiler.instant("fault", {"mod": instance.id, "code": str(exc.code)})
        if ledger.quarantined and self._states.get(instance.id) == "running":
            self._states[instance.id] = "quarantined"

    def _timed(self, instance: ModInstance, work: Callable[[ModInstance], object]) -> None:
        start = time.perf_counter_ns()
        try:
            work(instance)
        finally:
            end = time.perf_counter_ns()
            self._mod_ns[instance.id] = self._mod_ns.get(instance.id, 0) + end - start
            if self.profiler is not None:
                self.profiler.mod_done(instance.id, start, end, instance.sandbox.figures)

    def _startup(self, step: str) -> contextlib.AbstractContextManager[None]:
        """Time a cold-start step (only before the first tick: reloads are timed apart)."""
        if self.profiler is None or self.scheduler.ticks > 0:
            return contextlib.nullcontext()
        return self.profiler.step(step)

    def _calls(self) -> dict[str, dict[str, int]]:
        """Granted host calls per mod and capability so far (the profiler's view)."""
        return {
            m: {str(c): n for c, n in sorted(i.api.capability_calls.items())}
            for m, i in sorted(self.instances.items())
        }

    def budget_overrun(self, mod_id: str | None, diagnostic: Diagnostic, rung: str) -> None:
        """Record a budget overrun (:mod:`runtime.profile._budgets`): the diagnostic, and with
        ``rung`` ``throttled`` or ``quarantined`` that step on the mod's fault ladder."""
        self._diagnostics.append(diagnostic)
        if self.profiler is not None:
            self.profiler.instant("budget", {"mod": mod_id or "", "message": diagnostic.message})
        ledger = None if mod_id is None else self._ledgers.get(mod_id)
        if mod_id is None or ledger is None or rung == "ok":
            return
        self._diagnostics.extend(ledger.escalate(rung, tick=self.world.tick))  # type: ignore[arg-type]
        if ledger.quarantined and self._states.get(mod_id) == "running":
            self._states[mod_id] = "quarantined"

    def _on_log(self, mod_id: str, line: str) -> None:
        self._logs.setdefault(mod_id, deque(maxlen=LOG_LINES_KEPT)).append(line)
        if self._log_sink is not None:
            self._log_sink(mod_id, line)


def _dropped_events(dropped: dict[str, int], tick: int) -> list[Diagnostic]:
    return [
        Diagnostic(
            code=DiagnosticCode.MOD_THROTTLED,
            severity="warning",
            message=f"{count} events dropped: the host queues at most "
            f"{MAX_EVENTS_PER_TICK} events per tick",
            mod=mod_id,
            hint="emit fewer events per tick (batch them into one payload)",
            details={"tick": tick, "dropped": count},
        )
        for mod_id, count in sorted(dropped.items())
    ]
