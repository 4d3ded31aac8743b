"""The store interface, and the SQL both backends share.

:class:`MarketStore` is what the rest of the marketplace talks to. Every state change is one
database transaction that updates the submission with a compare-and-set on
``(state, revision)`` and appends its history row; either both land or neither does, and two
actors racing on one submission cannot both win. Artifacts are immutable and addressed by
their SHA-256, so writing one before the transaction that references it is always safe (a
crash leaves at most an unreferenced blob, never a reference to a missing one).

Races the compare-and-set alone cannot settle are serialised per subject inside the
transaction (:meth:`SqlStore._lock`: a no-op under SQLite, whose writers already hold the
database lock; an advisory transaction lock under PostgreSQL): the roles table (two first
grants make one first maintainer), a mod (two approvals of one version: the second sees the
first; a unique index backs it) and an author (the open-submission quota).

Opening a store never takes the write lock: the schema version is read first, and the DDL
runs (under the write lock) only when the schema is missing or older.

Backends: :mod:`._sqlite` (the default; artifacts as files next to the database) and
:mod:`._postgres` (artifacts in a table). Both implement the few hooks of :class:`SqlStore`.
"""

from __future__ import annotations

import abc
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import Any, Final, Protocol, Self

from ._errors import (
    ConcurrentUpdate,
    MarketError,
    MarketForbidden,
    QuotaExceeded,
    StoreConfigError,
    SubmissionNotFound,
)
from ._model import (
    AuditRecord,
    AuthorKey,
    Finding,
    HistoryEntry,
    Submission,
    findings_from_json,
    findings_to_json,
    gates_passed,
    utc_now,
)
from ._states import State

SCHEMA_VERSION: Final = 2
#: Environment variable: seconds a writer waits for another writer's lock (default 30).
LOCK_TIMEOUT_ENV: Final = "MODHOST_MARKET_LOCK_TIMEOUT"
_DEFAULT_LOCK_TIMEOUT_S: Final = 30.0
#: States in which a submission counts against its author's quota.
OPEN_STATES: Final = (State.DRAFT, State.REVIEW, State.CHANGES_REQUESTED)
#: States that hold a version of a mod for good: at most one submission per version.
TAKEN_STATES: Final = (State.APPROVED, State.PUBLISHED, State.YANKED)

#: Called inside a transition's transaction with every other submission of the mod; raises
#: to abort the transition (see :meth:`MarketStore.transition`).
Guard = Callable[[Sequence["Submission"]], None]


def lock_timeout_s() -> float:
    """``$MODHOST_MARKET_LOCK_TIMEOUT`` seconds, else 30; how long a writer waits."""
    try:
        value = float(os.environ.get(LOCK_TIMEOUT_ENV, _DEFAULT_LOCK_TIMEOUT_S))
    except ValueError:
        return _DEFAULT_LOCK_TIMEOUT_S
    return value if value > 0 else _DEFAULT_LOCK_TIMEOUT_S


#: Portable DDL; ``{id}`` and ``{blob}`` are filled in per backend.
SCHEMA: Final[tuple[str, ...]] = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS mods (mod_id TEXT PRIMARY KEY, owner TEXT NOT NULL, "
    "created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS submissions ("
    " id {id},"
    " mod_id TEXT NOT NULL REFERENCES mods(mod_id),"
    " version TEXT NOT NULL,"
    " author TEXT NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN (" + ", ".join(f"'{s}'" for s in State) + ")),"
    " artifact TEXT NOT NULL,"
    " manifest TEXT NOT NULL,"
    " findings TEXT NOT NULL DEFAULT '[]',"
    " gates_passed INTEGER,"
    " revision INTEGER NOT NULL,"
    " created_at TEXT NOT NULL,"
    " updated_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS submissions_mod ON submissions (mod_id, state)",
    # A version is published at most once, even if two publishes race past the service's
    # check: the loser's transaction fails on this index and changes nothing.
    "CREATE UNIQUE INDEX IF NOT EXISTS submissions_released ON submissions (mod_id, version)"
    " WHERE state IN ('published', 'yanked')",
    # A version is approved at most once: two approvals racing for one version cannot both
    # land (the loser would otherwise block publishing, rejecting and yanking for good).
    "CREATE UNIQUE INDEX IF NOT EXISTS submissions_taken ON submissions (mod_id, version)"
    " WHERE state IN ('approved', 'published', 'yanked')",
    "CREATE TABLE IF NOT EXISTS history ("
    " submission_id INTEGER NOT NULL REFERENCES submissions(id),"
    " seq INTEGER NOT NULL,"
    " from_state TEXT,"
    " to_state TEXT NOT NULL,"
    " actor TEXT NOT NULL,"
    " at TEXT NOT NULL,"
    " reason TEXT NOT NULL DEFAULT '',"
    " findings TEXT NOT NULL DEFAULT '[]',"
    " artifact TEXT NOT NULL,"
    " version TEXT,"
    " PRIMARY KEY (submission_id, seq))",
    "CREATE TABLE IF NOT EXISTS author_keys (author TEXT NOT NULL, key_id TEXT NOT NULL,"
    " public_key TEXT NOT NULL, added_at TEXT NOT NULL, added_by TEXT NOT NULL,"
    " PRIMARY KEY (author, key_id))",
    "CREATE TABLE IF NOT EXISTS roles (name TEXT NOT NULL, role TEXT NOT NULL,"
    " granted_by TEXT NOT NULL, granted_at TEXT NOT NULL, PRIMARY KEY (name, role))",
    "CREATE TABLE IF NOT EXISTS audit_log (id {id}, at TEXT NOT NULL, actor TEXT NOT NULL,"
    " action TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '')",
)

_SUBMISSION_COLUMNS: Final = (
    "id, mod_id, version, author, state, artifact, manifest, findings, gates_passed, "
    "revision, created_at, updated_at"
)
_HISTORY_COLUMNS: Final = (
    "submission_id, seq, from_state, to_state, actor, at, reason, findings, artifact, version"
)
#: Upgrades from each older schema version, run in order under the write lock.
_MIGRATIONS: Final[dict[int, tuple[str, ...]]] = {
    # 1 -> 2: history rows name the version the submission had at that step.
    2: (
        "ALTER TABLE history ADD COLUMN version TEXT",
        "UPDATE history SET version = (SELECT version FROM submissions"
        " WHERE submissions.id = history.submission_id) WHERE version IS NULL",
    ),
}


def sha256_hex(data: bytes) -> str:
    """The content address of an artifact."""
    return hashlib.sha256(data).hexdigest()


class Tx(abc.ABC):
    """One open transaction (or autocommit reader); SQL uses ``?`` placeholders."""

    @abc.abstractmethod
    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query and return every row."""

    @abc.abstractmethod
    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement and return the number of rows it changed."""

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of a query, or None."""
        rows = self.all(sql, params)
        return rows[0] if rows else None


class MarketStore(abc.ABC):
    """Submissions, their history, author keys, roles and artifacts.

    Implementations are context managers with an idempotent :meth:`close`. Each write
    method is one transaction. Not thread-safe: give each thread its own store.
    """

    #: The URL the store was opened from (for messages).
    url: str

    # -- artifacts ------------------------------------------------------------------------

    @abc.abstractmethod
    def put_artifact(self, data: bytes) -> str:
        """Store ``data`` durably under its SHA-256 and return the hex digest (idempotent)."""

    @abc.abstractmethod
    def get_artifact(self, sha256: str) -> bytes:
        """The bytes stored under ``sha256``.

        :raises SubmissionNotFound: no such artifact.
        """

    # -- submissions ----------------------------------------------------------------------

    @abc.abstractmethod
    def create_submission(
        self,
        *,
        mod_id: str,
        version: str,
        author: str,
        artifact: str,
        manifest: Mapping[str, Any],
        max_open: int | None = None,
    ) -> Submission:
        """Create a submission in ``draft`` with its first history row. Two first
        submissions of a new mod at once by its author both land; by two authors, the
        second gets ``MARKET_FORBIDDEN``.

        :param max_open: the author's quota of open submissions (draft, review, changes
            requested), checked in the same transaction; None for no quota.
        :raises MarketForbidden: the mod exists and belongs to another author.
        :raises QuotaExceeded: the author already has ``max_open`` open submissions.
        """

    @abc.abstractmethod
    def open_submissions(self, author: str) -> int:
        """How many of ``author``'s submissions are open (count against the quota)."""

    @abc.abstractmethod
    def transition(
        self,
        submission_id: int,
        *,
        expected_state: State,
        expected_revision: int,
        to_state: State,
        actor: str,
        reason: str = "",
        findings: Sequence[Finding] | None = None,
        new_package: tuple[str, str, Mapping[str, Any]] | None = None,
        guard: Guard | None = None,
    ) -> Submission:
        """Move a submission, compare-and-set on ``(expected_state, expected_revision)``.

        The caller checked the move against the state machine; this only makes it atomic.

        :param guard: called inside the transaction, after the mod is locked against other
            transitions of its submissions, with every other submission of the mod; it
            raises to abort (the approve and publish steps check the version there).

        :param findings: gate results to record (sets ``gates_passed``).
        :param new_package: ``(artifact, version, manifest)`` replacing the package; clears
            the findings (the new package has not been through the gates).
        :raises SubmissionNotFound: no such submission.
        :raises ConcurrentUpdate: the submission is no longer in the expected state/revision.
        """

    @abc.abstractmethod
    def get(self, submission_id: int) -> Submission:
        """One submission. :raises SubmissionNotFound:"""

    @abc.abstractmethod
    def submissions(
        self, *, state: State | None = None, mod_id: str | None = None
    ) -> list[Submission]:
        """Submissions, oldest first, filtered by state and/or mod."""

    @abc.abstractmethod
    def history(self, submission_id: int) -> list[HistoryEntry]:
        """Every history row of a submission, in order. :raises SubmissionNotFound:"""

    @abc.abstractmethod
    def mod_owner(self, mod_id: str) -> str | None:
        """The author who first submitted ``mod_id``, or None."""

    # -- people ---------------------------------------------------------------------------

    @abc.abstractmethod
    def register_key(self, author: str, key_id: str, public_key: str, *, actor: str) -> None:
        """Register (or re-register) an author's public key."""

    @abc.abstractmethod
    def remove_key(self, author: str, key_id: str, *, actor: str) -> bool:
        """Revoke a registered key; True when it was there. Packages signed with it no
        longer pass the signature gate or install."""

    @abc.abstractmethod
    def keys_for(self, author: str) -> list[AuthorKey]:
        """The public keys registered for ``author``."""

    @abc.abstractmethod
    def grant_role(self, name: str, role: str, *, actor: str) -> None:
        """Give ``name`` a role. Until the store has a maintainer anyone may grant roles
        (bootstrap); afterwards only maintainers do.

        :raises MarketForbidden: ``actor`` is not a maintainer.
        """

    @abc.abstractmethod
    def roles_of(self, name: str) -> frozenset[str]:
        """The roles granted to ``name``."""

    @abc.abstractmethod
    def audit_log(self) -> list[AuditRecord]:
        """Every key registration, key revocation and role grant, oldest first (transitions
        are in :meth:`history`)."""

    # -- lifecycle ------------------------------------------------------------------------

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection. Idempotent."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _Connection(Protocol):
    def close(self) -> None: ...


class SqlStore(MarketStore):
    """The store logic over a SQL connection; backends supply transactions and artifacts.

    A backend sets ``_conn``, opens with :meth:`_ensure_schema`, and runs each of its
    transactions inside :meth:`_using`.
    """

    _conn: _Connection
    #: The identity column's DDL (``{id}`` in :data:`SCHEMA`).
    _id_ddl: str

    def __init__(self, url: str) -> None:
        self.url = url
        self._mutex = threading.RLock()
        self._closed = False

    @abc.abstractmethod
    def _write(self) -> AbstractContextManager[Tx]:
        """A write transaction: committed on normal exit, rolled back on an exception."""

    @abc.abstractmethod
    def _read(self) -> AbstractContextManager[Tx]:
        """A consistent read that never waits for a writer."""

    @abc.abstractmethod
    def _translate(self, exc: Exception) -> MarketError | None:
        """The marketplace error for a driver error (None: not the driver's)."""

    @abc.abstractmethod
    def _schema_version(self, tx: Tx) -> int:
        """The stored schema version (0 when there is no schema yet), read without locks."""

    def _lock(self, tx: Tx, key: str) -> None:
        """Serialise this transaction with every other one that locks ``key`` (until it
        ends). Backends whose write transactions are already serial need not override."""

    @contextmanager
    def _using(self) -> Iterator[None]:
        """Hold the connection (one thread at a time) of an open store, and turn the driver's
        errors into marketplace errors: the one boundary where they are translated."""
        with self._mutex:
            if self._closed:
                raise MarketError(f"store {self.url} is closed", hint="this is a bug in the caller")
            try:
                yield
            except MarketError:
                raise
            except Exception as exc:
                translated = self._translate(exc)
                if translated is None:
                    raise
                raise translated from exc

    def close(self) -> None:
        with self._mutex:
            if not self._closed:
                self._closed = True
                self._conn.close()

    def _ensure_schema(self) -> None:
        """Create or upgrade the schema, taking the write lock only when it is needed."""
        with self._read() as tx:
            if self._schema_version(tx) == SCHEMA_VERSION:
                return
        with self._write() as tx:
            self._lock(tx, "schema")
            found = self._schema_version(tx)  # again: another process may have done it
            if found == SCHEMA_VERSION:
                return
            if found > SCHEMA_VERSION:
                raise StoreConfigError(
                    f"store {self.url} has schema version {found}; this modhost knows "
                    f"{SCHEMA_VERSION}",
                    hint="upgrade modhost to use this store",
                )
            self._create_schema(tx, found)

    def _create_schema(self, tx: Tx, found: int) -> None:
        for version in range(found + 1, SCHEMA_VERSION + 1):
            for ddl in _MIGRATIONS.get(version, ()) if found else ():
                tx.run(ddl)
        for ddl in SCHEMA:
            if "submissions_taken" in ddl and found and self._taken_twice(tx):
                # A store from before the index may hold one version approved twice (the
                # race it closes); the index cannot be built over it, and the in-transaction
                # version check still guards every new approval.
                continue
            tx.run(ddl.replace("{id}", self._id_ddl))
        tx.run(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(SCHEMA_VERSION),),
        )

    def _taken_twice(self, tx: Tx) -> bool:
        marks = ", ".join("?" for _ in TAKEN_STATES)
        row = tx.one(
            f"SELECT 1 FROM submissions WHERE state IN ({marks}) "
            "GROUP BY mod_id, version HAVING COUNT(*) > 1 LIMIT 1",
            tuple(str(s) for s in TAKEN_STATES),
        )
        return row is not None

    # -- submissions ----------------------------------------------------------------------

    def create_submission(
        self,
        *,
        mod_id: str,
        version: str,
        author: str,
        artifact: str,
        manifest: Mapping[str, Any],
        max_open: int | None = None,
    ) -> Submission:
        now = utc_now()
        with self._write() as tx:
            if max_open is not None:
                self._lock(tx, f"author:{author}")
                self._check_quota(tx, author, max_open)
            # ON CONFLICT: a first submission racing another one of the same new mod waits
            # for it and then reads its owner, instead of failing on the primary key.
            tx.run(
                "INSERT INTO mods (mod_id, owner, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (mod_id) DO NOTHING",
                (mod_id, author, now),
            )
            owner = tx.one("SELECT owner FROM mods WHERE mod_id = ?", (mod_id,))
            if owner is not None and owner[0] != author:
                raise MarketForbidden(
                    f"mod '{mod_id}' belongs to '{owner[0]}'; '{author}' cannot submit it",
                    mod_id=mod_id,
                    hint="choose another mod id, or ask the owner to submit the new version",
                )
            row = tx.one(
                "INSERT INTO submissions (mod_id, version, author, state, artifact, manifest, "
                "findings, gates_passed, revision, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, '[]', NULL, 1, ?, ?) RETURNING id",
                (mod_id, version, author, str(State.DRAFT), artifact, _dump(manifest), now, now),
            )
            assert row is not None
            new_id = int(row[0])
            self._append_history(
                tx, new_id, 1, None, State.DRAFT, author, now, "submitted", (), artifact, version
            )
            return self._get(tx, new_id)

    def _check_quota(self, tx: Tx, author: str, max_open: int) -> None:
        count = self._count_open(tx, author)
        if count >= max_open:
            raise QuotaExceeded(
                f"'{author}' already has {count} open submissions (draft, review or changes "
                f"requested); the store allows {max_open}",
                hint="finish or withdraw some first: 'modhost market history MOD' lists them",
                details={"open": count, "quota": max_open},
            )

    def _count_open(self, tx: Tx, author: str) -> int:
        marks = ", ".join("?" for _ in OPEN_STATES)
        row = tx.one(
            f"SELECT COUNT(*) FROM submissions WHERE author = ? AND state IN ({marks})",
            (author, *(str(s) for s in OPEN_STATES)),
        )
        return int(row[0]) if row else 0

    def open_submissions(self, author: str) -> int:
        with self._read() as tx:
            return self._count_open(tx, author)

    def transition(
        self,
        submission_id: int,
        *,
        expected_state: State,
        expected_revision: int,
        to_state: State,
        actor: str,
        reason: str = "",
        findings: Sequence[Finding] | None = None,
        new_package: tuple[str, str, Mapping[str, Any]] | None = None,
        guard: Guard | None = None,
    ) -> Submission:
        now = utc_now()
        sets = ["state = ?", "revision = revision + 1", "updated_at = ?"]
        params: list[Any] = [str(to_state), now]
        if findings is not None:
            sets += ["findings = ?", "gates_passed = ?"]
            params += [findings_to_json(findings), int(gates_passed(findings))]
        if new_package is not None:
            artifact, version, manifest = new_package
            sets += [
                "artifact = ?",
                "version = ?",
                "manifest = ?",
                "findings = '[]'",
                "gates_passed = NULL",
            ]
            params += [artifact, version, _dump(manifest)]
        with self._write() as tx:
            if guard is not None:
                self._guard(tx, submission_id, guard)
            changed = tx.run(
                f"UPDATE submissions SET {', '.join(sets)} "
                "WHERE id = ? AND state = ? AND revision = ?",
                (*params, submission_id, str(expected_state), expected_revision),
            )
            if changed != 1:
                self._explain_lost_race(tx, submission_id, expected_state, to_state)
            current = self._get(tx, submission_id)
            self._append_history(
                tx,
                submission_id,
                current.revision,
                expected_state,
                to_state,
                actor,
                now,
                reason,
                tuple(findings or ()),
                current.artifact,
                current.version,
            )
            return current

    def _guard(self, tx: Tx, submission_id: int, guard: Guard) -> None:
        mine = self._get(tx, submission_id)
        self._lock(tx, f"mod:{mine.mod_id}")
        rows = tx.all(
            f"SELECT {_SUBMISSION_COLUMNS} FROM submissions WHERE mod_id = ? AND id <> ? "
            "ORDER BY id",
            (mine.mod_id, submission_id),
        )
        guard([_submission(r) for r in rows])

    def _explain_lost_race(
        self, tx: Tx, submission_id: int, expected: State, wanted: State
    ) -> None:
        current = self._get(tx, submission_id)  # raises SubmissionNotFound
        last = tx.one(
            "SELECT actor, at, to_state FROM history WHERE submission_id = ? "
            "ORDER BY seq DESC LIMIT 1",
            (submission_id,),
        )
        by = f" by {last[0]} at {last[1]}" if last else ""
        raise ConcurrentUpdate(
            f"submission {submission_id} ({current.mod_id}) changed while you acted: it is now "
            f"{current.state}{by}; your move {expected} -> {wanted} was not applied",
            mod_id=current.mod_id,
            hint=f"run 'modhost market show {submission_id}' and decide again",
            details={"state": str(current.state), "revision": current.revision},
        )

    def _append_history(
        self,
        tx: Tx,
        submission_id: int,
        seq: int,
        from_state: State | None,
        to_state: State,
        actor: str,
        at: str,
        reason: str,
        findings: Sequence[Finding],
        artifact: str,
        version: str,
    ) -> None:
        tx.run(
            f"INSERT INTO history ({_HISTORY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                submission_id,
                seq,
                None if from_state is None else str(from_state),
                str(to_state),
                actor,
                at,
                reason,
                findings_to_json(findings),
                artifact,
                version,
            ),
        )

    def get(self, submission_id: int) -> Submission:
        with self._read() as tx:
            return self._get(tx, submission_id)

    def _get(self, tx: Tx, submission_id: int) -> Submission:
        row = tx.one(
            f"SELECT {_SUBMISSION_COLUMNS} FROM submissions WHERE id = ?", (submission_id,)
        )
        if row is None:
            raise SubmissionNotFound(
                f"no submission {submission_id} in {self.url}",
                hint="'modhost market history MOD_ID' lists a mod's submissions, "
                "'modhost market review-queue' those waiting for review",
            )
        return _submission(row)

    def submissions(
        self, *, state: State | None = None, mod_id: str | None = None
    ) -> list[Submission]:
        where, params = [], []
        if state is not None:
            where.append("state = ?")
            params.append(str(state))
        if mod_id is not None:
            where.append("mod_id = ?")
            params.append(mod_id)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._read() as tx:
            rows = tx.all(
                f"SELECT {_SUBMISSION_COLUMNS} FROM submissions{clause} ORDER BY id", params
            )
        return [_submission(r) for r in rows]

    def history(self, submission_id: int) -> list[HistoryEntry]:
        with self._read() as tx:
            self._get(tx, submission_id)
            rows = tx.all(
                f"SELECT {_HISTORY_COLUMNS} FROM history WHERE submission_id = ? ORDER BY seq",
                (submission_id,),
            )
        return [_history(r) for r in rows]

    def mod_owner(self, mod_id: str) -> str | None:
        with self._read() as tx:
            row = tx.one("SELECT owner FROM mods WHERE mod_id = ?", (mod_id,))
        return None if row is None else str(row[0])

    # -- people ---------------------------------------------------------------------------

    def register_key(self, author: str, key_id: str, public_key: str, *, actor: str) -> None:
        with self._write() as tx:
            tx.run("DELETE FROM author_keys WHERE author = ? AND key_id = ?", (author, key_id))
            tx.run(
                "INSERT INTO author_keys (author, key_id, public_key, added_at, added_by) "
                "VALUES (?, ?, ?, ?, ?)",
                (author, key_id, public_key, utc_now(), actor),
            )
            _audit(tx, actor, "register-key", author, key_id)

    def remove_key(self, author: str, key_id: str, *, actor: str) -> bool:
        with self._write() as tx:
            sql = "DELETE FROM author_keys WHERE author = ? AND key_id = ?"
            if tx.run(sql, (author, key_id)) != 1:
                return False
            _audit(tx, actor, "revoke-key", author, key_id)
            return True

    def keys_for(self, author: str) -> list[AuthorKey]:
        with self._read() as tx:
            rows = tx.all(
                "SELECT author, key_id, public_key, added_at FROM author_keys "
                "WHERE author = ? ORDER BY key_id",
                (author,),
            )
        return [AuthorKey(str(a), str(k), str(p), str(t)) for a, k, p, t in rows]

    def grant_role(self, name: str, role: str, *, actor: str) -> None:
        with self._write() as tx:
            self._lock(tx, "roles")  # two first grants at once: the second sees the first
            # Until the store has a maintainer, anyone may grant roles (bootstrap).
            anyone = tx.one("SELECT COUNT(*) FROM roles WHERE role = 'maintainer'")
            bootstrapping = anyone is not None and anyone[0] == 0
            is_maintainer = tx.one(
                "SELECT 1 FROM roles WHERE name = ? AND role = 'maintainer'", (actor,)
            )
            if not bootstrapping and is_maintainer is None:
                raise MarketForbidden(
                    f"'{actor}' is not a maintainer and cannot grant roles",
                    hint="ask a maintainer to run 'modhost market grant-role NAME ROLE'",
                )
            tx.run("DELETE FROM roles WHERE name = ? AND role = ?", (name, role))
            tx.run(
                "INSERT INTO roles (name, role, granted_by, granted_at) VALUES (?, ?, ?, ?)",
                (name, role, actor, utc_now()),
            )
            _audit(tx, actor, "grant-role", name, role)

    def roles_of(self, name: str) -> frozenset[str]:
        with self._read() as tx:
            rows = tx.all("SELECT role FROM roles WHERE name = ?", (name,))
        return frozenset(str(r[0]) for r in rows)

    def audit_log(self) -> list[AuditRecord]:
        with self._read() as tx:
            rows = tx.all("SELECT at, actor, action, subject, detail FROM audit_log ORDER BY id")
        return [AuditRecord(*(str(v) for v in row)) for row in rows]


def _audit(tx: Tx, actor: str, action: str, subject: str, detail: str) -> None:
    tx.run(
        "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
        (utc_now(), actor, action, subject, detail),
    )


def _dump(manifest: Mapping[str, Any]) -> str:
    return json.dumps(dict(manifest), sort_keys=True)


def _submission(row: tuple[Any, ...]) -> Submission:
    (
        sid,
        mod_id,
        version,
        author,
        state,
        artifact,
        manifest,
        findings,
        passed,
        revision,
        created,
        updated,
    ) = row
    return Submission(
        id=int(sid),
        mod_id=str(mod_id),
        version=str(version),
        author=str(author),
        state=State(state),
        artifact=str(artifact),
        manifest=json.loads(manifest),
        findings=findings_from_json(findings),
        gates_passed=None if passed is None else bool(passed),
        revision=int(revision),
        created_at=str(created),
        updated_at=str(updated),
    )


def _history(row: tuple[Any, ...]) -> HistoryEntry:
    sid, seq, frm, to, actor, at, reason, findings, artifact, version = row
    return HistoryEntry(
        submission_id=int(sid),
        seq=int(seq),
        from_state=None if frm is None else State(frm),
        to_state=State(to),
        actor=str(actor),
        at=str(at),
        reason=str(reason),
        findings=findings_from_json(findings),
        artifact=str(artifact),
        version=None if version is None else str(version),
    )
