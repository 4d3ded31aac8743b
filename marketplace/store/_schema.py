"""The SQL schema both backends share, its migrations, and the rows it maps to models.

Opening a store never takes the write lock: the schema version is read first, and the DDL
runs (under the write lock) only when the schema is missing or older.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, Final

from ._model import HistoryEntry, Submission, findings_from_json
from ._states import State
from ._store import TAKEN_STATES, Tx

SCHEMA_VERSION: Final = 2
#: Environment variable: seconds a writer waits for another writer's lock (default 30).
LOCK_TIMEOUT_ENV: Final = "MODHOST_MARKET_LOCK_TIMEOUT"
_DEFAULT_LOCK_TIMEOUT_S: Final = 30.0


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

SUBMISSION_COLUMNS: Final = (
    "id, mod_id, version, author, state, artifact, manifest, findings, gates_passed, "
    "revision, created_at, updated_at"
)
HISTORY_COLUMNS: Final = (
    "submission_id, seq, from_state, to_state, actor, at, reason, findings, artifact, version"
)
#: Upgrades from each older schema version, run in order under the write lock.
MIGRATIONS: Final[dict[int, tuple[str, ...]]] = {
    # 1 -> 2: history rows name the version the submission had at that step.
    2: (
        "ALTER TABLE history ADD COLUMN version TEXT",
        "UPDATE history SET version = (SELECT version FROM submissions"
        " WHERE submissions.id = history.submission_id) WHERE version IS NULL",
    ),
}


def create_schema(tx: Tx, found: int, id_ddl: str) -> None:
    """Run the migrations from schema version ``found`` and the DDL, under the write lock."""
    for version in range(found + 1, SCHEMA_VERSION + 1):
        for ddl in MIGRATIONS.get(version, ()) if found else ():
            tx.run(ddl)
    for ddl in SCHEMA:
        if "submissions_taken" in ddl and found and _taken_twice(tx):
            # A store from before the index may hold one version approved twice (the
            # race it closes); the index cannot be built over it, and the in-transaction
            # version check still guards every new approval.
            continue
        tx.run(ddl.replace("{id}", id_ddl))
    tx.run(
        "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (str(SCHEMA_VERSION),),
    )


def _taken_twice(tx: Tx) -> bool:
    marks = ", ".join("?" for _ in TAKEN_STATES)
    row = tx.one(
        f"SELECT 1 FROM submissions WHERE state IN ({marks}) "
        "GROUP BY mod_id, version HAVING COUNT(*) > 1 LIMIT 1",
        tuple(str(s) for s in TAKEN_STATES),
    )
    return row is not None


def dump_manifest(manifest: Mapping[str, Any]) -> str:
    return json.dumps(dict(manifest), sort_keys=True)


def submission_from_row(row: tuple[Any, ...]) -> Submission:
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


def history_from_row(row: tuple[Any, ...]) -> HistoryEntry:
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
