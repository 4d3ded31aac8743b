"""The ``scripts`` stage: every running mod's scripts for one tick, as entity batches.

Per running mod in load order: its mod scripts' ``on_tick(ctx, dt)``, then for each entity
kind it scripts, per entity in ascending id, ``on_spawn(ctx)`` once for entities new since the
mod last ran, then ``on_tick(ctx, dt)``. Each mod's work goes to its sandbox as one
:class:`~sandbox.TickWork` (so the process tier crosses to its worker once per tick); every
mod's batches are started before any is finished, and the positions and velocities they
moved are written back to the world once each finishes.
"""

from __future__ import annotations

from typing import Any

from host_api import Capability
from sandbox import KindWork, ScriptModule, TickWork

from ._book import ModBook
from ._calls import HookCalls
from ._mods import ModInstance
from ._world import KindRows, World
from ._writes import checked_writes


class ScriptsStage:
    """The ``scripts`` stage of one host.

    :param world: the host's world.
    :param book: where the unseen entities and each entity's ``ctx.state`` are kept.
    :param calls: the host's call path (who runs, timing, faults).
    """

    def __init__(self, world: World, book: ModBook, calls: HookCalls) -> None:
        self._world = world
        self._book = book
        self._calls = calls

    def __call__(self, dt: float) -> None:
        # Every mod's entity batches read the world as it was when the stage began (so the
        # process tier's workers can all run at once and the world still comes out the same
        # in both tiers): the kinds' rows are read before any mod runs.
        active = self._calls.active()
        rows = {
            kind: self._world.kind_rows(kind)
            for kind in {k for i in active for k in i.entity_scripts}
        }
        started: list[tuple[ModInstance, TickWork]] = []
        for instance in active:
            work = self._tick_work(instance, dt, rows)
            if work is not None:
                self._calls.timed(instance, lambda inst, w=work: inst.sandbox.start_tick(w))
                started.append((instance, work))
        for instance, _ in started:
            self._calls.timed(instance, lambda inst: self._finish_scripts(inst, rows))

    def _tick_work(
        self, instance: ModInstance, dt: float, rows: dict[str, KindRows]
    ) -> TickWork | None:
        mod_calls: list[tuple[ScriptModule, str, tuple[Any, ...]]] = []
        if instance.mod_scripts:
            ctx = self._calls.mod_ctx(instance)
            mod_calls = [
                (m, "on_tick", (ctx, dt)) for m in instance.mod_scripts if "on_tick" in m.hooks
            ]
        unseen = set(self._book.unseen.get(instance.id, ()))
        self._book.unseen[instance.id] = []
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
        states = self._book.entity_state.setdefault(instance.id, {})
        for entity_id in unseen:
            # Known from now on (a reload does not announce it again), whichever tier keeps
            # the state itself.
            states.setdefault(entity_id, {})
        return TickWork(mod_calls, kinds, dt, states, self._world.tick)

    def _finish_scripts(self, instance: ModInstance, rows: dict[str, KindRows]) -> None:
        self._world.defer_writes()
        try:
            work = instance.sandbox.finish_tick(
                lambda exc: self._calls.fault_goes_on(instance, exc)
            )
        finally:
            self._world.apply_deferred()
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
                    self._world.write_rows(world_rows[at], **{column: vec})
