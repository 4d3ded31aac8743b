"""Killing a process in the middle of a transition leaves the store consistent.

A child process opens the store and moves a submission; the history insert is wrapped so
that, inside the open transaction, the child signals the parent and hangs. The parent kills
it with SIGKILL: the transition must vanish entirely (old state, old history, nothing
listed), and every earlier row must still be there. A second test kills a child at random
points of a long run of transitions and checks the invariants that tie the tables together.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from marketplace import Marketplace, MarketStore, State, open_store, pack_bytes

CHILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from marketplace import Marketplace, State, open_store
    from marketplace.store._sql import SqlStore

    url, sid, marker = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    original = SqlStore._append_history

    def hang_inside_transaction(self, *args, **kwargs):
        original(self, *args, **kwargs)
        marker.write_text(str(os.getpid()))
        time.sleep(120)

    SqlStore._append_history = hang_inside_transaction
    with open_store(url) as store:
        Marketplace(store, gates=[]).publish(sid, actor="mia")
    """
)

LOOP = textwrap.dedent(
    """
    import sys
    from marketplace import Marketplace, State, open_store

    url, count = sys.argv[1], int(sys.argv[2])
    with open_store(url) as store:
        market = Marketplace(store, gates=[])
        for i in range(count):
            sub = market.submit(store.get_artifact(sys.argv[3]), actor="ada")
            market.request_review(sub.id, actor="ada")
            market.approve(sub.id, actor="rex")
            market.publish(sub.id, actor="mia")
            market.yank(sub.id, actor="mia", reason="again")
            print(sub.id, flush=True)
    """
)


def _approved(market: Marketplace, package: bytes) -> int:
    sub = market.submit(package, actor="ada")
    market.request_review(sub.id, actor="ada")
    return market.approve(sub.id, actor="rex").id


def _package(make_mod: Callable[..., Path]) -> bytes:
    return pack_bytes(make_mod())


def test_kill_mid_publish_leaves_the_old_state(
    store_url: str, market: Marketplace, make_mod: Callable[..., Path], tmp_path: Path
) -> None:
    market.gates.clear()
    sid = _approved(market, _package(make_mod))
    before = market.history(sid)
    marker = tmp_path / "inside"
    child = subprocess.Popen([sys.executable, "-c", CHILD, store_url, str(sid), str(marker)])
    try:
        _wait_for(marker, child)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    with open_store(store_url) as after:
        sub = after.get(sid)
        assert (sub.state, sub.revision) == (State.APPROVED, before[-1].seq)
        assert after.history(sid) == before
        assert after.submissions(state=State.PUBLISHED) == []
        _check_invariants(after)
        # The store still works: the publish can be done again, once.
        Marketplace(after, gates=[]).publish(sid, actor="mia")
        assert [h.to_state for h in after.history(sid)][-1] == State.PUBLISHED


def test_random_kills_never_break_the_invariants(
    store_url: str, market: Marketplace, make_mod: Callable[..., Path]
) -> None:
    artifact = market.store.put_artifact(_package(make_mod))
    done_before = 0
    for delay in (0.5, 0.9):
        child = subprocess.Popen(
            [sys.executable, "-c", LOOP, store_url, "1000", artifact],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(delay)
        os.kill(child.pid, signal.SIGKILL)
        out, _ = child.communicate(timeout=60)
        with open_store(store_url) as after:
            _check_invariants(after)
            finished = [s for s in after.submissions() if s.state == State.YANKED]
            # Every submission the child reported done is fully there.
            reported = {int(line) for line in out.split()}
            assert reported <= {s.id for s in finished}
            assert len(finished) >= done_before
            done_before = len(finished)


def _check_invariants(store: MarketStore) -> None:
    for sub in store.submissions():
        rows = store.history(sub.id)
        assert [r.seq for r in rows] == list(range(1, len(rows) + 1)), sub
        assert sub.revision == len(rows), sub
        assert rows[-1].to_state == sub.state, sub
        assert rows[0].from_state is None and rows[0].to_state == State.DRAFT
        for prev, row in itertools.pairwise(rows):
            assert row.from_state == prev.to_state
        store.get_artifact(sub.artifact)  # never a reference to a missing artifact
    if store.url.startswith("sqlite"):
        conn = store._conn  # type: ignore[attr-defined]
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def _wait_for(marker: Path, child: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if marker.exists():
            return
        if child.poll() is not None:
            pytest.fail(f"child exited {child.returncode} before reaching the transition")
        time.sleep(0.05)
    pytest.fail("child never reached the transition")
