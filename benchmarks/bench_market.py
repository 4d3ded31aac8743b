"""Marketplace speed: transitions per second on the SQLite store, and package inspection.

Baselines measured in the same run: a bare SQLite ``UPDATE`` + ``INSERT`` transaction with the
same durability settings (WAL, synchronous=FULL), and listing a zip's central directory with
:mod:`zipfile`. The ratios show what the state machine, history rows and safety checks cost.
"""

from __future__ import annotations

import io
import sqlite3
import tempfile
import time
import zipfile
from pathlib import Path

from marketplace import State, inspect_package, open_store

ROUNDS = 300


def _bare_sqlite(folder: Path) -> float:
    conn = sqlite3.connect(folder / "bare.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE s (id INTEGER PRIMARY KEY, state TEXT, rev INTEGER)")
    conn.execute("CREATE TABLE h (sid INTEGER, seq INTEGER, state TEXT)")
    conn.execute("INSERT INTO s VALUES (1, 'a', 1)")
    start = time.perf_counter()
    for i in range(ROUNDS):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE s SET state = ?, rev = rev + 1 WHERE id = 1 AND rev = ?", ("b", i + 1))
        conn.execute("INSERT INTO h VALUES (1, ?, 'b')", (i + 2,))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def _store_transitions(folder: Path) -> float:
    with open_store(f"sqlite:///{folder / 'market.db'}") as store:
        artifact = store.put_artifact(b"x")
        subs = [
            store.create_submission(
                mod_id=f"m{i}", version="1.0.0", author="ada", artifact=artifact, manifest={}
            )
            for i in range(ROUNDS)
        ]
        start = time.perf_counter()
        for sub in subs:
            store.transition(
                sub.id,
                expected_state=State.DRAFT,
                expected_revision=1,
                to_state=State.REVIEW,
                actor="ada",
                findings=[],
            )
        return time.perf_counter() - start


def _package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mod.toml", 'id = "m"\n')
        for i in range(500):
            zf.writestr(f"assets/f{i}.txt", f"file {i}\n" * 20)
    return buffer.getvalue()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bare = _bare_sqlite(folder)
        ours = _store_transitions(folder)
    print(
        f"transition (SQLite, WAL, fsync)   {ROUNDS / ours:8.0f}/s   "
        f"bare UPDATE+INSERT {ROUNDS / bare:8.0f}/s   ratio {ours / bare:5.2f}x"
    )
    data = _package()
    start = time.perf_counter()
    for _ in range(20):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            zf.infolist()
    listing = (time.perf_counter() - start) / 20
    start = time.perf_counter()
    for _ in range(20):
        inspect_package(data, mod_id="m")
    inspect = (time.perf_counter() - start) / 20
    print(
        f"inspect 500-file package          {inspect * 1e3:8.2f} ms   "
        f"zipfile listing {listing * 1e3:8.2f} ms   ratio {inspect / listing:5.2f}x"
    )


if __name__ == "__main__":
    main()
