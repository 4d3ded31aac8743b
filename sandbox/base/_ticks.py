"""One mod's scripts for one tick: its mod scripts' calls, then its entity kinds as batches.

The host hands a :class:`TickWork` to the mod's sandbox in two steps
(:meth:`ScriptSandbox.start_tick`, :meth:`ScriptSandbox.finish_tick`) so that tiers with
workers run every mod's tick at once while the host collects them in load order. Each kind
travels as packed columns (:class:`KindWork`): ids, positions, velocities and tag indices as
buffers, not objects per entity; the writes scripts made through ``ctx.entity`` come back the
same way (a mask of written rows and the written column: :attr:`KindWork.moved_mask`,
:attr:`KindWork.moved` ...).

:func:`run_kind` is the per-entity loop both tiers run (the process tier inside its worker),
so the order of calls, and with it the world, is the same in both.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import perf_counter_ns
from typing import TYPE_CHECKING, Any, Final

from host_api import EntityBatch, EntityRows, ModFault, commit_rows

if TYPE_CHECKING:
    from ._engine import ScriptModule, ScriptSandbox
    from ._figures import HookFigures


@dataclass(eq=False)
class KindWork:
    """One entity kind's rows for one mod and tick, as the host read them when the stage began.

    :param kind: the kind.
    :param modules: the mod's scripts for the kind, in manifest order.
    :param ids: entity ids (``'q'``), ascending.
    :param positions: ``x, y, z`` per row (``'d'``).
    :param velocities: ``x, y, z`` per row (``'d'``).
    :param tag_rows: each row's index into ``tag_table`` (``'i'``).
    :param tag_table: the distinct tag tuples.
    :param fresh: rows whose entity the mod has not seen yet (``on_spawn`` runs first).
    """

    kind: str
    modules: tuple[ScriptModule, ...]
    ids: array[int]
    positions: array[float]
    velocities: array[float]
    tag_rows: array[int]
    tag_table: tuple[tuple[str, ...], ...]
    fresh: frozenset[int] = frozenset()
    #: Filled by the sandbox (:meth:`take_writes`): one byte per row, 1 where a script wrote
    #: the position through ``ctx.entity``, and the column with those writes (``'d'`` bytes);
    #: both empty when nothing was written.
    moved_mask: bytes = b""
    moved: bytes = b""
    #: The same for velocities.
    steered_mask: bytes = b""
    steered: bytes = b""

    def __len__(self) -> int:
        return len(self.ids)

    def batch(self, api: Any, states: list[dict[str, Any]], granted: Any) -> EntityBatch:
        """The rows as an :class:`EntityBatch` the scripts run over."""
        return EntityBatch(
            api,
            self.kind,
            self.ids,
            self.positions,
            self.velocities,
            _TagColumn(self.tag_rows, self.tag_table),
            states,
            granted,
        )

    def take_writes(self, batch: EntityBatch) -> None:
        """Keep the writes ``batch`` recorded (before it is closed)."""
        self.moved_mask, self.moved, self.steered_mask, self.steered = batch.written()


@dataclass(eq=False)
class TickWork:
    """What one mod's scripts do in one tick.

    :param mod_calls: the mod scripts' calls (module, hook, args), made first.
    :param kinds: the entity kinds, in the manifest's order.
    :param dt: the tick's step (seconds).
    :param states: the host's ``ctx.state`` dicts of the mod's entities by id (the
        in-process tier runs on them; the process tier keeps its own in the worker).
    """

    mod_calls: list[tuple[ScriptModule, str, tuple[Any, ...]]]
    kinds: list[KindWork]
    dt: float
    states: dict[int, dict[str, Any]]
    tick: int = 0


#: The row a system hook's call is marked with (``started``): past every row of any tick, so
#: the host attributes its timers and any kill to the mod, never to an entity.
SYSTEM_CALL_ROW: Final = 1 << 40


def run_kind(
    sandbox: ScriptSandbox,
    work: KindWork,
    batch: EntityBatch,
    dt: float,
    on_fault: Callable[[ModFault], bool],
    figures: HookFigures | None = None,
    started: Callable[[int], None] | None = None,
) -> bool:
    """Each row in order: every module's ``on_spawn`` (fresh rows), then its ``on_tick``;
    then each module's system hook, ``on_system(ctx, dt, rows)``, once for the whole kind.

    :param started: told each call's row before it starts (the process tier's worker marks
        its progress with it; a system hook's call as :data:`SYSTEM_CALL_ROW`).
    :returns: False when ``on_fault`` stopped the batch.
    """
    note = getattr(sandbox, "note_states", None)
    if note is not None:
        note(work.kind, batch.states)
    fresh = work.fresh
    ticking = [m for m in work.modules if "on_tick" in m.hooks]
    steps = [
        (m, "on_spawn" in m.hooks and bool(fresh), "on_tick" in m.hooks)
        for m in work.modules
        if "on_tick" in m.hooks or ("on_spawn" in m.hooks and fresh)
    ]
    clock, mark = perf_counter_ns, sandbox.fuel_mark
    begun, fuel = (clock(), mark()) if figures is not None else (0, 0)
    try:
        if not _entity_calls(sandbox, work, batch, dt, on_fault, steps, started):
            return False
    finally:
        if figures is not None and ticking:
            # One entry per kind's tick (the spawns are counted within it): one clock and one
            # fuel reading per batch, not per entity.
            figures.add(ticking[0].path, "on_tick", clock() - begun, mark() - fuel, len(batch))
    for module in work.modules:
        if "on_system" in module.hooks:
            begun, fuel = (clock(), mark()) if figures is not None else (0, 0)
            try:
                if not run_system(sandbox, module, batch, dt, on_fault, started):
                    return False
            finally:
                if figures is not None:
                    figures.add(module.path, "on_system", clock() - begun, mark() - fuel, 1)
    return True


def _entity_calls(
    sandbox: ScriptSandbox,
    work: KindWork,
    batch: EntityBatch,
    dt: float,
    on_fault: Callable[[ModFault], bool],
    steps: list[tuple[ScriptModule, bool, bool]],
    started: Callable[[int], None] | None,
) -> bool:
    """The per-entity calls of :func:`run_kind`."""
    call, enter, fresh = sandbox.call, batch.enter, work.fresh
    if not fresh and len(steps) == 1:
        # The common case (one script per kind, nothing newly spawned): the flat loop,
        # the tier's own where it has one.
        module = steps[0][0]
        rows = getattr(sandbox, "tick_rows", None)
        if rows is not None:
            return bool(rows(module, batch, dt, on_fault, started))
        for row in range(len(batch)):
            if started is not None:
                started(row)
            try:
                call(module, "on_tick", enter(row), dt)
            except ModFault as fault:
                if not on_fault(fault):
                    return False
        return True
    for row in range(len(batch) if steps else 0):
        ctx = enter(row)
        for module, spawns, ticks in steps:
            for hook, due in (("on_spawn", spawns and row in fresh), ("on_tick", ticks)):
                if not due:
                    continue
                if started is not None:
                    started(row)
                try:
                    call(module, hook, *((ctx,) if hook == "on_spawn" else (ctx, dt)))
                except ModFault as fault:
                    if not on_fault(fault):
                        return False
    return True


def run_system(
    sandbox: ScriptSandbox,
    module: ScriptModule,
    batch: EntityBatch,
    dt: float,
    on_fault: Callable[[ModFault], bool],
    started: Callable[[int], None] | None = None,
) -> bool:
    """``on_system(ctx, dt, rows)`` of ``module``: one call under the mod's per-call limits;
    what it assigned in ``rows`` lands in the batch when it returns, all or (on a fault)
    nothing. Returns False when ``on_fault`` stopped the batch."""
    if not len(batch):
        return True
    if started is not None:
        started(SYSTEM_CALL_ROW)
    rows = EntityRows(batch)
    try:
        sandbox.call(module, "on_system", batch.system_ctx(), dt, rows)
        try:
            commit_rows(rows)
        except ModFault as fault:
            # Found once the script returned: the script's file, no line.
            fault.file = fault.file or module.path
            raise
    except ModFault as fault:
        return on_fault(fault)
    return True


def states_of(work: KindWork, store: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row's state dict from ``store`` (new entities get an empty one)."""
    ids = work.ids
    out: list[Any] = list(map(store.get, ids))
    if None in out:
        for row, state in enumerate(out):
            if state is None:
                out[row] = store[ids[row]] = {}
    return out


class _TagColumn:
    """Each row's tags, looked up in the table only when a script reads them."""

    __slots__ = ("_rows", "_table")

    def __init__(self, rows: Sequence[int], table: Sequence[tuple[str, ...]]) -> None:
        self._rows = rows
        self._table = table

    def __getitem__(self, row: int) -> tuple[str, ...]:
        return self._table[self._rows[row]]
