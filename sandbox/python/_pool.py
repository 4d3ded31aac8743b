"""Warm spare workers for the process tier: start-up is paid ahead, in the background.

Starting a worker costs 6-10 ms (the forkserver's fork, the child's boot, its first compile);
a hot reload of 11 mods used to pay that 11 times in a row. A :class:`WorkerPool` keeps
:data:`SPARES` workers booted and blocked on their first message, and starts a replacement on
its own thread each time one is taken. :class:`~sandbox.ProcessSandbox` takes one whenever it
needs a worker (the first load, a restart after a kill or crash).

Isolation is unchanged by the pool:

- a spare has run no mod code: it booted, compiled and ran one fixed warm-up script in a
  throwaway sandbox, said ``("ready",)`` and waits;
- it learns its mod from its first message (``("assign", mod_id, limits)``), only then applies
  that mod's OS limits, and serves that mod until it exits;
- a worker is never handed back: closing a sandbox retires its worker (the pool reaps it in
  the background, so a reload does not wait for old workers to exit). Only never-used
  spares are ever handed out.

The pool is process-wide (:func:`default_pool`), like the forkserver it starts workers from:
spares hold no authority (no mod, no limits, no host objects), so sharing them between hosts
shares nothing a mod could reach.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.machinery
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Final

from ._worker import worker_main

#: Never-used workers kept booted and waiting, at least.
SPARES: Final = 4
#: At most: the pool grows from :data:`SPARES` to the largest burst of takes it has seen (a
#: startup or a reload of that many mods), so the next reload of that size finds a warm
#: worker for every mod. An idle spare costs about 5 MB of private memory.
MAX_SPARES: Final = 12
#: Seconds without a take before the pool starts replacements, so it does not compete for
#: the CPU with the reload (or startup) that is taking workers.
QUIET_S: Final = 0.1
#: Seconds a retired worker gets to exit on its own before the pool kills it.
RETIRE_GRACE_S: Final = 1.0
#: Seconds the pool defers ending a retired worker at most, even while takes keep coming (a
#: tool reloading in a tight loop must not pile up old workers).
RETIRE_DEFER_S: Final = 1.0
#: Seconds the pool's thread sleeps when it has nothing to do (it is woken on every take).
IDLE_S: Final = 0.5

_START_LOCK = threading.Lock()
_CONTEXT: Any = None


def _context() -> Any:
    global _CONTEXT
    if _CONTEXT is None:
        import multiprocessing

        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["sandbox.python._worker"])
        _CONTEXT = ctx
    return _CONTEXT


@dataclass(eq=False)
class Worker:
    """One worker process and the host's ends of its pipe and progress record.

    ``progress`` is shared memory the worker writes at each call's start and end:
    ``[call index (-1 idle), wall-clock start, the worker's CPU clock at the start]``.
    """

    proc: Any
    conn: Connection
    progress: Any
    #: Whether the worker's ``("ready",)`` (sent once booted and warmed up) was received.
    ready: bool = False

    @property
    def alive(self) -> bool:
        return bool(self.proc.is_alive())


def start_worker() -> Worker:
    """Start one worker now (it boots in the background); the pool's and the fallback path.

    Starts are serialised: :func:`_main_not_rerun` patches ``__main__`` for the duration of
    the start, which must not interleave with another thread's start.
    """
    mp = _context()
    host_end: Connection
    host_end, worker_end = mp.Pipe(duplex=True)
    progress = mp.RawArray("d", [-1.0, 0.0, 0.0])
    proc = mp.Process(
        target=worker_main,
        args=(worker_end, progress),
        name="modhost-sandbox-worker",
        daemon=True,
    )
    with _START_LOCK, _main_not_rerun():
        proc.start()
    worker_end.close()
    return Worker(proc, host_end, progress)


class WorkerPool:
    """Keeps never-used workers ready; see the module docs.

    :param spares: how many to keep at least; 0 starts every worker on demand (no thread).
    :param max_spares: how many to keep at most, after bursts of takes.
    """

    def __init__(self, spares: int = SPARES, *, max_spares: int = MAX_SPARES) -> None:
        self.spares = spares
        self.max_spares = max(spares, max_spares)
        #: Takes since the pool was last full, and the most of those seen.
        self._burst = 0
        self._peak = 0
        self._last_take = 0.0
        self._ready: deque[Worker] = deque()
        self._retired: list[tuple[float, Any]] = []
        #: Retired workers whose pipe the pool closes once it is quiet: (since, proc, conn).
        self._closing: list[tuple[float, Any, Connection]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        #: Workers handed out, and how many of them were warm spares.
        self.taken = 0
        self.warm = 0

    def take(self) -> Worker:
        """A never-used worker: a spare if one is alive, else one started now.

        Cost: a deque pop when a spare is ready; a worker start (about 1 ms here plus its
        boot, which the first message waits for) otherwise.
        """
        worker = None
        with self._lock:
            while self._ready and worker is None:
                candidate = self._ready.popleft()
                if candidate.alive:
                    worker = candidate
                else:
                    self._discard(candidate)
            self.taken += 1
            self.warm += worker is not None
            self._burst += 1
            self._peak = max(self._peak, self._burst)
            self._last_take = time.monotonic()
        self._ensure_thread()
        self._wake.set()
        return worker if worker is not None else start_worker()

    def retire(self, proc: Any, conn: Connection | None = None) -> None:
        """A worker that is done: end it and reap it in the background.

        :param conn: the host's end of its pipe, still open. The pool closes it (the
            worker's end of input: it exits) once no take has happened for :data:`QUIET_S`,
            or after :data:`RETIRE_DEFER_S` at the latest.
            An exiting worker costs a few milliseconds of CPU; a reload that retires 11 of
            them would otherwise pay for that in the tick that first runs the new code. A
            retired worker blocked on its input runs nothing and is sent nothing, so the
            delay keeps nothing of the mod reachable. None: already closed (or killed).
        """
        with self._lock:
            if conn is not None and self._thread_needed():
                self._closing.append((time.monotonic(), proc, conn))
                conn = None
            else:
                self._retired.append((time.monotonic(), proc))
        if conn is not None:
            conn.close()
        self._ensure_thread()
        self._wake.set()

    def close(self) -> None:
        """Stop the thread and end every spare and retired worker. Idempotent."""
        with self._lock:
            self._closed = True
            spares, self._ready = list(self._ready), deque()
            retired, self._retired = self._retired, []
            closing, self._closing = self._closing, []
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5.0)
        for worker in spares:
            self._discard(worker)
        for _, proc, conn in closing:
            conn.close()
            retired.append((0.0, proc))
        for _, proc in retired:
            _end(proc, grace=0.2)

    # -- the pool's thread ---------------------------------------------------------------------
    def _thread_needed(self) -> bool:
        return self.spares > 0 and not self._closed

    def _ensure_thread(self) -> None:
        if self._thread is None and self._thread_needed():
            self._thread = threading.Thread(
                target=self._run, name="modhost-worker-pool", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while not self._closed:
            self._wake.clear()
            # Nothing while workers are being taken (a startup or a reload is running), unless
            # a retired worker has waited too long.
            now = time.monotonic()
            busy = self._last_take + QUIET_S - now
            due = self._defer_left(now)
            if busy > 0 and due > 0:
                self._wake.wait(min(busy, due))
                continue
            pending = self._reap()
            if busy <= 0:
                self._refill()
            # A retired worker exits within milliseconds of its pipe closing: look again soon;
            # a refill cut short by a take goes on once the pool is quiet again.
            short = len(self._ready) < self.target
            self._wake.wait(0.01 if pending else QUIET_S if short else IDLE_S)

    @property
    def target(self) -> int:
        """How many spares the pool keeps now (see :data:`MAX_SPARES`)."""
        return min(self.max_spares, max(self.spares, self._peak)) if self.spares else 0

    def _defer_left(self, now: float) -> float:
        """Seconds until the oldest deferred retirement is due (infinity: none)."""
        with self._lock:
            oldest = self._closing[0][0] if self._closing else None
        return float("inf") if oldest is None else max(0.0, oldest + RETIRE_DEFER_S - now)

    def _refill(self) -> None:
        while not self._closed and len(self._ready) < self.target:
            if self._last_take + QUIET_S > time.monotonic():
                return  # takes again: _run waits for the quiet (and reaps meanwhile)
            worker = start_worker()
            # One boot at a time (each costs ~8 ms of CPU, mostly copy-on-write faults): on a
            # 2-core machine a burst of boots would starve the ticks right after a reload.
            if not _await_ready(worker):
                self._discard(worker)
                continue
            with self._lock:
                if self._closed:
                    self._discard(worker)
                    return
                self._ready.append(worker)
        with self._lock:
            if len(self._ready) >= self.target:
                self._burst = 0

    def _reap(self) -> bool:
        """Close retired workers' pipes, join the workers that exited, kill those past their
        grace; any still pending?"""
        now = time.monotonic()
        with self._lock:
            retired, self._retired = self._retired, []
            closing, self._closing = self._closing, []
        for _, proc, conn in closing:
            conn.close()
            retired.append((now, proc))
        keep = []
        for since, proc in retired:
            if proc.is_alive() and now - since < RETIRE_GRACE_S:
                keep.append((since, proc))
            else:
                _end(proc, grace=0.0)
        if keep:
            with self._lock:
                self._retired.extend(keep)
        return bool(keep)

    @staticmethod
    def _discard(worker: Worker) -> None:
        worker.conn.close()
        _end(worker.proc, grace=0.2)


def _await_ready(worker: Worker, timeout: float = 30.0) -> bool:
    try:
        if worker.conn.poll(timeout) and worker.conn.recv() == ("ready",):
            worker.ready = True
    except (EOFError, OSError):
        pass
    return worker.ready


def _end(proc: Any, *, grace: float) -> None:
    proc.join(timeout=grace)
    if proc.is_alive():
        proc.kill()
        proc.join(timeout=1.0)


_DEFAULT: WorkerPool | None = None


def default_pool() -> WorkerPool:
    """The process-wide pool (created on first use, closed at interpreter exit)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = WorkerPool()
        atexit.register(_DEFAULT.close)
    return _DEFAULT


@contextlib.contextmanager
def _main_not_rerun() -> Iterator[None]:
    """Start a worker without it re-running the host's ``__main__`` script.

    A forkserver child re-executes the parent's main *file* unless ``__main__`` has a spec;
    for the ``modhost`` console script that means importing the whole CLI (hundreds of ms)
    in every worker. A spec named ``__main__`` tells the child to leave main alone; the
    worker needs nothing from it (its entry point is ``sandbox.python._worker``).
    """
    main = sys.modules.get("__main__")
    patch = main is not None and getattr(main, "__spec__", None) is None
    if patch:
        main.__spec__ = importlib.machinery.ModuleSpec("__main__", None)  # type: ignore[union-attr]
    try:
        yield
    finally:
        if patch:
            main.__spec__ = None  # type: ignore[union-attr]
