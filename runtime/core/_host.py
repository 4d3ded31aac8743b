"""``runtime.Host``: the world, the scheduler and the loaded mods, run together.

Lifecycle::

    with Host(Path("mods"), policy=policy, seed=7) as host:
        host.load()          # discover, plan, load every planned mod, call on_load
        host.step(240)       # run ticks
        host.reload()        # between ticks: hot-reload what changed on disk (runtime.reload)
        report = host.report()

A tick runs the stages of :mod:`runtime.core._scheduler` in order, each documented where it
lives: ``input`` and ``collisions`` (gameplay, :mod:`runtime.gameplay._gameplay`), ``scripts``
(:mod:`~runtime.core._scripts_stage`), ``components`` (each running mod's components'
``on_tick(dt)``), ``integration`` (``position += velocity * dt``; quarantined mods' entities
stay frozen), ``events`` (:mod:`~runtime.core._events_stage`) and ``presentation``
(:mod:`~runtime.core._presenting`). Mods run in load order in every stage.

Spawns and despawns are applied after every stage. Every call into a mod goes through
:class:`~runtime.core._calls.HookCalls`: faults raised by hooks are caught per call, turned
into diagnostics and counted on the fault ladder (:mod:`runtime.core._faults`); the host and
the other mods keep ticking.

State that outlives a mod instance (``ctx.state`` per mod and per entity, fault ledgers,
logs, diagnostics) is held here, in a :class:`~runtime.core._book.ModBook`, so a mod can be
closed and loaded again (hot reload) through :meth:`Host.load_mod` / :meth:`Host.unload_mod`
without losing it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Generator, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from host_api import AuditSink, Diagnostic, HostPolicy, ModhostError, any_error
from resolver import ModCandidate
from sandbox import ComponentRuntime, HookFigures

from ._book import ModBook
from ._boundary import apply_boundary
from ._calls import HookCalls
from ._events_stage import EventsStage
from ._features import ReloadPort, installed
from ._frame import FrameSnapshot, Presenter
from ._loading import ModLoader
from ._mods import ModInstance, ModLoadFailed
from ._prepare import Preparation
from ._presenting import Presentation
from ._report import ModState, RunReport
from ._reporting import run_report
from ._scheduler import DEFAULT_HZ, Scheduler, Stage
from ._scripts_stage import ScriptsStage
from ._world import World

if TYPE_CHECKING:
    from ..reload import ReloadResult

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
        self._log_sink = log
        #: What outlives a mod instance: order, states, ledgers, ``ctx.state``, diagnostics.
        self._book: Final = ModBook(self.policy)
        self.world: Final = World(log=self._on_log)
        features = installed()
        self._features: Final = features
        on = self.policy.profile.enabled if profile is None else profile
        # Budgets read the profiler's figures; a trace is written by it.
        on = on or self.policy.budgets.enabled or trace is not None
        #: Per-tick, per-mod and per-hook accounting (None when profiling is off).
        self.profiler: Final = (
            features.profiler(hz, self.policy.profile.windows_s, trace) if on else None
        )
        self.preparation: Preparation | None = None
        #: Running instances by id (quarantined ones stay here, skipped).
        self.instances: dict[str, ModInstance] = {}
        #: The one path into mod code: timing, faults, contexts, event delivery.
        self._calls: Final = HookCalls(self.world, self._book, self.instances, self.profiler)
        gameplay, gameplay_stages = features.gameplay(
            self.world, self._calls, self._book.diagnostics.append
        )
        #: Input, timers, HUD and colliders (runtime.gameplay), installed through the hooks.
        self.gameplay: Final = gameplay
        self._presentation: Final = Presentation(self.world, gameplay, self._overlay_lines)
        self.scheduler: Final = Scheduler(
            hz=hz,
            on_tick_start=self.world.advance_tick,
            on_boundary=self._boundary,
            recorder=self.profiler,
        )
        for stage, fn in (
            (Stage.INPUT, gameplay_stages.input_stage),
            (Stage.SCRIPTS, ScriptsStage(self.world, self._book, self._calls)),
            (Stage.COMPONENTS, self._calls.components_stage),
            (Stage.INTEGRATION, self._integration_stage),
            (Stage.COLLISIONS, gameplay_stages.collisions_stage),
            (Stage.EVENTS, EventsStage(self._calls, self._book, gameplay.observe, self.profiler)),
            (Stage.PRESENTATION, self._presentation.stage),
        ):
            self.scheduler.add(stage, fn)
        self._wall_ns = 0
        self._closed = False
        port = ReloadPort(self._book, self._calls, lambda: self._boundary(None), base_dir)
        self._reloader = features.reloader(self, port)
        base = base_dir if base_dir is not None else mods_dir.resolve().parent
        #: The WebAssembly tier (engine created on the first component); owns the data folder.
        self.components: Final = ComponentRuntime(
            base / self.policy.data_dir, host_memory_mb=self.policy.limits.host_memory_mb
        )
        self._loader: Final = ModLoader(
            mods_dir,
            self.policy,
            base_dir,
            world=self.world,
            seed=seed,
            audit=audit,
            components=self.components,
            gameplay=gameplay,
            startup=self._startup,
            profiler=self.profiler,
        )
        if self.profiler is not None:
            self.profiler.start(tick=lambda: self.world.tick, capability_calls=self._calls.counts)

    # -- lifecycle ---------------------------------------------------------------------------
    def load(self, *, strict: bool = False) -> Preparation:
        """Discover and plan the mods, then load every planned mod in order.

        A mod that fails to load is reported (state ``failed``); the others load.

        :param strict: when discovery or planning raised an error, load nothing (no mod
            code runs; the planned mods are ``disabled``).
        """
        prep = self.preparation = self._loader.plan()
        stop = strict and any_error(prep.diagnostics)
        self._book.note_plan(prep, stop=stop)
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
        next :data:`~runtime.core._loading.LOAD_AHEAD` already started (sandbox made, scripts
        read and handed over).

        Loading stays in order, one mod at a time (``on_load`` and ``on_reload`` see the
        mods before them); only module bodies, which reach nothing of the host, run ahead.
        Close the generator when done (``contextlib.closing``): starts not loaded by then
        are released.
        """
        return self._loader.ahead(order, self._candidate)

    def _candidate(self, mod_id: str) -> ModCandidate | None:
        prep = self.preparation
        return None if prep is None else prep.candidates.get(mod_id)

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
        book = self._book
        book.enter(mod_id)
        try:
            instance = self._loader.load(mod_id, candidate)
        except ModLoadFailed as exc:
            book.failed(mod_id, exc.diagnostics)
            return None
        self.instances[mod_id] = instance
        if self.profiler is not None:
            instance.sandbox.figures = HookFigures()
        book.states[mod_id] = "running"
        if record:
            self.record_accepted(instance)
        book.diagnostics.extend(instance.notes)
        book.note_scripted(mod_id, [self.world.ids_of_kind(k) for k in instance.entity_scripts])
        if on_load:
            with self._startup("on_load"):
                self._calls.timed(instance, self._calls.on_load)
        # Loading is a stage boundary: what on_load spawned is there for the first tick.
        self._boundary(None)
        return instance

    def record_accepted(self, instance: ModInstance) -> None:
        """Record ``instance``'s version for rollback protection (what ``run``, not
        ``check``, really loaded). Called once its load has committed: at startup right after
        it loads, after a hot reload when the reload's transaction commits (a reload that
        rolls back records nothing). Re-verifies a signed folder (O(size of the mod's files));
        an unsigned one has nothing to record."""
        self._book.diagnostics.extend(self._loader.record(instance))

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
                instance.sandbox.pull_states(self._book.entity_state.setdefault(mod_id, {}))

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
        self._presentation.close()

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
            self._book.diagnostics.extend(instance.api.drain_diagnostics())

    @property
    def tick(self) -> int:
        """Ticks run so far."""
        return self.world.tick

    @property
    def load_order(self) -> tuple[str, ...]:
        """Mod ids that loaded, in load order."""
        return tuple(m for m in self._book.order if m in self.instances)

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
        self._presentation.attach(presenter, every, overlay)

    def snapshot(self) -> FrameSnapshot:
        """A copy of the world for presentation, with the overlay lines."""
        return self._presentation.snapshot()

    def present(self) -> None:
        """Draw the current world now (e.g. the last frame before a screenshot)."""
        self._presentation.present()

    def _overlay_lines(self) -> dict[str, str]:
        """The host's own overlay lines: tick rate, entities, time per mod, last reload."""
        lines = {"tick rate": f"{self.scheduler.hz} Hz", "entities": str(len(self.world))}
        ticks = max(1, self.scheduler.ticks)
        for mod_id in self.load_order:
            lines[mod_id] = f"{self._book.mod_ns.get(mod_id, 0) / ticks / 1e6:.3f} ms/tick"
        if self._reloader.history:
            lines["reload"] = self._reloader.history[-1].summary()
        return lines

    # -- reporting ------------------------------------------------------------------------------
    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Every diagnostic so far, in the order it happened."""
        return tuple(self._book.diagnostics)

    def diagnostics_since(self, start: int) -> tuple[Diagnostic, ...]:
        """The diagnostics after the first ``start``, in order: O(new ones), for polling
        every tick. A reload rolled back drops the diagnostics of its failed attempt, so
        the list only ever shrinks back to where that reload began."""
        return tuple(self._book.diagnostics[start:])

    def state_of(self, mod_id: str) -> ModState:
        """``running``, ``quarantined``, ``failed`` or ``disabled``."""
        return self._book.states[mod_id]

    def report(self, *, screenshot: Path | None = None) -> RunReport:
        """The run report (the ``--json`` document of ``modhost run``)."""
        return run_report(
            self._book,
            self.instances,
            self.preparation,
            world=self.world,
            scheduler=self.scheduler,
            seed=self.seed,
            load_order=self.load_order,
            wall_ns=self._wall_ns,
            screenshot=screenshot,
        )

    # -- the host's own stages -------------------------------------------------------------------
    def _integration_stage(self, dt: float) -> None:
        frozen = [m for m, state in self._book.states.items() if state == "quarantined"]
        self.world.integrate(dt, frozen)

    def _boundary(self, stage: Stage | None) -> None:
        apply_boundary(self.world, self._book, self.instances, self.gameplay)

    # -- accounting ------------------------------------------------------------------------------
    def _startup(self, step: str) -> contextlib.AbstractContextManager[None]:
        """Time a cold-start step (only before the first tick: reloads are timed apart)."""
        if self.profiler is None or self.scheduler.ticks > 0:
            return contextlib.nullcontext()
        return self.profiler.step(step)

    def budget_overrun(self, mod_id: str | None, diagnostic: Diagnostic, rung: str) -> None:
        """Record a budget overrun (:mod:`runtime.profile._budgets`): the diagnostic, and with
        ``rung`` ``throttled`` or ``quarantined`` that step on the mod's fault ladder."""
        self._book.diagnostics.append(diagnostic)
        if self.profiler is not None:
            self.profiler.instant("budget", {"mod": mod_id or "", "message": diagnostic.message})
        if mod_id is not None and rung != "ok":
            self._book.escalate(mod_id, rung, tick=self.world.tick)  # type: ignore[arg-type]

    def _on_log(self, mod_id: str, line: str) -> None:
        self._book.log(mod_id, line)
        if self._log_sink is not None:
            self._log_sink(mod_id, line)


def script_state(host: Host, mod_id: str, entity_id: int | None = None) -> dict[str, Any]:
    """A mod's ``ctx.state`` as its scripts left it: its mod scripts', or one entity's
    (brought up to date from the process tier first). The live dict, for test harnesses
    (``runtime.testing``); empty when the mod or entity has none."""
    if entity_id is None:
        return host._book.mod_state.get(mod_id, {})
    host.sync_states([mod_id])
    return host._book.entity_state.get(mod_id, {}).get(entity_id, {})
