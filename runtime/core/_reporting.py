"""Building the run report (``modhost run --json``) from a host's records.

The models are in :mod:`runtime.core._report`; this module only fills them, from the
per-mod records (:class:`~runtime.core._book.ModBook`), the running instances, the current
plan, the world and the scheduler's timings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from host_api import Diagnostic

from ._book import ModBook
from ._mods import ModInstance
from ._prepare import Preparation
from ._report import ModReport, RunReport, Timings
from ._scheduler import Scheduler
from ._world import World


def run_report(
    book: ModBook,
    instances: Mapping[str, ModInstance],
    preparation: Preparation | None,
    *,
    world: World,
    scheduler: Scheduler,
    seed: int,
    load_order: Sequence[str],
    wall_ns: int,
    screenshot: Path | None,
) -> RunReport:
    """The report of a run so far (every mod the host knows, sorted by id).

    :param load_order: the mods that loaded, in load order.
    :param wall_ns: wall time spent stepping the host.
    :param screenshot: the PNG written, if any.
    """
    ticks = scheduler.ticks
    owners = world.count_by_owner()
    mods = {
        mod_id: mod_report(book, instances.get(mod_id), preparation, mod_id, owners)
        for mod_id in sorted(book.states)
    }
    return RunReport(
        load_order=list(load_order),
        ticks=ticks,
        seed=seed,
        world_hash=world.world_hash(),
        entities=len(world),
        kinds=world.count_by_kind(),
        screenshot=None if screenshot is None else str(screenshot),
        mods=mods,
        diagnostics=list(book.diagnostics),
        timings=Timings(
            total_ms=wall_ns / 1e6,
            per_tick_ms=wall_ns / 1e6 / max(1, ticks),
            stages_ms={str(s): ns / 1e6 for s, ns in scheduler.stage_ns.items()},
            mods_ms={m: book.mod_ns.get(m, 0) / 1e6 for m in book.order},
        ),
    )


def mod_report(
    book: ModBook,
    instance: ModInstance | None,
    preparation: Preparation | None,
    mod_id: str,
    owners: dict[str, int],
) -> ModReport:
    """One mod's entry (``instance`` is None when it is not loaded)."""
    ledger = book.ledgers.get(mod_id)
    return ModReport(
        id=mod_id,
        version=book.versions.get(mod_id),
        state=book.states[mod_id],
        tier=None if instance is None else instance.tier,
        faults=0 if ledger is None else ledger.count,
        entities=owners.get(mod_id, 0),
        diagnostics=diagnostics_of(book.diagnostics, preparation, mod_id),
        log=list(book.logs.get(mod_id, ())),
        time_ms=book.mod_ns.get(mod_id, 0) / 1e6,
    )


def diagnostics_of(
    diagnostics: Sequence[Diagnostic], preparation: Preparation | None, mod_id: str
) -> list[Diagnostic]:
    """The report entry's diagnostics: those about ``mod_id`` and, through the current
    plan, the failures that disabled it (the same rule ``check`` uses)."""
    if preparation is None:
        return [d for d in diagnostics if d.mod == mod_id]
    return list(preparation.for_mod(mod_id, diagnostics))
