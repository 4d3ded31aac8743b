"""The store contract, run on both backends (SQLite and a real PostgreSQL server)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from host_api import DiagnosticCode
from marketplace import (
    ConcurrentUpdate,
    Finding,
    InvalidTransition,
    MarketForbidden,
    Marketplace,
    MarketStore,
    State,
    StoreConfigError,
    Submission,
    SubmissionNotFound,
    open_store,
    pack_bytes,
)


def _draft(store: MarketStore, mod_id: str = "coin", author: str = "ada") -> Any:
    artifact = store.put_artifact(f"package of {mod_id}".encode())
    return store.create_submission(
        mod_id=mod_id, version="1.0.0", author=author, artifact=artifact, manifest={"id": mod_id}
    )


def _to_review(
    store: MarketStore, submission_id: int, actor: str = "ada", **extra: Any
) -> Submission:
    """The first move of every submission: draft at revision 1 -> review."""
    return store.transition(
        submission_id,
        expected_state=State.DRAFT,
        expected_revision=1,
        to_state=State.REVIEW,
        actor=actor,
        **extra,
    )


def test_create_records_a_draft_and_its_first_history_row(store: MarketStore) -> None:
    sub = _draft(store)
    assert (sub.state, sub.revision, sub.gates_passed) == (State.DRAFT, 1, None)
    assert store.get(sub.id) == sub
    [row] = store.history(sub.id)
    assert (row.seq, row.from_state, row.to_state, row.actor) == (1, None, State.DRAFT, "ada")


def test_transition_is_compare_and_set_and_appends_history(store: MarketStore) -> None:
    sub = _draft(store)
    finding = Finding("version", DiagnosticCode.MARKET_VERSION_NOT_NEWER, "too old")
    moved = _to_review(store, sub.id, reason="go", findings=[finding])
    assert (moved.state, moved.revision, moved.gates_passed) == (State.REVIEW, 2, False)
    assert moved.findings == (finding,)
    with pytest.raises(ConcurrentUpdate) as info:
        _to_review(store, sub.id, actor="eve")
    assert "it is now review by ada" in info.value.message
    assert info.value.to_diagnostic().code == DiagnosticCode.MARKET_CONFLICT
    rows = store.history(sub.id)
    assert [(r.seq, r.to_state) for r in rows] == [(1, State.DRAFT), (2, State.REVIEW)]
    assert rows[1].findings == (finding,) and rows[1].reason == "go"
    assert store.get(sub.id) == moved


def test_new_package_clears_findings(store: MarketStore) -> None:
    sub = _to_review(store, _draft(store).id, findings=[])
    assert sub.gates_passed is True
    new = store.put_artifact(b"second package")
    sub = store.transition(
        sub.id,
        expected_state=State.REVIEW,
        expected_revision=2,
        to_state=State.DRAFT,
        actor="ada",
        new_package=(new, "1.0.1", {"id": "coin"}),
    )
    assert (sub.artifact, sub.version, sub.gates_passed, sub.findings) == (new, "1.0.1", None, ())


def test_missing_things_are_diagnostics(store: MarketStore) -> None:
    with pytest.raises(SubmissionNotFound):
        store.get(999)
    with pytest.raises(SubmissionNotFound):
        store.history(999)
    with pytest.raises(SubmissionNotFound):
        _to_review(store, 999)
    with pytest.raises(SubmissionNotFound):
        store.get_artifact("0" * 64)


def test_artifacts_are_content_addressed(store: MarketStore) -> None:
    digest = store.put_artifact(b"hello")
    assert digest == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    assert store.put_artifact(b"hello") == digest
    assert store.get_artifact(digest) == b"hello"


def test_a_mod_belongs_to_its_first_author(store: MarketStore) -> None:
    _draft(store, author="ada")
    with pytest.raises(MarketForbidden, match="belongs to 'ada'"):
        _draft(store, author="eve")
    assert store.mod_owner("coin") == "ada"
    assert [s.author for s in store.submissions(mod_id="coin")] == ["ada"]


def test_roles_bootstrap_then_only_maintainers_grant(store: MarketStore) -> None:
    store.grant_role("mia", "maintainer", actor="mia")
    store.grant_role("rex", "reviewer", actor="mia")
    with pytest.raises(MarketForbidden):
        store.grant_role("eve", "maintainer", actor="rex")
    assert store.roles_of("rex") == {"reviewer"}
    assert store.roles_of("eve") == frozenset()


def test_two_writers_racing_on_one_revision_one_wins(store_url: str) -> None:
    with open_store(store_url) as setup:
        sub = _draft(setup)
        _to_review(setup, sub.id, findings=[])

    def move(name: str, target: State) -> Callable[[MarketStore], Any]:
        return lambda s: s.transition(
            sub.id,
            expected_state=State.REVIEW,
            expected_revision=2,
            to_state=target,
            actor=name,
            reason="race",
        )

    outcomes = _race(store_url, [move("rex", State.APPROVED), move("mia", State.REJECTED)])
    wins = [o for o in outcomes if not isinstance(o, Exception)]
    losses = [o for o in outcomes if isinstance(o, Exception)]
    assert len(wins) == 1 and len(losses) == 1
    assert isinstance(losses[0], ConcurrentUpdate)
    with open_store(store_url) as check:
        final = check.get(sub.id)
        assert final.state == wins[0].state and final.revision == 3
        assert [r.seq for r in check.history(sub.id)] == [1, 2, 3]


def test_two_reviewers_through_the_service_one_wins(
    store_url: str, market: Marketplace, make_mod: Callable[..., Path]
) -> None:
    sub = market.submit(pack_bytes(make_mod()), actor="ada")
    sub = market.request_review(sub.id, actor="ada")
    assert sub.gates_passed
    outcomes = _race(
        store_url,
        [
            lambda s: Marketplace(s, gates=[]).approve(sub.id, actor="rex"),
            lambda s: Marketplace(s, gates=[]).reject(sub.id, actor="mia", reason="no"),
        ],
    )
    losses = [o for o in outcomes if isinstance(o, Exception)]
    assert len(losses) == 1
    # Lost the compare-and-set, or read the winner's state: a clear error either way.
    assert isinstance(losses[0], ConcurrentUpdate | InvalidTransition)
    history = market.history(sub.id)
    assert [h.to_state for h in history][:2] == [State.DRAFT, State.REVIEW]
    assert len(history) == 3 and history[2].to_state == market.store.get(sub.id).state


def _race(url: str, actions: list[Callable[[MarketStore], Any]]) -> list[Any]:
    """Run each action in its own thread with its own connection, released together."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def work(i: int) -> None:
        with open_store(url) as mine:
            barrier.wait()
            try:
                results[i] = actions[i](mine)
            except Exception as exc:
                results[i] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(actions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_unknown_url_scheme_is_a_diagnostic() -> None:
    with pytest.raises(StoreConfigError, match="unknown store URL scheme"):
        open_store("mysql://localhost/db")


def test_sqlite_store_uses_wal_and_keeps_artifacts_beside_it(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'm.db'}") as s:
        digest = s.put_artifact(b"x")
        mode = s._conn.execute("PRAGMA journal_mode").fetchone()  # type: ignore[attr-defined]
    assert mode == ("wal",)
    assert (tmp_path / "artifacts" / digest[:2] / f"{digest}.modpkg").read_bytes() == b"x"


def test_a_version_is_approved_at_most_once(store: MarketStore) -> None:
    """The unique index behind the service's version check: a second submission of a taken
    version cannot be approved even when nothing checked it first."""
    first, second = _draft(store), _draft(store)
    steps = [
        (State.DRAFT, State.REVIEW),
        (State.REVIEW, State.APPROVED),
        (State.APPROVED, State.PUBLISHED),
    ]
    for seq, (a, b) in enumerate(steps, start=1):
        store.transition(
            first.id,
            expected_state=a,
            expected_revision=seq,
            to_state=b,
            actor="x",
            findings=[] if b == State.REVIEW else None,
        )
    store.transition(
        second.id,
        expected_state=State.DRAFT,
        expected_revision=1,
        to_state=State.REVIEW,
        actor="x",
        findings=[],
    )
    with pytest.raises(ConcurrentUpdate) as info:
        store.transition(
            second.id,
            expected_state=State.REVIEW,
            expected_revision=2,
            to_state=State.APPROVED,
            actor="x",
        )
    assert "conflicts with one made meanwhile" in info.value.message
    assert store.get(second.id).state == State.REVIEW
    assert len(store.history(second.id)) == 2


def test_store_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MODHOST_MARKET_URL", raising=False)
    with open_store() as default:
        assert default.url == f"sqlite://{tmp_path / '.modhost' / 'market' / 'market.db'}"
    monkeypatch.setenv("MODHOST_MARKET_URL", "sqlite:rel/m.db")
    with open_store():
        pass
    assert (tmp_path / "rel" / "m.db").is_file()
    with open_store(str(tmp_path / "plain.db")):
        pass
    assert (tmp_path / "plain.db").is_file()


def test_unreachable_postgres_is_a_diagnostic(tmp_path: Path) -> None:
    with pytest.raises(StoreConfigError) as info:
        open_store(f"postgresql://nobody@/none?host={tmp_path}&connect_timeout=2")
    assert info.value.to_diagnostic().code == "MARKET_STORE_INVALID"
