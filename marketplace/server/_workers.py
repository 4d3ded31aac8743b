"""Gates on workers: entering review queues the gates as a job; workers run it.

Two queues run the same job function (:func:`run_gate_job`):

* :class:`EmbeddedGates` (``serve`` over SQLite): a thread inside the server process, so
  one command serves a complete marketplace;
* :class:`QueuedGates` (PostgreSQL): a procrastinate queue in the store's database;
  ``modhost market worker`` processes, any number on any machine, take jobs from it.

A job that raises is retried up to ``max_attempts`` times; a worker that dies mid-job
(killed, machine lost) stops sending heartbeats, and another worker retries its job once the
heartbeat is ``stalled_after_s`` old; an attempt that runs longer than ``job_timeout_s`` is
abandoned and counts as failed. When the attempts are spent, the job records a gate
failure (``MARKET_GATE_UNAVAILABLE``) instead of findings. Until findings are in, the
submission is in ``review`` with ``gates_passed`` None ("validating"), and
:func:`job_progress` says which gate runs. Recording is a compare-and-set on the
submission's revision, so a job that runs twice records once.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from host_api import DiagnosticCode

from .._gates import Gate
from .._market import Marketplace
from .._package import DEFAULT_LIMITS, PackageLimits
from ..store import Finding, MarketStore, SqlStore, open_store, utc_now
from ._tables import create_tables

_log = logging.getLogger("modhost.market.worker")
_T = TypeVar("_T")

TASK_NAME: Final = "modhost_gates"
QUEUE_NAME: Final = "modhost-gates"
DEFAULT_ATTEMPTS: Final = 3

SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS server_gate_jobs (submission_id INTEGER NOT NULL,"
    " revision INTEGER NOT NULL, status TEXT NOT NULL, gate TEXT NOT NULL DEFAULT '',"
    " done INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0,"
    " attempts INTEGER NOT NULL DEFAULT 0, error TEXT NOT NULL DEFAULT '',"
    " updated_at TEXT NOT NULL, PRIMARY KEY (submission_id, revision))",
)


@dataclass(frozen=True)
class WorkerSettings:
    """How gate jobs run."""

    store_url: str
    gates: Sequence[Gate] | None = None
    limits: PackageLimits = DEFAULT_LIMITS
    max_attempts: int = DEFAULT_ATTEMPTS
    #: A worker whose heartbeat is older than this is dead; its job is retried.
    stalled_after_s: float = 30.0
    heartbeat_s: float = 5.0
    #: Longest one attempt at a job may take before it is abandoned (and retried).
    job_timeout_s: float = 600.0


def create_jobs_table(store: SqlStore) -> None:
    """Create the progress table when missing (idempotent)."""
    create_tables(store, SCHEMA)


def _set_progress(store: SqlStore, submission_id: int, revision: int, **values: Any) -> None:
    columns = ["status", "gate", "done", "total", "attempts", "error"]
    row = {c: values[c] for c in columns if c in values}
    with store._write() as tx:
        tx.run(
            "INSERT INTO server_gate_jobs (submission_id, revision, status, updated_at) "
            "VALUES (?, ?, 'queued', ?) ON CONFLICT (submission_id, revision) DO NOTHING",
            (submission_id, revision, utc_now()),
        )
        sets = ", ".join(f"{c} = ?" for c in row)
        tx.run(
            f"UPDATE server_gate_jobs SET {sets}, updated_at = ? "
            "WHERE submission_id = ? AND revision = ?",
            (*row.values(), utc_now(), submission_id, revision),
        )


def job_progress(store: MarketStore, submission_id: int, revision: int) -> dict[str, Any] | None:
    """What the gate job of a validating submission is doing, or None if none is known."""
    assert isinstance(store, SqlStore)
    with store._read() as tx:
        row = tx.one(
            "SELECT status, gate, done, total, attempts, error, updated_at "
            "FROM server_gate_jobs WHERE submission_id = ? AND revision = ?",
            (submission_id, revision),
        )
    if row is None:
        return None
    keys = ("status", "gate", "done", "total", "attempts", "error", "updated_at")
    return dict(zip(keys, row, strict=True))


def run_gate_job(
    settings: WorkerSettings, submission_id: int, revision: int, *, attempt: int
) -> str:
    """Run the gates of one validating submission and record the findings.

    :param attempt: 1 for the first run; on the last allowed attempt a failure is recorded
        as a gate failure instead of raised.
    :returns: ``recorded``, ``skipped`` (nothing to do any more) or ``failed``.
    :raises Exception: whatever the gates raised, before the last attempt (to be retried).
    """
    with open_store(settings.store_url) as store:
        assert isinstance(store, SqlStore)
        market = Marketplace(store, gates=settings.gates, limits=settings.limits)
        _set_progress(store, submission_id, revision, status="running", attempts=attempt)

        def progress(gate: str, done: int, total: int) -> None:
            _set_progress(store, submission_id, revision, gate=gate, done=done, total=total)

        try:
            done = _within(
                settings.job_timeout_s,
                lambda: market.run_deferred_gates(submission_id, revision, progress=progress),
            )
        except Exception as exc:
            if attempt < settings.max_attempts:
                _set_progress(store, submission_id, revision, status="retrying", error=str(exc))
                raise
            _log.exception("gate job %s@%s failed for good", submission_id, revision)
            return record_failure(store, settings, submission_id, revision, str(exc), attempt)
        _set_progress(store, submission_id, revision, status="done")
        return "skipped" if done is None else "recorded"


def _within(timeout_s: float, work: Callable[[], _T]) -> _T:
    """Run ``work`` in a helper thread and give up waiting after ``timeout_s``.

    A thread cannot be killed: an attempt that overruns is abandoned. It cannot record
    anything late by mistake: the caller closes its store right after (its next database
    call fails), and a recording that still lands first is a real, complete gate run, which
    the compare-and-set lets through once.

    :raises TimeoutError: ``work`` did not finish in time.
    """
    outcome: list[_T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # re-raised in the caller's thread below
            failure.append(exc)

    thread = threading.Thread(target=run, name="modhost-gate-attempt", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        raise TimeoutError(f"the gates took longer than {timeout_s:g} s")
    if failure:
        raise failure[0]
    return outcome[0]


def record_failure(
    store: SqlStore,
    settings: WorkerSettings,
    submission_id: int,
    revision: int,
    error: str,
    attempts: int,
) -> str:
    """Record that the gates could not run (the submission leaves "validating", failed)."""
    finding = Finding(
        gate="worker",
        code=DiagnosticCode.MARKET_GATE_UNAVAILABLE,
        message=f"the gates did not finish after {attempts} attempt(s): {error}"[:500],
        hint="request changes so the author can resubmit, or ask an operator to check the workers",
    )
    market = Marketplace(store, gates=settings.gates, limits=settings.limits)
    market.record_gates(submission_id, revision, [finding])
    _set_progress(store, submission_id, revision, status="failed", error=error[:500])
    return "failed"


class GateJobs(abc.ABC):
    """Where entering review sends the gates."""

    @abc.abstractmethod
    def enqueue(self, store: SqlStore, submission_id: int, revision: int) -> None:
        """Queue the gates of a submission that just entered review at ``revision``."""

    @abc.abstractmethod
    def close(self) -> None:
        """Stop taking jobs. Idempotent."""


class EmbeddedGates(GateJobs):
    """A worker thread in the server process (the SQLite default)."""

    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings
        self._jobs: queue.Queue[tuple[int, int] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="modhost-gates", daemon=True)
        self._thread.start()

    def enqueue(self, store: SqlStore, submission_id: int, revision: int) -> None:
        _set_progress(store, submission_id, revision, status="queued")
        self._jobs.put((submission_id, revision))

    def _loop(self) -> None:
        while (job := self._jobs.get()) is not None:
            for attempt in range(1, self.settings.max_attempts + 1):
                try:
                    run_gate_job(self.settings, *job, attempt=attempt)
                    break
                except Exception:
                    _log.warning("gate job %s failed (attempt %d)", job, attempt, exc_info=True)

    def close(self) -> None:
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(timeout=60)


def procrastinate_app(settings: WorkerSettings) -> Any:
    """A procrastinate app on the store's PostgreSQL database with the gate task."""
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=settings.store_url))

    @app.task(
        name=TASK_NAME,
        queue=QUEUE_NAME,
        pass_context=True,
        retry=procrastinate.RetryStrategy(max_attempts=settings.max_attempts - 1),
    )
    def gates(context: Any, submission_id: int, revision: int) -> str:
        attempt = int(context.job.attempts) + 1
        return run_gate_job(settings, submission_id, revision, attempt=attempt)

    return app


def ensure_queue_schema(app: Any) -> None:
    """Install procrastinate's tables once per database (its DDL is not idempotent)."""
    connector = app.connector.get_sync_connector()
    row = connector.execute_query_one(query="SELECT to_regclass('procrastinate_jobs') AS t")
    if row["t"] is None:
        app.schema_manager.apply_schema()


class QueuedGates(GateJobs):
    """Gate jobs on the store's PostgreSQL database, for ``modhost market worker``."""

    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings
        self.app = procrastinate_app(settings)
        self.app.open()
        ensure_queue_schema(self.app)
        self._lock = threading.Lock()

    def enqueue(self, store: SqlStore, submission_id: int, revision: int) -> None:
        _set_progress(store, submission_id, revision, status="queued")
        with self._lock:
            self.app.tasks[TASK_NAME].configure(lock=f"gates-{submission_id}-{revision}").defer(
                submission_id=submission_id, revision=revision
            )

    def close(self) -> None:
        self.app.close()


def run_worker(settings: WorkerSettings, *, name: str = "worker", once: bool = False) -> None:
    """Run one worker process until interrupted (``once``: until the queue is empty)."""
    app = procrastinate_app(settings)
    asyncio.run(_work(app, settings, name=name, once=once))


async def _work(app: Any, settings: WorkerSettings, *, name: str, once: bool) -> None:
    async with app.open_async():
        await asyncio.to_thread(ensure_queue_schema, app)
        rescue = asyncio.create_task(_retry_stalled(app, settings))
        try:
            await app.run_worker_async(
                queues=[QUEUE_NAME],
                name=name,
                wait=not once,
                concurrency=1,
                update_heartbeat_interval=settings.heartbeat_s,
                stalled_worker_timeout=settings.stalled_after_s,
                fetch_job_polling_interval=1.0,
                install_signal_handlers=not once,
            )
        finally:
            rescue.cancel()


async def _retry_stalled(app: Any, settings: WorkerSettings) -> None:
    """Give the jobs of dead workers to the living (or record their failure when spent)."""
    while True:
        await asyncio.sleep(settings.heartbeat_s)
        try:
            stalled = await app.job_manager.get_stalled_jobs(
                queue=QUEUE_NAME, seconds_since_heartbeat=settings.stalled_after_s
            )
            for job in stalled:
                await _rescue(app, settings, job)
        except Exception:
            _log.warning("checking for stalled gate jobs failed", exc_info=True)


async def _rescue(app: Any, settings: WorkerSettings, job: Any) -> None:
    attempts = int(job.attempts) + 1
    if attempts < settings.max_attempts:
        _log.warning("gate job %s: its worker died; retrying", job.id)
        await app.job_manager.retry_job(job)
        return
    args = job.task_kwargs
    await asyncio.to_thread(_record_stalled, settings, args, attempts)
    await app.job_manager.finish_job(job, status=_failed_status(), delete_job=False)


def _record_stalled(settings: WorkerSettings, args: dict[str, Any], attempts: int) -> None:
    with open_store(settings.store_url) as store:
        assert isinstance(store, SqlStore)
        record_failure(
            store,
            settings,
            int(args["submission_id"]),
            int(args["revision"]),
            "the worker running them stopped responding",
            attempts,
        )


def _failed_status() -> Any:
    from procrastinate.jobs import Status

    return Status.FAILED
