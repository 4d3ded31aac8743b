"""The host's side of the process tier's messages: calls, kinds and ops as plain data."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

from host_api import EntityView, HostAPI, ModhostError, ScriptContext

from ..base import KindWork, TickWork
from ._process_faults import rebuilt
from ._remote_api import OP_NAMES
from ._wire import fault_data


def wire_call(ctx: ScriptContext | None, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """One call as plain data: the entity's snapshot, its state, the other arguments."""
    if ctx is None:
        return (None, {}, tuple(plain_arg(a) for a in args))
    view = ctx._entity_view()
    # A plain tuple: pickling a slotted dataclass goes through dataclasses.fields(), 10x slower.
    wire = None if view is None else (
        view.id, view.kind, view.position, view.velocity, view.tags, view.owner
    )  # fmt: skip
    rest = args[1:]
    if rest and all(type(a) is float for a in rest):
        return (wire, ctx.state, rest)
    return (wire, ctx.state, tuple(plain_arg(a) for a in rest))


def plain_arg(value: Any) -> Any:
    # Host records (events) cross as simple namespaces: the worker never imports runtime code.
    if dataclasses.is_dataclass(value) and not isinstance(value, type | EntityView):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return SimpleNamespace(**fields)
    return value


def apply_op(api: HostAPI | None, op: tuple[Any, ...], source: int | None) -> None:
    if api is None or not op or op[0] not in OP_NAMES:
        return
    name, *args = op
    if name == "emit":
        # The source entity is the host's record of who called, never the worker's claim.
        event, payload, _ = args
        api.emit(event, payload, source_entity=source)
    else:
        getattr(api, name)(*args)


def refusal(mod_id: str, what: str) -> dict[str, Any]:
    return {
        "cls": "ScriptRaised",
        "code": "SANDBOX_ERROR",
        "message": f"host operation refused: {what}",
        "hint": "scripts reach the host only through ctx",
        "file": None,
        "line": None,
        "details": {},
    }


def entity_in(ctxs: list[ScriptContext | None], index: int) -> int | None:
    ctx = ctxs[max(0, min(index, len(ctxs) - 1))] if ctxs else None
    return None if ctx is None else ctx._source_entity()


def entity_in_tick(work: TickWork, index: int) -> int | None:
    """The entity of the tick's call ``index`` (mod calls first, then each kind's rows)."""
    index -= len(work.mod_calls)
    for kind in work.kinds:
        if 0 <= index < len(kind):
            return int(kind.ids[index])
        index -= len(kind)
    return None


def wire_kind(kind: KindWork) -> tuple[Any, ...]:
    return (
        kind.kind,
        [m.path for m in kind.modules],
        kind.ids.tobytes(),
        kind.positions.tobytes(),
        kind.velocities.tobytes(),
        kind.tag_rows.tobytes(),
        kind.tag_table,
        sorted(kind.fresh),
    )


def refresh(into: dict[int, dict[str, Any]], states: Any) -> None:
    """Update the host's copy of states in place (contexts hold the dicts themselves)."""
    if type(states) is not dict:
        return
    for entity_id, state in states.items():
        if type(entity_id) is not int or type(state) is not dict:
            continue
        held = into.get(entity_id)
        if held is None:
            into[entity_id] = state
        else:
            held.clear()
            held.update(state)


def applied(
    mod_id: str, path: str, api: HostAPI | None, ctx: ScriptContext | None, result: Any
) -> Any:
    """Apply one call's result from the worker: its state to ``ctx``, its ops through
    ``api`` in order. Returns the call's value, or its fault (a result out of shape, or an op
    the host refused, is one)."""
    if type(result) is not tuple or len(result) != 4:
        return rebuilt(mod_id, refusal(mod_id, "result"), path)
    fault_raw, value, state, ops = result
    if ctx is not None and type(state) is dict:
        ctx.state.clear()
        ctx.state.update(state)
    source = ctx._source_entity() if ctx is not None else None
    try:
        for op in ops if type(ops) is list else ():
            apply_op(api, op, source)
    except ModhostError as exc:
        if fault_raw is None:
            fault_raw = fault_data(exc)
    except (TypeError, ValueError):
        # A malformed op (only a broken worker sends one): refused, like an rpc.
        fault_raw = fault_raw or refusal(mod_id, "op")
    if fault_raw is not None:
        return rebuilt(mod_id, fault_raw, path)
    return value
