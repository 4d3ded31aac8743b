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
from typing import Any, ClassVar, Final

from host_api import (
    HostAPI,
    Limits,
    ModFault,
    ModhostError,
    ScriptContext,
)

from ..base import (
    ScriptFault,
    ScriptModule,
    ScriptRejected,
    ScriptSandbox,
    ScriptTimeout,
)
from ._compiler import check_script
from ._fuel import kill_margin, wall_limit
from ._pool import WorkerPool, default_pool
from ._process_faults import crashed, killed, rebuilt
from ._process_tick import TickRoundTrip
from ._process_wire import (
    applied,
    entity_in,
    refusal,
    wire_call,
)
from ._rejections import CompileBudget
from ._remote_api import RPC_NAMES
from ._wire import fault_data
from ._worker import POST_CALL

#: How often the host looks at the worker's progress while waiting (seconds).
POLL_S: Final = 0.0005
#: Seconds a call's results (state, ops) may take to cross back once the script returned.
POST_CALL_S: Final = 2.0
#: Seconds a worker may take to start before it is considered broken.
START_TIMEOUT_S: Final = 30.0
#: Seconds a crashed worker is waited for, for its exit code (it is killed after).
CRASH_WAIT_S: Final = 0.1


class ProcessSandbox(TickRoundTrip, ScriptSandbox):
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
        self._compile_budget = CompileBudget(mod_id)
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
        return marshal.dumps(self._compile_budget.compiled(path, check_script(source, path)))

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
            (module.path, hook, *wire_call(ctx, args))
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
            results = self._serve(conn, api, partial(entity_in, ctxs))
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
            return ("err", refusal(self.mod_id, name))
        try:
            return ("ret", getattr(api, name)(*args, **kwargs))
        except ModhostError as exc:
            return ("err", fault_data(exc))
        except Exception as exc:
            # A host bug: the script gets a refusal now; the host re-raises the original once
            # the batch is back (a host bug surfaces as itself, never as the mod's fault).
            self._host_bug = self._host_bug or exc
            return ("err", refusal(self.mod_id, name))

    def _apply(self, path: str, api: HostAPI | None, ctx: ScriptContext | None, result: Any) -> Any:
        return applied(self.mod_id, path, api, ctx, result)

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
        return killed(self.mod_id, self.limits.timeout_ms, clock)

    def _crashed(self) -> ScriptFault:
        code = None
        if self._proc is not None:
            # The pipe closes before the process is reaped: wait a moment for its exit code.
            self._proc.join(CRASH_WAIT_S)
            code = self._proc.exitcode
        self._stop_worker(kill=True)
        return crashed(self.mod_id, self.limits.memory_mb, code)

    def _rebuild(self, data: Any, path: str) -> ScriptFault | ScriptRejected:
        return rebuilt(self.mod_id, data, path)


@dataclasses.dataclass
class _PendingLoad:
    """A :meth:`ProcessSandbox.start_loading` not yet collected by ``load_many``."""

    scripts: tuple[tuple[str, str], ...]
    results: list[ScriptModule | ModhostError | None]
    batch: list[tuple[int, str, bytes]]
    #: The pipe of the worker the ``load`` message was sent to (None: not sent).
    sent_to: Connection | None = None
