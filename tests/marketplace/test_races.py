"""Races between actors, run for real: threads with their own store connections, released
together by a barrier, many rounds, on SQLite and on the real PostgreSQL server.

Each race must leave exactly one outcome, a store that can still move (the approved version
publishes, the loser can be rejected), and a clean marketplace code for the loser.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from host_api import DiagnosticCode
from marketplace import MarketError, Marketplace, State, open_store, pack_bytes

MakeMod = Callable[..., Path]
ROUNDS = 10
_schemas = itertools.count(1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """A factory of URLs of new, empty stores on one backend."""
    if request.param == "sqlite":
        count = itertools.count(1)
        yield lambda: f"sqlite:///{tmp_path / f'race{next(count)}' / 'market.db'}"
        return
    server: str = request.getfixturevalue("postgres_server")

    def make() -> str:
        name = f"race_{next(_schemas)}"
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{name}"')
        return f"{server}&options=-csearch_path%3D{name}"

    yield make


def _race(url: str, *actions: Callable[[Marketplace], Any]) -> list[Any]:
    """Run each action in its own thread with its own store, all released at once; return
    each result or the MarketError it raised."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(i: int, action: Callable[[Marketplace], Any]) -> None:
        with open_store(url) as store:
            market = Marketplace(store, gates=[])
            barrier.wait()
            try:
                results[i] = action(market)
            except MarketError as exc:
                results[i] = exc

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def _submit(package: bytes, actor: str) -> Callable[[Marketplace], Any]:
    return lambda market: market.submit(package, actor=actor)


def _errors(results: list[Any]) -> list[str]:
    return [str(r.to_diagnostic().code) for r in results if isinstance(r, MarketError)]


def test_two_approvals_of_one_version_leave_one_publishable(
    fresh_url: Callable[[], str], make_mod: MakeMod
) -> None:
    url = fresh_url()
    with open_store(url) as store:
        market = Marketplace(store, gates=[])
        market.grant_role("mia", "maintainer", actor="mia")
        for name in ("mia", "rex"):
            market.grant_role(name, "reviewer", actor="mia")
        for round_ in range(ROUNDS):
            package = pack_bytes(make_mod(f"coin-{round_}", "1.0.0"))
            first, second = (market.submit(package, actor="ada") for _ in range(2))
            for sub in (first, second):
                market.request_review(sub.id, actor="ada")
            results = _race(
                url,
                lambda m, s=first.id: m.approve(s, actor="rex"),
                lambda m, s=second.id: m.approve(s, actor="mia"),
            )
            assert len(_errors(results)) == 1, results
            assert _errors(results)[0] in {
                DiagnosticCode.MARKET_VALIDATION_FAILED,
                DiagnosticCode.MARKET_CONFLICT,
            }
            states = {s.id: s.state for s in store.submissions(mod_id=f"coin-{round_}")}
            assert sorted(states.values()) == [State.APPROVED, State.REVIEW]
            winner = next(i for i, st in states.items() if st == State.APPROVED)
            loser = next(i for i, st in states.items() if st == State.REVIEW)
            assert market.publish(winner, actor="mia").state == State.PUBLISHED
            assert market.reject(loser, actor="rex", reason="duplicate").state == State.REJECTED
            assert market.yank(winner, actor="mia", reason="done").state == State.YANKED


def test_two_first_grants_make_one_first_maintainer(fresh_url: Callable[[], str]) -> None:
    for _ in range(ROUNDS):
        url = fresh_url()
        with open_store(url):
            pass  # the schema exists before the race: this race is about roles
        results = _race(
            url,
            lambda m: m.grant_role("alice", "maintainer", actor="alice"),
            lambda m: m.grant_role("bob", "maintainer", actor="bob"),
        )
        assert _errors(results) == [DiagnosticCode.MARKET_FORBIDDEN], results
        with open_store(url) as store:
            maintainers = [n for n in ("alice", "bob") if "maintainer" in store.roles_of(n)]
        assert len(maintainers) == 1


def test_two_first_submissions_of_a_new_mod(
    fresh_url: Callable[[], str], make_mod: MakeMod
) -> None:
    url = fresh_url()
    with open_store(url):
        pass
    for round_ in range(ROUNDS):
        ada, eve = f"ada{round_}", f"eve{round_}"  # fresh authors: no quota in the way
        mine = pack_bytes(make_mod(f"mod-{round_}", "1.0.0"))
        # The same author twice: both land.
        same = _race(url, _submit(mine, ada), _submit(mine, ada))
        assert _errors(same) == [] and same[0].id != same[1].id
        # Two authors at once for another new mod: one owns it, the other is told so.
        other = pack_bytes(make_mod(f"other-{round_}", "1.0.0"))
        results = _race(url, _submit(other, ada), _submit(other, eve))
        assert _errors(results) == [DiagnosticCode.MARKET_FORBIDDEN], results
        with open_store(url) as store:
            owner = store.mod_owner(f"other-{round_}")
            assert [s.author for s in store.submissions(mod_id=f"other-{round_}")] == [owner]
