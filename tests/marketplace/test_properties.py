"""Property: no sequence of commands ever lists or installs a package that did not pass its
gates and get approved by someone other than its author.

Hypothesis drives a marketplace (real SQLite store, real packages, real signatures, the
package/manifest/version/signature gates) with random submits, reviews, revisions,
approvals, publications, yanks and installs by random actors, most of which the state
machine refuses. After every step, everything listed must have a clean audit trail.
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Final

import psycopg
import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from host_api import ModhostError, load_manifest
from marketplace import (
    ManifestGate,
    Marketplace,
    PackageGate,
    SignatureGate,
    State,
    Submission,
    VersionGate,
    generate_key,
    install,
    open_store,
    pack_bytes,
    sign_mod,
)

KEY: Final = generate_key()
OTHER_KEY: Final = generate_key()
ACTORS: Final = ("ada", "bo", "rex", "mia")


def _build_packages() -> dict[str, bytes]:
    """A small pool of good and bad packages for two mods."""
    root = Path(tempfile.mkdtemp(prefix="modhost-prop-"))
    out: dict[str, bytes] = {}
    try:
        for mod_id in ("coin", "lamp"):
            for version in ("1.0.0", "1.1.0", "2.0.0"):
                folder = root / f"{mod_id}-{version}"
                (folder / "scripts").mkdir(parents=True)
                (folder / "mod.toml").write_text(
                    f'id = "{mod_id}"\nname = "M"\nversion = "{version}"\n'
                    'host = ">=0.1,<0.2"\n[[scripts]]\npath = "scripts/a.py"\n'
                )
                (folder / "scripts" / "a.py").write_text("def on_tick(ctx, dt):\n    pass\n")
                sign_mod(folder, KEY)
                out[f"{mod_id}-{version}"] = pack_bytes(folder)
                if version == "1.1.0":
                    (folder / "scripts" / "a.py").write_text("x = 1\n")
                    out[f"{mod_id}-{version}-tampered"] = pack_bytes(folder)
                    sign_mod(folder, OTHER_KEY)
                    out[f"{mod_id}-{version}-wrongkey"] = pack_bytes(folder)
                    (folder / "mod.sig").unlink()
                    out[f"{mod_id}-{version}-unsigned"] = pack_bytes(folder)
    finally:
        shutil.rmtree(root)
    return out


PACKAGES: Final = _build_packages()


class MarketMachine(RuleBasedStateMachine):
    #: A fresh, empty store URL for each example (the test sets it per backend).
    url_for: Callable[[Path], str] = staticmethod(lambda tmp: f"sqlite:///{tmp / 'market.db'}")

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="modhost-prop-store-"))
        self.store = open_store(self.url_for(self.tmp))
        self.market = Marketplace(
            self.store, gates=[PackageGate(), ManifestGate(), VersionGate(), SignatureGate()]
        )
        self.market.grant_role("mia", "maintainer", actor="mia")
        self.market.grant_role("mia", "reviewer", actor="mia")
        self.market.grant_role("rex", "reviewer", actor="mia")
        self.market.grant_role("ada", "reviewer", actor="mia")  # may not approve own work
        self.market.register_key("ada", KEY.public_key.to_pem(), actor="ada")
        self.market.register_key("bo", KEY.public_key.to_pem(), actor="bo")
        self.ids: list[int] = []
        self.installed: list[tuple[str, str]] = []

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _try(self, action: Callable[..., object], *args: object, **kwargs: object) -> None:
        # Refused as a diagnostic: fine. Any other exception fails the test.
        with contextlib.suppress(ModhostError):
            action(*args, **kwargs)

    @rule(package=st.sampled_from(sorted(PACKAGES)), actor=st.sampled_from(ACTORS))
    def submit(self, package: str, actor: str) -> None:
        with contextlib.suppress(ModhostError):
            self.ids.append(self.market.submit(PACKAGES[package], actor=actor).id)

    @precondition(lambda self: self.ids)
    @rule(
        data=st.data(),
        actor=st.sampled_from(ACTORS),
        to=st.sampled_from(list(State)),
        reason=st.sampled_from(["", "because"]),
    )
    def move(self, data: st.DataObject, actor: str, to: State, reason: str) -> None:
        sid = data.draw(st.sampled_from(self.ids))
        self._try(self.market.move, sid, to, actor=actor, reason=reason)

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), reviewer=st.sampled_from(["rex", "ada"]))
    def advance(self, data: st.DataObject, reviewer: str) -> None:
        """The natural next step by a plausible actor, so that flows often get far."""
        sid = data.draw(st.sampled_from(self.ids))
        sub = self.store.get(sid)
        step = {
            State.DRAFT: (State.REVIEW, sub.author),
            State.REVIEW: (State.APPROVED, reviewer),
            State.APPROVED: (State.PUBLISHED, "mia"),
        }.get(sub.state)
        if step is not None:
            self._try(self.market.move, sid, step[0], actor=step[1])

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), package=st.sampled_from(sorted(PACKAGES)), actor=st.sampled_from(ACTORS))
    def revise(self, data: st.DataObject, package: str, actor: str) -> None:
        sid = data.draw(st.sampled_from(self.ids))
        self._try(self.market.revise, sid, PACKAGES[package], actor=actor)

    @rule(mod_id=st.sampled_from(["coin", "lamp"]), spec=st.sampled_from(["*", "<2", ">=1.1"]))
    def install(self, mod_id: str, spec: str) -> None:
        try:
            done = install(self.store, {mod_id: spec}, self.tmp / "mods")
        except ModhostError:
            return
        for mod in done:
            sub = self.store.get(mod.submission_id)
            assert sub.state == State.PUBLISHED
            _assert_earned(self.market, sub)
            self.installed.append((mod.mod_id, mod.version))

    @invariant()
    def listed_and_installed_were_earned(self) -> None:
        published = self.market.published()
        for sub in published:
            _assert_earned(self.market, sub)
        if published:
            event("something was published")
        if self.installed:
            event("something was installed")
        for folder in sorted((self.tmp / "mods").glob("*")):
            manifest = load_manifest(folder)
            assert (manifest.id, manifest.version) in self.installed


def _assert_earned(market: Marketplace, sub: Submission) -> None:
    """The package passed every gate, then someone else approved it, then it was published."""
    assert sub.gates_passed is True
    history = market.history(sub.id)
    last_review = max(i for i, h in enumerate(history) if h.to_state == State.REVIEW)
    review, approval = history[last_review], history[last_review + 1]
    assert not [f for f in review.findings if f.severity == "error"]
    assert review.artifact == sub.artifact
    assert approval.to_state == State.APPROVED and approval.actor != sub.author
    assert approval.artifact == sub.artifact
    assert [h.to_state for h in history[last_review + 1 :]][:2] == [State.APPROVED, State.PUBLISHED]


SETTINGS: Final = settings(
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_nothing_unearned_is_listed_or_installed(
    backend: str, request: pytest.FixtureRequest
) -> None:
    machine: type[MarketMachine] = MarketMachine
    if backend == "postgres":
        server: str = request.getfixturevalue("postgres_server")
        numbers = itertools.count()

        def fresh_schema(tmp: Path) -> str:
            name = f"prop_{next(numbers)}"
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{name}"')
            return f"{server}&options=-csearch_path%3D{name}"

        machine = type(
            "PostgresMarketMachine", (MarketMachine,), {"url_for": staticmethod(fresh_schema)}
        )
    run_state_machine_as_test(machine, settings=SETTINGS)
