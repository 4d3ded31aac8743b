"""The host side of the WIT interface: one mod's :class:`HostAPI` as component functions.

A linker is built per component instance from that mod's ``HostAPI`` (no shared registry of
host functions, no ambient authority). It defines exactly the functions of
``modhost:mod/host@0.1.0`` and nothing else; WASI only when the policy grants it.

Every function answers a refused call with ``err(host-error)`` carrying the diagnostic code
(``CAPABILITY_DENIED`` exactly as a Python script would see it) and notes the diagnostic on the
mod's API once per call name. A Python error in a host function is a host bug: it is parked
and re-raised as itself after the guest call returns (see :class:`HostBindings.parked`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final, Protocol, final

from wasmtime.component import Record, Variant

from host_api import (
    WIT_HOST_FUNCTIONS,
    EntityView,
    HostAPI,
    ModFault,
    RayHit,
    parse_json_text,
)

#: Results whose ok and err cases wasmtime-py cannot tell apart by Python type; they travel
#: as ``Variant("ok" | "err", value)`` on the stock path.
TAGGED_RESULTS: Final = frozenset({"get-entity"})
#: Results wasmtime-py's stock converters cannot lower at all when they are an error:
#: ``result<option<T>, host-error>`` (every value matches the untagged ``option`` case first).
#: These go through the raw callbacks of ``_wasm_callbacks`` on both paths. A test derives this set
#: from the WIT.
RAW_ONLY_RESULTS: Final = frozenset({"timer-after", "timer-every"})


class HostErrorRecord(Record):
    """A ``host-error`` value (a ``Record`` the raw path recognises and writes itself)."""

    code: str
    message: str


HostFunc = Callable[..., Any]


class CallClock(Protocol):
    """Whether the current guest call is out of time (``_wasm_clock.WallClock``)."""

    def expired(self) -> bool:
        """The call has used its budget: by the epoch ticks, or by the real clock since the
        call started (the ticks fall behind while a guest keeps calling into Python)."""
        ...


class HostCallTimeout(Exception):
    """Raised (stock path) or turned into a trap (fast path) when a host function is entered
    or returned from past the call's wall-clock limit; the component reports it as
    ``SANDBOX_TIMEOUT``."""

    def __init__(self, name: str) -> None:
        super().__init__(f"wasm trap: interrupt (host function {name} ran past the call's limit)")


def _vec3(value: Any) -> tuple[float, float, float]:
    return (value.x, value.y, value.z)


def _record(**fields: Any) -> Record:
    """A wasmtime-py ``Record`` with ``fields`` (records are plain attribute bags)."""
    rec = Record()
    for name, value in fields.items():
        setattr(rec, name, value)
    return rec


def entity_record(view: EntityView) -> Record:
    """A WIT ``entity`` record (a copy) from an entity view."""
    return _record(
        id=view.id,
        kind=view.kind,
        position=_vec3_record(view.position),
        velocity=_vec3_record(view.velocity),
        tags=list(view.tags),
        owner=view.owner,
    )


def _vec3_record(v: tuple[float, float, float]) -> Record:
    return _record(x=float(v[0]), y=float(v[1]), z=float(v[2]))


def host_error(code: str, message: str) -> HostErrorRecord:
    """A WIT ``host-error`` record."""
    rec = HostErrorRecord()
    rec.code = code
    rec.message = message
    return rec


@final
class HostBindings:
    """The WIT host functions of one mod instance, closed over its :class:`HostAPI`.

    :param api: the mod's capability-checked API (its identity is the caller's identity).
    """

    def __init__(self, api: HostAPI) -> None:
        self.api: Final = api
        #: A Python exception raised by a host function during the current guest call.
        self.parked: BaseException | None = None
        #: The current call's clock, set by the component for each store: time spent in
        #: host functions counts against the call, so a host function is not entered, nor
        #: returned from, past the limit.
        self.clock: CallClock | None = None
        self._reported: set[tuple[str, str]] = set()

    # -- plumbing --------------------------------------------------------------------------
    def refused(self, call: str, fault: ModFault) -> tuple[str, str]:
        """Note ``fault`` once per (code, call) and return its (code, message)."""
        key = (str(fault.code), call)
        if key not in self._reported:
            self._reported.add(key)
            self.api.note(fault.to_diagnostic())
        return str(fault.code), fault.message

    def _guard(self, call: str, thunk: Callable[[], Any]) -> Any:
        try:
            value = thunk()
        except ModFault as fault:
            err = host_error(*self.refused(call, fault))
            return Variant("err", err) if call in TAGGED_RESULTS else err
        except Exception as exc:
            # A host bug: park it so the engine re-raises it as itself after the call.
            self.parked = exc
            raise
        return Variant("ok", value) if call in TAGGED_RESULTS else value

    def functions(self) -> dict[str, HostFunc]:
        """WIT function name -> stock-path callable ``(store, *args) -> value``."""
        api = self.api
        mod = api.mod_id
        table: dict[str, Callable[..., Any]] = {
            "log": lambda message: api.log(message),
            "get-entity": lambda eid: _maybe_entity(api.get_entity(eid)),
            "query": lambda kind, tag: [entity_record(v) for v in api.query(kind, tag)],
            "set-position": lambda eid, pos: api.set_position(eid, _vec3(pos)),
            "set-velocity": lambda eid, vel: api.set_velocity(eid, _vec3(vel)),
            "spawn": lambda kind, pos, vel, tags: api.spawn(kind, _vec3(pos), _vec3(vel), tags),
            "despawn": lambda eid: api.despawn(eid),
            "ids-of": lambda kind: api.positions_of(kind)[0].tolist(),
            "positions-of": lambda kind: api.positions_of(kind)[1].tolist(),
            "set-positions-of": lambda kind, flat: api.set_positions_of(kind, flat),
            "emit": lambda name, payload: api.emit(
                name, parse_json_text(payload, mod_id=mod, what="event payload")
            ),
            "storage-get": lambda key: json.dumps(api.storage_get(key)),
            "storage-set": lambda key, value: _none(
                api.storage_set(key, parse_json_text(value, mod_id=mod, what="storage value"))
            ),
            "storage-delete": lambda key: api.storage_delete(key),
            "read-file": lambda path: api.read_file(path),
            "input-is-down": lambda key: api.input_is_down(key),
            "input-mouse": lambda: api.input_mouse(),
            "timer-after": lambda ticks, name, payload: api.timer_after(
                ticks, name, parse_json_text(payload, mod_id=mod, what="timer payload")
            ),
            "timer-every": lambda ticks, name, payload: api.timer_every(
                ticks, name, parse_json_text(payload, mod_id=mod, what="timer payload")
            ),
            "timer-cancel": lambda timer_id: api.timer_cancel(timer_id),
            "ui-set-text": lambda key, text: api.ui_set_text(key, text),
            "ui-clear-text": lambda key: api.ui_clear_text(key),
            "ui-camera-target": lambda entity: api.ui_camera_target(entity),
            "set-collider": lambda eid, shape, size, trigger: api.set_collider(
                eid, _collider(shape, _vec3(size), trigger)
            ),
            "raycast": lambda origin, direction, limit: [
                _ray_hit(hit) for hit in api.raycast(_vec3(origin), _vec3(direction), limit)
            ],
            "within-radius": lambda centre, radius, kind: api.within_radius(
                _vec3(centre), radius, kind
            ),
        }
        out: dict[str, HostFunc] = {}
        for name, fn in table.items():
            out[name] = self._stock(name, fn)
        # No capability, no error case: plain values (timed all the same: a guest may loop
        # on them).
        out["tick"] = self._timed("tick", lambda: api.tick)
        out["random"] = self._timed("random", api.random)
        assert tuple(sorted(out)) == tuple(sorted(WIT_HOST_FUNCTIONS)), "WIT drift"
        return out

    def out_of_time(self) -> bool:
        """Whether the current guest call has used its wall-clock budget."""
        clock = self.clock
        return clock is not None and clock.expired()

    def _stock(self, name: str, fn: Callable[..., Any]) -> HostFunc:
        return self._timed(name, lambda *args: self._guard(name, lambda: fn(*args)))

    def _timed(self, name: str, fn: Callable[..., Any]) -> HostFunc:
        """``fn`` as a stock-path host function, refused on the way in and trapped on the way
        out past the call's limit."""

        def call(_store: Any, *args: Any) -> Any:
            if self.out_of_time():
                raise HostCallTimeout(name)
            value = fn(*args)
            if self.out_of_time():
                raise HostCallTimeout(name)
            return value

        return call


def _collider(shape: str, size: tuple[float, float, float], trigger: bool) -> dict[str, Any]:
    """The dict ``HostAPI.set_collider`` checks, from the WIT arguments."""
    if shape == "sphere":
        return {"shape": shape, "radius": size[0], "trigger": trigger}
    return {"shape": shape, "half": size, "trigger": trigger}


def _ray_hit(hit: RayHit) -> Record:
    return _record(entity=hit.entity, distance=hit.distance)


def _maybe_entity(view: EntityView | None) -> Record | None:
    return None if view is None else entity_record(view)


def _none(_: object) -> None:
    return None
