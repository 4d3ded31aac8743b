"""What a process-tier worker's ``ctx`` facades call instead of the host's ``HostAPI``.

:class:`RemoteAPI` serves the running entity's own fields from the snapshot it was sent,
buffers writes (moves, emits, log lines, despawns) into an ordered op list, and asks the host
(``rpc``) only for what needs the live world. The host checks every op again through the
mod's real ``HostAPI``: it never trusts the worker.
"""

from __future__ import annotations

import time
from multiprocessing.connection import Connection
from typing import Any, Final

from host_api import (
    DEFAULT_BUDGETS,
    MAX_LOG_LINE,
    CapabilityDenied,
    DiagnosticCode,
    EntityView,
    ModFault,
    PayloadTooLarge,
    ScriptContext,
    check_name,
    copy_json,
    log_text,
)

from ._fuel import GC_PAUSES

#: Cached ``ctx`` objects a worker keeps (one per entity it ran a hook for).
MAX_CONTEXTS: Final = 100_000
#: Buffered host operations (world writes, despawns) one mod may make in one tick; what is
#: over the host's own per-tick budgets (events, log lines) is dropped before it crosses.
MAX_OPS_PER_TICK: Final = 100_000


class RemoteAPI:
    """What the worker's ``ctx`` facades call instead of a ``HostAPI`` (see module docs)."""

    def __init__(self, conn: Connection, mod_id: str, progress: Any, timeout_ms: int) -> None:
        self.mod_id = mod_id
        self._conn = conn
        self._progress = progress
        #: Seconds of host answer time a call may wait without it counting as the script's.
        self._timeout = timeout_ms / 1000.0
        self._excusable = self._timeout
        self._excused_for = -1.0
        #: Buffered calls per capability in :attr:`_counted_tick`.
        self._counts: dict[str, int] = {}
        self._counted_tick = -1
        self._granted: frozenset[str] = frozenset()
        self._contexts: dict[int | None, ScriptContext] = {}
        self._view: EntityView | None = None
        self.tick = 0
        self.ops: list[tuple[Any, ...]] = []

    def context(self, view: EntityView | None, state: dict[str, Any]) -> ScriptContext:
        """The ``ctx`` for an entity (or the mod), kept across calls; only its state changes."""
        key = None if view is None else view.id
        ctx = self._contexts.get(key)
        if ctx is None:
            if len(self._contexts) > MAX_CONTEXTS:
                self._contexts.clear()
            ctx = self._contexts[key] = ScriptContext(self, state, view)  # type: ignore[arg-type]
        ctx.state = state
        return ctx

    def grant(self, names: frozenset[str]) -> None:
        """The mod's capabilities (checked here for early errors; the host checks again)."""
        self._granted = names

    @property
    def granted(self) -> frozenset[str]:
        return self._granted

    def begin_batch(self, tick: int, stream: list[Any]) -> None:
        """Entity batches: ops go to ``stream`` (tagged as ops), in call order."""
        self.tick = tick
        self._view = None
        self.ops = stream

    def begin(self, tick: int, view: EntityView | None) -> None:
        self.tick = tick
        self._view = view
        self.ops = []
        self._excusable = self._timeout

    def _require(self, capability: str, call: str) -> None:
        if capability not in self._granted:
            raise CapabilityDenied(capability, call, mod_id=self.mod_id)

    def __getattr__(self, name: str) -> Any:
        # Host operations without a local fast path (gameplay: input, timers, ui, colliders,
        # raycasts) are asked of the host as they happen; the host allows only RPC_NAMES.
        if name in RPC_NAMES:

            def call(*args: Any, **kwargs: Any) -> Any:
                return self._rpc(name, *args, **kwargs)

            # Named as the host's own method: refusals say "ctx (raycast)", as in process.
            call.__name__ = name
            call.__self__ = self  # type: ignore[attr-defined]
            return call
        raise AttributeError(name)

    def _rpc(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self._progress[0] != self._excused_for:
            # The first rpc of a call (in a batch, calls are told apart by their index).
            self._excused_for = self._progress[0]
            self._excusable = self._timeout
        started = time.perf_counter()
        cpu = time.thread_time()
        self._conn.send(("rpc", name, args, kwargs, started))
        kind, payload, *rest = self._conn.recv()
        waited = time.perf_counter() - started
        # Time the request waited for the host to come to this mod (it collects the mods'
        # ticks one by one, in load order) is not the script's at all.
        queued = rest[0] if rest and type(rest[0]) is float and 0.0 <= rest[0] <= waited else 0.0
        # Time the host spends answering is excused, up to one timeout per call: a busy host
        # does not fault a script that asks little, yet a script that asks the host to work
        # without end still stalls the tick by at most twice its timeout plus the margin.
        answering = min(waited - queued, self._excusable)
        self._excusable -= answering
        excused = queued + answering
        GC_PAUSES.total += excused
        self._progress[1] += excused
        # The round trip's own CPU time in this worker (pickling, the pipe's system calls) is
        # the tier's cost, which the thread tier does not have: it is excused from the CPU
        # clock too, within the wall-clock time just excused (so the stall bound above holds).
        transport = min(time.thread_time() - cpu, excused)
        if transport > 0.0:
            GC_PAUSES.cpu += transport
            self._progress[2] += transport
        if kind == "ret":
            return payload
        raise ModFault(
            payload["message"],
            mod_id=self.mod_id,
            hint=payload["hint"],
            details=payload["details"],
            code=DiagnosticCode(payload["code"]),
        )

    # -- reads -----------------------------------------------------------------------------
    def get_entity(self, entity_id: Any) -> EntityView | None:
        view = self._view
        if view is not None and entity_id == view.id and type(entity_id) is int:
            self._require("world.read", "world.get")
            return view
        return self._rpc("get_entity", entity_id)  # type: ignore[no-any-return]

    def query(self, kind: Any = None, tag: Any = None) -> list[EntityView]:
        return self._rpc("query", kind, tag)  # type: ignore[no-any-return]

    def read_file(self, path: Any) -> bytes:
        return self._rpc("read_file", path)  # type: ignore[no-any-return]

    def random(self) -> float:
        return self._rpc("random")  # type: ignore[no-any-return]

    def randint(self, low: Any, high: Any) -> int:
        return self._rpc("randint", low, high)  # type: ignore[no-any-return]

    def spawn(self, *args: Any) -> int:
        return self._rpc("spawn", *args)  # type: ignore[no-any-return]

    def storage_get(self, key: Any) -> Any:
        return self._rpc("storage_get", key)

    def storage_set(self, key: Any, value: Any) -> bool:
        return self._rpc("storage_set", key, value)  # type: ignore[no-any-return]

    def storage_delete(self, key: Any) -> bool:
        return self._rpc("storage_delete", key)  # type: ignore[no-any-return]

    def storage_keys(self) -> list[str]:
        return self._rpc("storage_keys")  # type: ignore[no-any-return]

    # -- buffered writes (checked again by the host when applied) ---------------------------
    def _buffer(self, capability: str, call: str, op: tuple[Any, ...]) -> None:
        self._require(capability, call)
        if self._counted_tick != self.tick:
            self._counted_tick, self._counts = self.tick, {}
        counts = self._counts
        n = counts[capability] = counts.get(capability, 0) + 1
        budget = DEFAULT_BUDGETS.get(capability)
        if budget is not None and n > budget.calls + 1:
            # The host throttles past its budget (the one call over it brings the warning):
            # what it would drop never crosses the pipe.
            return
        if n > MAX_OPS_PER_TICK:
            raise PayloadTooLarge(
                f"more than {MAX_OPS_PER_TICK} {call} calls in one tick",
                mod_id=self.mod_id,
                hint="write through ctx.entity (one write per entity and tick costs nothing "
                "extra), or spread the work over ticks",
                details={"call": call, "limit": MAX_OPS_PER_TICK},
            )
        self.ops.append(op)

    def set_position(self, entity_id: Any, position: Any) -> None:
        self._buffer("world.write", "world.set_position", ("set_position", entity_id, position))
        self._mirror(entity_id, position=position)

    def set_velocity(self, entity_id: Any, velocity: Any) -> None:
        self._buffer("world.write", "world.set_velocity", ("set_velocity", entity_id, velocity))
        self._mirror(entity_id, velocity=velocity)

    def despawn(self, entity_id: Any) -> None:
        self._buffer("world.spawn", "world.despawn", ("despawn", entity_id))

    def emit(self, name: Any, payload: Any = None, *, source_entity: int | None = None) -> None:
        # Checked here as the host checks it, so an oversized payload fails in the script's
        # call (as in process) and never crosses the pipe.
        self._require("events.emit", "events.emit")
        name = check_name(name, mod_id=self.mod_id, what="event name")
        body = copy_json(payload, mod_id=self.mod_id, what="event payload")
        self._buffer("events.emit", "events.emit", ("emit", name, body, source_entity))

    def log(self, message: Any) -> None:
        text = log_text(message, mod_id=self.mod_id, limit=MAX_LOG_LINE)
        self._buffer("log", "log", ("log", text))

    def _mirror(self, entity_id: Any, **fields: Any) -> None:
        # The script reads back what it wrote, as it would in process.
        view = self._view
        if view is not None and entity_id == view.id:
            try:
                clean: dict[str, Any] = {k: tuple(float(c) for c in v) for k, v in fields.items()}
            except (TypeError, ValueError, OverflowError):
                return
            if all(len(v) == 3 for v in clean.values()):
                self._view = EntityView(
                    view.id,
                    view.kind,
                    clean.get("position", view.position),
                    clean.get("velocity", view.velocity),
                    view.tags,
                    view.owner,
                )


#: Host operations the worker may ask for, by name (anything else is refused).
RPC_NAMES: Final[frozenset[str]] = frozenset(
    {
        "get_entity",
        "query",
        "read_file",
        "random",
        "randint",
        "spawn",
        "storage_get",
        "storage_set",
        "storage_delete",
        "storage_keys",
        "set_collider",
        "raycast",
        "within_radius",
        "input_is_down",
        "input_mouse",
        "timer_after",
        "timer_every",
        "timer_cancel",
        "ui_set_text",
        "ui_clear_text",
        "ui_camera_target",
        "positions_of",
        "set_positions_of",
    }
)
#: Buffered ops the host applies, by name.
OP_NAMES: Final[frozenset[str]] = frozenset(
    {"set_position", "set_velocity", "despawn", "emit", "log"}
)
