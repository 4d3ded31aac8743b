"""The worker side of a mod's tick: its entity kinds, run as batches over packed columns.

A ``tick`` message carries each kind as buffers (ids, positions, velocities, tag rows); the
worker runs :func:`~sandbox.base.run_kind` over them with each entity's ``ctx.state`` from
its own store, and answers once with, per kind, the ordered stream of ops and faults, and
the writes made through ``ctx.entity`` as packed rows and values. A rolling share of the
states (one row in :data:`~host_api.SYNC_EVERY` each tick) goes back too: the host's copy,
used after a restart and for reloads.
"""

from __future__ import annotations

import pickle
from array import array
from typing import Any

from host_api import SYNC_EVERY, foreign_type

from ..base import HookFigures, KindWork, run_kind, states_of
from ._progress import RowMarker
from ._wire import crossable, fault_data

KindResult = tuple[list[tuple[Any, ...]], bytes, bytes, bytes, bytes]


def run_kinds(
    sandbox: Any,
    modules: dict[str, Any],
    api: Any,
    states: dict[int, dict[str, Any]],
    tick_data: tuple[int, float, list[tuple[Any, ...]], int],
    totals: dict[tuple[str, str], list[int]],
) -> list[tuple[KindResult, Any]]:
    """Run each wire kind; returns per kind its result and its ids (for the state sync)."""
    tick, dt, kinds, offset = tick_data
    progress = api._progress
    figures = HookFigures()
    figures.totals = totals
    out = []
    for kind, paths, ids, pos, vel, tag_rows, table, fresh in kinds:
        work = KindWork(
            kind,
            tuple(modules[p] for p in paths if p in modules),
            _array("q", ids),
            _array("d", pos),
            _array("d", vel),
            _array("i", tag_rows),
            tuple(table),
            frozenset(fresh),
        )
        stream: list[tuple[Any, ...]] = []
        api.begin_batch(tick, stream)
        batch = work.batch(api, states_of(work, states), api.granted)

        def on_fault(fault: Any, stream: list[tuple[Any, ...]] = stream) -> bool:
            stream.append(("fault", fault_data(fault)))
            return True

        started = RowMarker(progress, offset)
        try:
            # Counted as in the thread tier: the entity calls under the kind's first ticking
            # script, each system hook under its own script.
            run_kind(sandbox, work, batch, dt, on_fault, figures, started)
        finally:
            work.take_writes(batch)
            batch.close()
        offset += len(work)
        result = (stream, work.moved_mask, work.moved, work.steered_mask, work.steered)
        out.append((result, work.ids))
    return out


def sync_share(ran: list[tuple[KindResult, Any]], tick: int) -> list[int]:
    """The entities whose state goes back to the host this tick (a rolling share)."""
    slot = tick % SYNC_EVERY
    return [entity_id for _, ids in ran for entity_id in ids[slot::SYNC_EVERY]]


def plain_states(states: dict[int, dict[str, Any]], ids: Any) -> dict[int, dict[str, Any]]:
    """The states of ``ids`` that are plain data (a script object never crosses)."""
    out = {}
    for entity_id in ids:
        state = states.get(entity_id)
        if state is not None and foreign_type(state) is None:
            out[entity_id] = state
    return out


def ticked_reply(
    results: list[Any],
    ran: list[tuple[KindResult, Any]],
    figures: Any,
    synced: dict[int, dict[str, Any]],
) -> bytes:
    """``("ticked", call results, kind results, figures, synced states)`` pickled; what
    cannot cross becomes a fault in its place."""
    kinds = [result for result, _ in ran]
    try:
        return pickle.dumps(("ticked", [r[:4] for r in results], kinds, figures, synced))
    except Exception:
        pass
    safe_calls = [crossable(r) for r in results]
    safe_kinds = [_crossable_kind(k) for k in kinds]
    safe_synced = {}
    for entity_id, state in synced.items():
        try:
            pickle.dumps(state)
        except Exception:
            continue
        safe_synced[entity_id] = state
    return pickle.dumps(("ticked", safe_calls, safe_kinds, figures, safe_synced))


def _crossable_kind(result: KindResult) -> KindResult:
    stream, *writes = result
    safe = []
    for entry in stream:
        try:
            pickle.dumps(entry)
        except Exception as exc:
            safe.append(
                (
                    "fault",
                    {
                        "cls": "ScriptRaised",
                        "code": "SANDBOX_ERROR",
                        "message": "event payloads and log lines must be plain data in the "
                        f"process tier ({type(exc).__name__})",
                        "hint": "keep numbers, strings, lists, tuples and dicts (shallower "
                        "than the recursion limit) in payloads",
                        "file": None,
                        "line": None,
                        "details": {},
                    },
                )
            )
            continue
        safe.append(entry)
    return (safe, *writes)  # type: ignore[return-value]


def _array(code: str, data: bytes) -> array[Any]:
    out = array(code)
    out.frombytes(data)
    return out
