"""Version selection against brute force over small random release universes (hypothesis).

Whatever the resolver returns satisfies every constraint; when it reports failure,
enumerating every assignment finds none; and the answer does not depend on the order in
which the provider lists releases.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from resolver import InMemoryReleases, Release, Resolver, SelectionImpossible

IDS = ["pa", "pb", "pc", "pd", "pe"]
VERSIONS = ["1.0.0", "1.5.0", "2.0.0"]
RANGES = ["*", ">=1.5", "<2.0", ">=2.0", "==1.0.0", "!=1.5.0"]
HOST = Version("0.1.0")
SETTINGS = settings(max_examples=200, deadline=None)

relation = st.dictionaries(st.sampled_from(IDS), st.sampled_from(RANGES), max_size=2)


@st.composite
def universes(draw: st.DrawFn) -> tuple[list[Release], dict[str, str]]:
    """Releases of up to 5 ids (up to 3 versions each) and a request for 1-2 ids."""
    releases = []
    for mod_id in draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=5, unique=True)):
        for ver in draw(st.lists(st.sampled_from(VERSIONS), min_size=1, max_size=3, unique=True)):
            releases.append(
                Release.of(
                    mod_id,
                    ver,
                    required=draw(relation),
                    optional=draw(relation),
                    conflicts=draw(
                        st.dictionaries(st.sampled_from(IDS), st.sampled_from(RANGES), max_size=1)
                    ),
                    host=draw(st.sampled_from(["*", "*", "*", ">=0.2"])),
                )
            )
    requests = draw(
        st.dictionaries(st.sampled_from(IDS), st.sampled_from(RANGES), min_size=1, max_size=2)
    )
    return releases, requests


def _inside(version: Version, text: str) -> bool:
    return SpecifierSet("" if text == "*" else text).contains(version, prereleases=True)


def _valid(pick: dict[str, Release | None], requests: dict[str, str]) -> bool:
    """Every constraint, restated directly (the oracle)."""
    for mod_id, text in requests.items():
        chosen = pick.get(mod_id)
        if chosen is None or not _inside(chosen.version, text):
            return False
    for release in (r for r in pick.values() if r is not None):
        if not _inside(HOST, release.host):
            return False
        for target, text in release.required:
            dep = pick.get(target)
            if dep is None or not _inside(dep.version, text):
                return False
        for target, text in release.optional:
            dep = pick.get(target)
            if dep is not None and not _inside(dep.version, text):
                return False
        for target, text in release.conflicts:
            dep = pick.get(target)
            if target != release.id and dep is not None and _inside(dep.version, text):
                return False
    return True


def _brute_force(releases: list[Release], requests: dict[str, str]) -> bool:
    ids = sorted({r.id for r in releases} | set(requests))
    options: list[list[Any]] = [[None, *(r for r in releases if r.id == i)] for i in ids]
    return any(
        _valid(dict(zip(ids, combo, strict=True)), requests)
        for combo in itertools.product(*options)
    )


@SETTINGS
@given(universe=universes())
def test_selection_is_valid_or_provably_impossible(
    universe: tuple[list[Release], dict[str, str]],
) -> None:
    releases, requests = universe
    try:
        selection = Resolver(InMemoryReleases(releases), host_version=HOST).resolve(requests)
    except SelectionImpossible as exc:
        assert exc.diagnostics and all(d.hint and d.cause for d in exc.diagnostics)
        assert not _brute_force(releases, requests), "resolver failed but a solution exists"
        return
    pick: dict[str, Release | None] = {r.id: r for r in selection.releases}
    assert _valid(pick, requests), selection


@SETTINGS
@given(universe=universes(), data=st.data())
def test_selection_ignores_listing_order(
    universe: tuple[list[Release], dict[str, str]], data: st.DataObject
) -> None:
    releases, requests = universe
    shuffled = data.draw(st.permutations(releases))

    def run(items: list[Release]) -> object:
        try:
            return Resolver(InMemoryReleases(items), host_version=HOST).resolve(requests).as_dict()
        except SelectionImpossible as exc:
            return [d.model_dump() for d in exc.diagnostics]

    assert run(shuffled) == run(releases)
