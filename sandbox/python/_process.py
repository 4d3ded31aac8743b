"""The process tier: each mod's scripts run in a worker process the host can kill.

Why: some work cannot be interrupted inside the host process (one C-level operation holds the
interpreter). Here the worker runs the same restricted, metered scripts (so fuel and codes are
the same as in process), under OS limits (address space, no file writes), and the host kills
it when one call has used more than ``timeout_ms`` plus :func:`kill_margin` of CPU time (the
worker's own CPU clock, read by the host from ``/proc/<pid>/schedstat``) or taken longer than
:func:`wall_limit` of wall-clock time (the backstop): a loaded machine does not get a call
killed for time it spent waiting for a core, and no call stalls a tick longer than the
backstop, whatever the script does. A killed or crashed worker is restarted on the
next call, with the mod's scripts loaded again (module data starts over; ``ctx.state`` is the
host's and survives).

Entity state crosses the boundary once per tick, in bulk: :meth:`call_batch` sends one message
with every call's entity snapshot and state and gets one message back with their new state
and the ordered ops (moves, emits, log lines) the host applies through the mod's real
``HostAPI``, which checks each one again: the worker is never trusted.
"""

from __future__ import annotations

import dataclasses
import marshal
import time
from collections.abc import Callable, Sequence
from functools import partial
from multiprocessing.connection import Connection
from types import SimpleNamespace
from typing import Any, ClassVar, Final

from host_api import (
    DiagnosticCode,
    EntityView,
    HostAPI,
    Limits,
    ModFault,
    ModhostError,
    ScriptContext,
)

from .. import base
from ..base import (
    KindWork,
    MemoryLimitExceeded,
    ScriptFault,
    ScriptModule,
    ScriptRaised,
    ScriptRejected,
    ScriptSandbox,
    ScriptTimeout,
    TickWork,
)
from ._compiler import check_script
from ._fuel import kill_margin, wall_limit
from ._pool import WorkerPool, default_pool
from ._rejections import compiled
from ._wire import fault_data
from ._worker import OP_NAMES, POST_CALL, RPC_NAMES
from ._worker_kinds import plain_states

#: How often the host looks at the worker's progress while waiting (seconds).
POLL_S: Final = 0.0005
#: Seconds a call's results (state, ops) may take to cross back once the script returned.
POST_CALL_S: Final = 2.0
#: Seconds a worker may take to start before it is considered broken.
START_TIMEOUT_S: Final = 30.0


class ProcessSandbox(ScriptSandbox):
    """Scripts run in a worker process with OS limits; the host kills it at the deadline.

    :param mod_id: the mod whose scripts this sandbox runs.
    :param limits: fuel and timeout per call, memory for the worker.
    :param pool: where workers come from (never-used spares); the process-wide
        :func:`default_pool` unless given.
    """

    tier: ClassVar[str] = "process"

    def __init__(self, mod_id: str, limits: Limits, *, pool: WorkerPool | None = None) -> None:
        super().__init__(mod_id, limits)
        self._pool = pool if pool is not None else default_pool()
        #: Each loaded script's marshalled code, to load again into a restarted worker.
        self._sources: dict[str, bytes] = {}
        self._proc: Any = None
        self._conn: Connection | None = None
        self._progress: Any = None
        self._stuck = 0
        self._host_bug: Exception | None = None
        #: Scripts :meth:`start_loading` began and :meth:`load_many` has not collected.
        self._pending: _PendingLoad | None = None
        #: Workers taken from the pool (1 + restarts after kills and crashes).
        self.starts = 0
        self._tick_fault: ScriptFault | None = None
        self._tick_conn: Connection | None = None
        #: The worker that holds the host's copy of the entity states (seeded once).
        self._seeded: Connection | None = None
        #: Entities gone since the last tick (the worker drops their state).
        self._forgotten: list[int] = []

    # -- the interface -------------------------------------------------------------------------
    def load(self, path: str, source: str) -> ScriptModule:
        self._check_open()
        return self._load_code(path, self._compile(path, source))

    def start_loading(self, scripts: Sequence[tuple[str, str]]) -> None:
        """Compile ``scripts`` and send them to the worker now; :meth:`load_many` with the
        same scripts collects the worker's answers (see :meth:`ScriptSandbox.start_loading`).
        """
        self._check_open()
        if self._pending is not None:
            return
        pending = _PendingLoad(tuple(scripts), *self._compile_all(scripts))
        if pending.batch:
            try:
                conn = self._ensure_worker()
                self._send(conn, ("load", [(path, code) for _, path, code in pending.batch]))
                pending.sent_to = conn
            except ScriptFault:
                pass  # the worker died before taking it: load_many sends it to a fresh one
        self._pending = pending

    def load_many(self, scripts: Sequence[tuple[str, str]]) -> list[ScriptModule | ModhostError]:
        """All the scripts in one message to the worker (sent right after ``assign`` for a
        fresh worker, or already by :meth:`start_loading`); it answers each as its module
        body has run, so the host waits for the worker once per mod, not once per script.
        Results are those of one :meth:`load` each.
        """
        self._check_open()
        pending = self._pending
        if pending is not None and pending.scripts == tuple(scripts):
            self._pending = None
        else:
            self._drop_pending()
            pending = None
        if pending is None:
            pending = _PendingLoad(tuple(scripts), *self._compile_all(scripts))
        results, batch = pending.results, pending.batch
        done = 0
        try:
            if batch:
                conn = self._ensure_worker()
                if pending.sent_to is not conn:  # not sent, or to a worker since replaced
                    self._send(conn, ("load", [(path, code) for _, path, code in batch]))
            for index, path, code in batch:
                results[index] = self._loaded(conn, path, code)
                done += 1
        except ScriptFault as fault:
            # The worker was killed or died in this script's body (or before it): the script
            # gets the fault, the ones after it load one by one into a fresh worker, as if
            # each had been loaded on its own.
            results[batch[done][0]] = fault
            for index, path, code in batch[done + 1 :]:
                try:
                    results[index] = self._load_code(path, code)
                except ModhostError as exc:
                    results[index] = exc
        return [r for r in results if r is not None]

    def _drop_pending(self) -> None:
        """Forget a :meth:`start_loading` nobody collected; if the worker has it, start over
        with a fresh worker (its answers would be read as those of the next request)."""
        pending, self._pending = self._pending, None
        if pending is not None and pending.sent_to is not None and pending.sent_to is self._conn:
            self._stop_worker(kill=True)

    def _compile_all(
        self, scripts: Sequence[tuple[str, str]]
    ) -> tuple[list[ScriptModule | ModhostError | None], list[tuple[int, str, bytes]]]:
        """(a result slot per script, rejections filled in; the scripts to send as code)."""
        results: list[ScriptModule | ModhostError | None] = [None] * len(scripts)
        batch: list[tuple[int, str, bytes]] = []
        for index, (path, source) in enumerate(scripts):
            try:
                batch.append((index, path, self._compile(path, source)))
            except ModhostError as exc:
                results[index] = exc
        return results, batch

    def _compile(self, path: str, source: str) -> bytes:
        # Compiled here, from the host's cache (a reload's unchanged dependents cost nothing),
        # and sent as code: a rejected script never reaches a worker.
        return marshal.dumps(compiled(self.mod_id, path, check_script(source, path)))

    def _load_code(self, path: str, code: bytes) -> ScriptModule:
        self._drop_pending()
        conn = self._ensure_worker()
        self._send(conn, ("load", [(path, code)]))
        result = self._loaded(conn, path, code)
        if isinstance(result, ScriptModule):
            return result
        raise result

    def _loaded(
        self, conn: Connection, path: str, code: bytes
    ) -> ScriptModule | ScriptFault | ScriptRejected:
        """The worker's answer for one script of a ``load`` (raises if the worker dies)."""
        reply = self._wait(conn, deadline=self._kill_after())
        if reply[0] == "fault":
            return self._rebuild(reply[1], path)
        self._sources[path] = code
        return ScriptModule(path=path, hooks=frozenset(reply[1]), handle=path)

    def call(self, module: ScriptModule, hook: str, *args: Any) -> Any:
        self._check_open()
        if hook not in module.hooks:
            return None
        outcome = self._batch([(module, hook, args)])[0]
        if isinstance(outcome, ScriptFault):
            raise outcome
        return outcome

    def call_batch(
        self,
        calls: Sequence[tuple[ScriptModule, str, tuple[Any, ...]]],
        on_fault: Callable[[ModFault], bool],
    ) -> None:
        """All ``calls`` in one round trip to the worker; results are applied in order.

        After ``on_fault`` returns False, the remaining results are dropped (not applied).
        """
        self._check_open()
        batch = [(m, h, a) for m, h, a in calls if h in m.hooks]
        if not batch:
            return
        for outcome in self._batch(batch):
            if isinstance(outcome, ScriptFault) and not on_fault(outcome):
                return

    # -- a mod's tick in one round trip ---------------------------------------------------------
    def start_tick(self, work: TickWork) -> None:
        """Send the whole tick to the worker now (it runs while the host collects other
        mods); :meth:`finish_tick` serves its rpcs and applies its results."""
        self._check_open()
        self._drop_pending()
        self._work, self._tick_fault, self._tick_conn = work, None, None
        api = self.tick_api
        try:
            conn = self._ensure_worker()
            if self._seeded is not conn:
                # A fresh worker: the host's copy of the states (rolling, see SYNC_EVERY).
                self._send(conn, ("states", plain_states(work.states, work.states)))
                self._seeded = conn
            forgotten, self._forgotten = self._forgotten, []
            calls = [(m.path, h, *_wire_call(a[0], a)) for m, h, a in work.mod_calls]
            kinds = [_wire_kind(k) for k in work.kinds]
            granted = tuple(api.granted) if api is not None else ()
            self._send(conn, ("tick", work.tick, granted, calls, kinds, forgotten, work.dt))
            self._tick_conn = conn
        except ScriptFault as fault:
            self._tick_fault = fault

    def finish_tick(self, on_fault: Callable[[ModFault], bool]) -> TickWork | None:
        work, self._work = self._work, None
        if work is None:
            return None
        if self._tick_fault is not None or self._tick_conn is None:
            on_fault(self._tick_fault or self._crashed())
            return work
        api = self.tick_api
        self._stuck = 0
        try:
            reply = self._serve(self._tick_conn, api, partial(_entity_in_tick, work))
        except ScriptFault as fault:
            # The worker was killed (or died) in the middle: the tick's results went with
            # it; the stuck call gets the fault. States fall back to the host's copy.
            on_fault(fault)
            return work
        bug, self._host_bug = self._host_bug, None
        if bug is not None:
            raise bug
        _, call_results, kind_results, _, synced = reply
        refresh(work.states, synced)
        for (module, _, args), result in zip(work.mod_calls, call_results, strict=True):
            outcome = self._apply(module.path, api, args[0], result)
            if isinstance(outcome, ScriptFault) and not on_fault(outcome):
                return work
        for kind, result in zip(work.kinds, kind_results, strict=True):
            if not self._apply_kind(api, kind, result, on_fault):
                return work
        return work

    def _apply_kind(
        self,
        api: HostAPI | None,
        kind: KindWork,
        result: tuple[Any, ...],
        on_fault: Callable[[ModFault], bool],
    ) -> bool:
        stream, *writes = result
        own: set[int] | None = None
        for entry in stream if type(stream) is list else ():
            if type(entry) is not tuple or not entry:
                continue
            if entry[0] == "fault":
                data = entry[1] if len(entry) == 2 and type(entry[1]) is dict else None
                fault = self._rebuild(data or _refusal(self.mod_id, "fault"), "")
                if not on_fault(fault):
                    return False
                continue
            if entry and entry[0] == "emit" and len(entry) == 4:
                # The source entity must be one this batch ran for (never the worker's claim
                # about another one).
                own = set(kind.ids) if own is None else own
                source = entry[3] if type(entry[3]) is int and entry[3] in own else None
            else:
                source = None
            try:
                _apply_op(api, entry, source)
            except ModhostError as exc:
                if not on_fault(self._rebuild(fault_data(exc), "")):
                    return False
            except (TypeError, ValueError):
                # A malformed op (only a broken worker sends one): refused, like an rpc.
                if not on_fault(self._rebuild(_refusal(self.mod_id, str(entry[0])), "")):
                    return False
        if len(writes) == 4 and all(type(w) is bytes for w in writes):
            # Checked by the host before the world takes them (the worker is not trusted).
            kind.moved_mask, kind.moved, kind.steered_mask, kind.steered = writes
        return True

    def forget(self, entity_id: int) -> None:
        self._forgotten.append(entity_id)

    def pull_states(self, into: dict[int, dict[str, Any]]) -> None:
        """Copy the worker's entity states into ``into`` (the host's copy), now.

        Called before a reload and when a test reads an entity's state. A worker that does
        not answer in time leaves ``into`` as it was.
        """
        if self._conn is None or self._proc is None or not self._proc.is_alive():
            return
        try:
            self._send(self._conn, ("pull",))
            message = self._wait(self._conn, deadline=self._kill_after())
        except ScriptFault:
            return
        if message[0] == "states":
            refresh(into, message[1])

    def close(self) -> None:
        # No ("close",) message: closing the host's end is the worker's end of input (it
        # returns on EOF), and a write that wakes the worker costs the host about a
        # millisecond per mod under a reload on a busy machine.
        self._stop_worker(kill=False)
        super().close()

    @property
    def pid(self) -> int | None:
        """The process id of the mod's current worker (None before the first load)."""
        return None if self._proc is None else int(self._proc.pid)

    # -- batches -------------------------------------------------------------------------------
    def _batch(self, batch: list[tuple[ScriptModule, str, tuple[Any, ...]]]) -> list[Any]:
        ctxs = [
            args[0] if args and isinstance(args[0], ScriptContext) else None for _, _, args in batch
        ]
        api = next((c._api for c in ctxs if c is not None), None)
        self._drop_pending()
        calls = [
            (module.path, hook, *_wire_call(ctx, args))
            for ctx, (module, hook, args) in zip(ctxs, batch, strict=True)
        ]
        tick = api.tick if api is not None else 0
        self._stuck = 0
        try:
            # Inside the try: restarting a dead worker reloads the mod's scripts, and a reload
            # that runs past its limit is this batch's fault, not the host's.
            conn = self._ensure_worker()
            granted = tuple(api.granted) if api is not None else ()
            self._send(conn, ("batch", tick, granted, calls))
            results = self._serve(conn, api, partial(_entity_in, ctxs))
        except ScriptFault as fault:
            # The stuck (or crashing) call gets the fault; the others' results were lost
            # with the worker and are not applied (their state stays as it was).
            stuck = max(0, min(self._stuck, len(batch) - 1))
            return [fault if i == stuck else None for i in range(len(batch))]
        bug, self._host_bug = self._host_bug, None
        if bug is not None:
            raise bug
        return [
            self._apply(module.path, api, ctx, result)
            for ctx, (module, _, _), result in zip(ctxs, batch, results, strict=True)
        ]

    def _serve(
        self, conn: Connection, api: HostAPI | None, entity_of: Callable[[int], int | None]
    ) -> Any:
        """Answer the worker's rpcs until it is done; kill it if a call runs past its limit.

        :param entity_of: the entity the call with a given progress index runs for.
        :returns: the worker's results (``done``: the calls' results; ``ticked``: the whole
            reply).
        """
        limit = self._kill_after()
        turn = time.perf_counter()
        while True:
            message = self._wait(conn, deadline=limit)
            if message[0] in ("done", "ticked"):
                figures = message[2] if message[0] == "done" else message[3]
                if self.figures is not None and figures is not None:
                    self.figures.merge(*figures)
                return message[1] if message[0] == "done" else message
            if message[0] == "rpc":
                kwargs = message[3]
                if "entity" in kwargs:
                    # Whose timer: the host's record of the running call, not the worker's.
                    kwargs["entity"] = entity_of(int(self._progress[0]))
                sent = message[4] if len(message) > 4 and type(message[4]) is float else turn
                self._send(conn, (*self._rpc(api, message[1], message[2], kwargs),
                                  max(0.0, turn - sent)))  # fmt: skip

    def _kill_after(self) -> float:
        """CPU seconds a call (or module body) may use before the host kills the worker."""
        return self.limits.timeout_ms / 1000.0 + kill_margin(self.limits.timeout_ms)

    def _send(self, conn: Connection, message: tuple[Any, ...]) -> None:
        try:
            conn.send(message)
        except (OSError, ValueError):
            raise self._crashed() from None

    def _wait(self, conn: Connection, deadline: float) -> Any:
        """The worker's next message; kill the worker if the running call passes its limits.

        A running call is killed once it has used ``deadline`` seconds of CPU time (only
        looked up once that much wall-clock time has passed: CPU time never runs ahead of
        it) or :func:`wall_limit` of wall-clock time. Between calls (the worker starting,
        answering) only a dead worker or :data:`START_TIMEOUT_S` without any message ends
        the wait.
        """
        idle_since = time.perf_counter()
        backstop = wall_limit(self.limits.timeout_ms)
        while True:
            try:
                if conn.poll(POLL_S):
                    message = conn.recv()
                    if message != ("ready",):
                        return message
                    continue
            except (EOFError, OSError):
                raise self._crashed() from None
            progress = self._progress
            index, started, cpu_start = progress[0], progress[1], progress[2]
            now = time.perf_counter()
            if index >= 0:
                self._stuck = int(index)
                wall = now - started
                if wall > backstop:
                    raise self._killed("wall")
                if wall > deadline and self._worker_cpu() - cpu_start > deadline:
                    raise self._killed("cpu")
            elif index == POST_CALL and now - started > POST_CALL_S:
                raise self._killed("wall")
            elif now - idle_since > START_TIMEOUT_S:
                raise self._crashed()
            if not self._proc.is_alive():
                raise self._crashed()

    def _worker_cpu(self) -> float:
        """The worker's CPU clock (its main thread's run time, the clock its meter reads).

        Where ``/proc`` cannot tell, infinity: the wall-clock deadline decides alone.
        """
        try:
            with open(f"/proc/{self._proc.pid}/schedstat", "rb") as fh:
                return int(fh.read().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            return float("inf")

    def _rpc(
        self, api: HostAPI | None, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[str, Any]:
        if api is None or name not in RPC_NAMES or set(kwargs) - {"entity"}:
            return ("err", _refusal(self.mod_id, name))
        try:
            return ("ret", getattr(api, name)(*args, **kwargs))
        except ModhostError as exc:
            return ("err", fault_data(exc))
        except Exception as exc:
            # A host bug: the script gets a refusal now; the host re-raises the original once
            # the batch is back (a host bug surfaces as itself, never as the mod's fault).
            self._host_bug = self._host_bug or exc
            return ("err", _refusal(self.mod_id, name))

    def _apply(self, path: str, api: HostAPI | None, ctx: ScriptContext | None, result: Any) -> Any:
        fault_raw, value, state, ops = result
        if ctx is not None and state is not None:
            ctx.state.clear()
            ctx.state.update(state)
        source = ctx._source_entity() if ctx is not None else None
        try:
            for op in ops:
                _apply_op(api, op, source)
        except ModhostError as exc:
            if fault_raw is None:
                fault_raw = fault_data(exc)
        if fault_raw is not None:
            return self._rebuild(fault_raw, path)
        return value

    # -- the worker ----------------------------------------------------------------------------
    def _ensure_worker(self) -> Connection:
        if self._conn is not None and self._proc is not None and self._proc.is_alive():
            return self._conn
        self._stop_worker(kill=True)
        worker = self._pool.take()
        self._proc, self._conn, self._progress = worker.proc, worker.conn, worker.progress
        self.starts += 1
        # A worker started just now reads what follows once it has booted; its ("ready",)
        # comes first and _wait skips it (so a host loading several mods boots them at once).
        # The worker learns its mod now; it applies the mod's OS limits before anything else.
        self._send(worker.conn, ("assign", self.mod_id, self.limits))
        if self._sources:
            # A restart: the scripts that loaded before load again, in one message.
            self._send(worker.conn, ("load", list(self._sources.items())))
            for _ in self._sources:
                self._wait(worker.conn, deadline=self._kill_after())
        return worker.conn

    def _stop_worker(self, *, kill: bool) -> None:
        proc, self._proc = self._proc, None
        conn, self._conn = self._conn, None
        if kill and conn is not None:
            conn.close()
            conn = None
        if proc is None:
            if conn is not None:
                conn.close()
            return
        if kill:
            proc.kill()
        # Closing the pipe ends the worker, and exiting takes it a few ms of CPU; the pool
        # does both in the background once the reload (or startup) is over, so neither the
        # reload nor the tick after it waits for old workers.
        self._pool.retire(proc, conn)

    def _killed(self, clock: str) -> ScriptTimeout:
        self._stop_worker(kill=True)
        timeout = self.limits.timeout_ms
        if clock == "cpu":
            what = f"used more than its CPU time limit ({timeout} ms) plus margin"
        else:
            what = (
                f"took longer than its wall-clock backstop "
                f"({wall_limit(timeout) * 1000:g} ms for a {timeout} ms limit)"
            )
        return ScriptTimeout(
            f"the call {what} in work the script's meter cannot interrupt; its worker "
            "process was killed",
            mod_id=self.mod_id,
            hint="do less per call; the mod's scripts restart in a fresh worker",
            details={"tier": self.tier, "killed": True, "clock": clock},
        )

    def _crashed(self) -> ScriptFault:
        code = self._proc.exitcode if self._proc is not None else None
        self._stop_worker(kill=True)
        return MemoryLimitExceeded(
            f"the mod's worker process died (exit code {code}), most likely over its "
            f"address-space limit ({self.limits.memory_mb} MB of script data)",
            mod_id=self.mod_id,
            hint="keep ctx.state and module data smaller, or raise [limits] memory_mb",
            details={"tier": self.tier, "exitcode": code},
        )

    def _rebuild(self, data: dict[str, Any], path: str) -> ScriptFault | ScriptRejected:
        cls = getattr(base, data["cls"], None)
        if not (isinstance(cls, type) and issubclass(cls, ScriptFault | ScriptRejected)):
            cls = ScriptRaised
        fault = cls(
            data["message"],
            mod_id=self.mod_id,
            hint=data["hint"],
            file=data.get("file") or path,
            line=data.get("line"),
            details=dict(data.get("details") or {}),
        )
        fault.code = DiagnosticCode(data["code"])
        return fault


@dataclasses.dataclass
class _PendingLoad:
    """A :meth:`ProcessSandbox.start_loading` not yet collected by ``load_many``."""

    scripts: tuple[tuple[str, str], ...]
    results: list[ScriptModule | ModhostError | None]
    batch: list[tuple[int, str, bytes]]
    #: The pipe of the worker the ``load`` message was sent to (None: not sent).
    sent_to: Connection | None = None


def _wire_call(ctx: ScriptContext | None, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """One call as plain data: the entity's snapshot, its state, the other arguments."""
    if ctx is None:
        return (None, {}, tuple(_plain_arg(a) for a in args))
    view = ctx._entity_view()
    # A plain tuple: pickling a slotted dataclass goes through dataclasses.fields(), 10x slower.
    wire = None if view is None else (
        view.id, view.kind, view.position, view.velocity, view.tags, view.owner
    )  # fmt: skip
    rest = args[1:]
    if rest and all(type(a) is float for a in rest):
        return (wire, ctx.state, rest)
    return (wire, ctx.state, tuple(_plain_arg(a) for a in rest))


def _plain_arg(value: Any) -> Any:
    # Host records (events) cross as simple namespaces: the worker never imports runtime code.
    if dataclasses.is_dataclass(value) and not isinstance(value, type | EntityView):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return SimpleNamespace(**fields)
    return value


def _apply_op(api: HostAPI | None, op: tuple[Any, ...], source: int | None) -> None:
    if api is None or not op or op[0] not in OP_NAMES:
        return
    name, *args = op
    if name == "emit":
        # The source entity is the host's record of who called, never the worker's claim.
        event, payload, _ = args
        api.emit(event, payload, source_entity=source)
    else:
        getattr(api, name)(*args)


def _refusal(mod_id: str, what: str) -> dict[str, Any]:
    return {
        "cls": "ScriptRaised",
        "code": "SANDBOX_ERROR",
        "message": f"host operation refused: {what}",
        "hint": "scripts reach the host only through ctx",
        "file": None,
        "line": None,
        "details": {},
    }


def _entity_in(ctxs: list[ScriptContext | None], index: int) -> int | None:
    ctx = ctxs[max(0, min(index, len(ctxs) - 1))] if ctxs else None
    return None if ctx is None else ctx._source_entity()


def _entity_in_tick(work: TickWork, index: int) -> int | None:
    """The entity of the tick's call ``index`` (mod calls first, then each kind's rows)."""
    index -= len(work.mod_calls)
    for kind in work.kinds:
        if 0 <= index < len(kind):
            return int(kind.ids[index])
        index -= len(kind)
    return None


def _wire_kind(kind: KindWork) -> tuple[Any, ...]:
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
