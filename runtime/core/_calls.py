"""The host's one path into mod code: hook calls, component exports, and their faults.

Every stage that runs mod code (the host's own and gameplay's) goes through one
:class:`HookCalls`, so each call is timed for the report and the profiler, each fault becomes a
diagnostic on the mod's fault ladder (:mod:`runtime.core._faults`), and a quarantined or
throttled mod is skipped the same way everywhere. It is also the narrow surface the gameplay
stages see of the host (:class:`~runtime.core._features.ModCalls`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from host_api import ModFault
from sandbox import ScriptModule

from ._book import ModBook
from ._events import Event, for_receiver
from ._mods import ModInstance
from ._world import World

if TYPE_CHECKING:
    from ..profile import Profiler

#: Component exports' fuel is read after one call in this many (profiling only).
FUEL_SAMPLE_EVERY: Final = 16


class HookCalls:
    """Calls into the mods of one host, with timing and the fault ladder.

    :param world: the host's world (the tick, entity views for contexts).
    :param book: the host's per-mod records (ledgers, states, ``ctx.state``, timings).
    :param instances: the running instances by id (the host's own dict, read live).
    :param profiler: the host's profiler, if profiling is on.
    """

    def __init__(
        self,
        world: World,
        book: ModBook,
        instances: Mapping[str, ModInstance],
        profiler: Profiler | None,
    ) -> None:
        self.world: Final = world
        self.instances: Final = instances
        self._book = book
        self._profiler = profiler
        #: Per component export: calls so far and the fuel its last sampled call used.
        self._export_fuel: dict[tuple[int, str], tuple[int, int]] = {}

    # -- who runs ------------------------------------------------------------------------
    def active(self) -> list[ModInstance]:
        """Instances whose hooks run this tick, in load order."""
        tick, ledgers, instances = self.world.tick, self._book.ledgers, self.instances
        return [
            instances[m] for m in self._book.order if m in instances and ledgers[m].runs_on(tick)
        ]

    def quarantined(self, mod_id: str) -> bool:
        """Whether the mod was stopped by its fault ladder."""
        return self._book.ledgers[mod_id].quarantined

    def runs_on(self, mod_id: str, tick: int) -> bool:
        """Whether the mod's hooks run on ``tick`` (not quarantined, not throttled out)."""
        return self._book.ledgers[mod_id].runs_on(tick)

    # -- contexts ------------------------------------------------------------------------
    def mod_ctx(self, instance: ModInstance) -> Any:
        """The ``ctx`` of the mod's mod scripts."""
        states = self._book.mod_state
        return instance.context(None, lambda: states.setdefault(instance.id, {}))

    def entity_ctx(self, instance: ModInstance, entity_id: int) -> Any:
        """The ``ctx`` of one entity for ``instance``'s entity scripts (None if it is gone)."""
        ctx = instance.contexts.get(entity_id)
        if ctx is not None:
            return ctx
        view = self.world.get(entity_id)
        if view is None:
            return None
        states = self._book.entity_state.setdefault(instance.id, {})
        return instance.context(view, lambda: states.setdefault(entity_id, {}))

    # -- calls -----------------------------------------------------------------------------
    def call(self, instance: ModInstance, module: ScriptModule, hook: str, *args: Any) -> bool:
        """Call a hook; a fault is recorded and returns False."""
        if instance.sandbox.figures is not None:
            # Through the batch path, where the tiers count calls per hook for the profiler.
            faults: list[ModFault] = []
            instance.sandbox.call_batch([(module, hook, args)], lambda f: faults.append(f) or False)
            for fault in faults:
                self.fault(instance, fault)
            return not faults
        try:
            instance.sandbox.call(module, hook, *args)
        except ModFault as exc:
            self.fault(instance, exc)
            return False
        return True

    def guard(self, instance: ModInstance, thunk: Callable[[], object]) -> bool:
        """Run ``thunk`` (a call into the mod); a fault is recorded and returns False."""
        try:
            thunk()
        except ModFault as exc:
            self.fault(instance, exc)
            return False
        return True

    def export(
        self, instance: ModInstance, component: Any, export: str, thunk: Callable[[], object]
    ) -> bool:
        """Call a component export under :meth:`guard`, counted per export when profiling.

        Fuel is read after one call in :data:`FUEL_SAMPLE_EVERY` (a read crosses into
        wasmtime and costs more than a small export) and counted for each call since.
        """
        figures = instance.sandbox.figures
        if figures is None:
            return self.guard(instance, thunk)
        start = time.perf_counter_ns()
        ok = self.guard(instance, thunk)
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

    def timed(self, instance: ModInstance, work: Callable[[ModInstance], object]) -> None:
        """Run ``work(instance)``, its wall time counted against the mod."""
        start = time.perf_counter_ns()
        try:
            work(instance)
        finally:
            end = time.perf_counter_ns()
            mod_ns = self._book.mod_ns
            mod_ns[instance.id] = mod_ns.get(instance.id, 0) + end - start
            if self._profiler is not None:
                self._profiler.mod_done(instance.id, start, end, instance.sandbox.figures)

    # -- faults ----------------------------------------------------------------------------
    def fault(self, instance: ModInstance, exc: ModFault) -> None:
        """Count a fault on the mod's ladder and report it."""
        book = self._book
        book.diagnostics.extend(book.ledgers[instance.id].record(exc, tick=self.world.tick))
        if self._profiler is not None:
            self._profiler.instant("fault", {"mod": instance.id, "code": str(exc.code)})
        book.settle(instance.id)

    def fault_goes_on(self, instance: ModInstance, exc: ModFault) -> bool:
        """Record a fault from a batch; False (stop the batch) once the mod is quarantined."""
        self.fault(instance, exc)
        return not self._book.ledgers[instance.id].quarantined

    # -- what the stages call --------------------------------------------------------------
    def on_load(self, instance: ModInstance) -> None:
        """The mod scripts' ``on_load``, until one quarantines the mod."""
        ctx = self.mod_ctx(instance)
        for module in instance.mod_scripts:
            if "on_load" in module.hooks:
                self.call(instance, module, "on_load", ctx)
            if self.quarantined(instance.id):
                return

    def deliver(self, instance: ModInstance, event: Event, ids: dict[str, list[int]]) -> None:
        """``event`` to every ``on_event`` of ``instance``: mod scripts, entity scripts per
        entity in ascending id, then components. ``ids`` caches each kind's entity ids for
        the receivers of one event."""
        for module in instance.mod_scripts:
            if "on_event" in module.hooks:
                self.call(instance, module, "on_event", self.mod_ctx(instance), for_receiver(event))
        for kind, modules in instance.entity_scripts.items():
            listening = [m for m in modules if "on_event" in m.hooks]
            if not listening:
                continue
            if kind not in ids:
                ids[kind] = self.world.ids_of_kind(kind).tolist()
            # One batch per kind: the process tier crosses to its worker once per event and
            # kind, not once per entity.
            calls = []
            for entity_id in ids[kind]:
                ctx = self.entity_ctx(instance, entity_id)
                if ctx is not None:
                    calls.extend((m, "on_event", (ctx, for_receiver(event))) for m in listening)
            if calls:
                instance.sandbox.call_batch(calls, partial(self.fault_goes_on, instance))
        for component in instance.components:
            payload = for_receiver(event).payload
            self.export(
                instance, component, "on-event", partial(component.on_event, event.name, payload)
            )

    def components_stage(self, dt: float) -> None:
        """The ``components`` stage: per running mod in load order, each component's
        ``on_tick(dt)`` (a mod's later components are skipped once one faults)."""
        for instance in self.active():
            if instance.components:
                self.timed(instance, lambda inst: self._tick_components(inst, dt))

    def _tick_components(self, instance: ModInstance, dt: float) -> None:
        for component in instance.components:
            if not self.export(instance, component, "on-tick", partial(component.on_tick, dt)):
                return

    def counts(self) -> dict[str, dict[str, int]]:
        """Granted host calls per mod and capability so far (the profiler's view)."""
        return {
            m: {str(c): n for c, n in sorted(i.api.capability_calls.items())}
            for m, i in sorted(self.instances.items())
        }
