"""The store logic over SQL, shared by both backends.

Races the compare-and-set alone cannot settle are serialised per subject inside the
transaction (:meth:`SqlStore._lock`: a no-op under SQLite, whose writers already hold the
database lock; an advisory transaction lock under PostgreSQL): the roles table (two first
grants make one first maintainer), a mod (two approvals of one version: the second sees the
first; a unique index backs it) and an author (the open-submission quota).

Backends: :mod:`._sqlite` (the default; artifacts as files next to the database) and
:mod:`._postgres` (artifacts in a table). Both implement the few hooks of :class:`SqlStore`.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

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
    findings_to_json,
    gates_passed,
    utc_now,
)
from ._schema import (
    HISTORY_COLUMNS,
    SCHEMA_VERSION,
    SUBMISSION_COLUMNS,
    create_schema,
    dump_manifest,
    history_from_row,
    submission_from_row,
)
from ._states import State
from ._store import OPEN_STATES, Guard, MarketStore, Tx


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
        """Create the schema at version ``found``; a backend extends it with its own tables."""
        create_schema(tx, found, self._id_ddl)

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
                (
                    mod_id,
                    version,
                    author,
                    str(State.DRAFT),
                    artifact,
                    dump_manifest(manifest),
                    now,
                    now,
                ),
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
            params += [artifact, version, dump_manifest(manifest)]
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
            f"SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE mod_id = ? AND id <> ? "
            "ORDER BY id",
            (mine.mod_id, submission_id),
        )
        guard([submission_from_row(r) for r in rows])

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
            f"INSERT INTO history ({HISTORY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        row = tx.one(f"SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE id = ?", (submission_id,))
        if row is None:
            raise SubmissionNotFound(
                f"no submission {submission_id} in {self.url}",
                hint="'modhost market history MOD_ID' lists a mod's submissions, "
                "'modhost market review-queue' those waiting for review",
            )
        return submission_from_row(row)

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
                f"SELECT {SUBMISSION_COLUMNS} FROM submissions{clause} ORDER BY id", params
            )
        return [submission_from_row(r) for r in rows]

    def history(self, submission_id: int) -> list[HistoryEntry]:
        with self._read() as tx:
            self._get(tx, submission_id)
            rows = tx.all(
                f"SELECT {HISTORY_COLUMNS} FROM history WHERE submission_id = ? ORDER BY seq",
                (submission_id,),
            )
        return [history_from_row(r) for r in rows]

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
