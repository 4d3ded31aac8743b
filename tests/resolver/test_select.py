"""Version selection: worked examples, explanations and reporter events."""

from __future__ import annotations

import pytest
from packaging.version import Version

from host_api import Manifest, ModhostError
from resolver import (
    InMemoryReleases,
    Release,
    ReleaseProvider,
    Reporter,
    ResolutionError,
    Resolver,
    Selection,
    SelectionImpossible,
    SelectionTooComplex,
    select_versions,
)

R = Release.of


def _select(releases: list[Release], requests: dict[str, str]) -> dict[str, str]:
    return select_versions(requests, InMemoryReleases(releases)).as_dict()


def test_prefers_the_newest_release() -> None:
    releases = [R("coins", "1.0.0"), R("coins", "1.10.0"), R("coins", "1.9.0")]
    assert _select(releases, {"coins": "*"}) == {"coins": "1.10.0"}


def test_backtracks_past_a_release_whose_dependency_does_not_fit_the_host() -> None:
    releases = [
        R("app", "2.0.0", required={"lib": ">=2"}),
        R("app", "1.0.0", required={"lib": ">=1,<2"}),
        R("lib", "2.0.0", host=">=0.2"),
        R("lib", "1.4.0"),
    ]
    assert _select(releases, {"app": "*"}) == {"app": "1.0.0", "lib": "1.4.0"}


def test_optional_is_not_selected_unless_needed_but_constrains_when_it_is() -> None:
    releases = [
        R("app", "1.0.0", optional={"sound": "<2"}),
        R("sound", "2.0.0"),
        R("sound", "1.0.0"),
        R("music", "1.0.0", required={"sound": "*"}),
    ]
    assert _select(releases, {"app": "*"}) == {"app": "1.0.0"}
    assert _select(releases, {"app": "*", "music": "*"}) == {
        "app": "1.0.0",
        "music": "1.0.0",
        "sound": "1.0.0",
    }


def test_conflict_range_steers_to_an_older_release() -> None:
    releases = [
        R("coins", "1.0.0", conflicts={"gems": ">=2"}),
        R("gems", "2.0.0"),
        R("gems", "1.5.0"),
    ]
    assert _select(releases, {"coins": "*", "gems": "*"}) == {"coins": "1.0.0", "gems": "1.5.0"}


def test_an_older_release_is_found_when_backjumping_gives_up() -> None:
    # resolvelib blames the pin pa 1.0.0 clashes with (pb), never the release that narrowed
    # pa (pa 2.0.0, through pc's optional pa ==1.0.0), and reports no selection; the
    # complete search finds pa 1.5.0, which needs no pc.
    releases = [
        R("pa", "1.0.0", conflicts={"pb": "*"}),
        R("pa", "1.5.0"),
        R("pa", "2.0.0", required={"pc": "*"}),
        *(R("pb", v, required={"pa": "*"}) for v in ("1.0.0", "1.5.0", "2.0.0")),
        R("pc", "1.0.0", optional={"pa": "==1.0.0"}),
    ]
    assert _select(releases, {"pb": "*"}) == {"pa": "1.5.0", "pb": "2.0.0"}
    # Without pa 1.5.0 there is none, and the failure is still explained.
    without = [r for r in releases if r.label != "pa 1.5.0"]
    with pytest.raises(SelectionImpossible) as info:
        _select(without, {"pb": "*"})
    assert info.value.diagnostics[0].hint


def test_the_complete_search_stops_at_the_round_budget() -> None:
    # resolvelib gives up at once (every app needs a mod no index has); the complete search
    # then meets the missing id last, after 200 optional ids of three releases each:
    # searched to the end, 4**200 combinations. It stops at the round budget and the
    # failure is resolvelib's explanation.
    optional = {f"opt{i:03}": "*" for i in range(200)}
    releases = [R("app", v, required={"zz-missing": "*"}, optional=optional) for v in VERSIONS]
    releases += [R(mod_id, v) for mod_id in optional for v in VERSIONS]
    with pytest.raises(SelectionImpossible) as info:
        Resolver(InMemoryReleases(releases), max_rounds=5_000).resolve({"app": "*"})
    assert info.value.code == "RESOLVE_MISSING_REQUIRED"


VERSIONS = ("1.0.0", "1.5.0", "2.0.0")


def test_missing_dependency_is_explained() -> None:
    with pytest.raises(SelectionImpossible) as info:
        _select(
            [R("scoreboard", "1.0.0", required={"core-items": ">=1.0,<2.0"})], {"scoreboard": "*"}
        )
    (diag,) = info.value.diagnostics
    assert diag.code == "RESOLVE_MISSING_REQUIRED"
    assert diag.mod == "core-items"
    assert diag.message == (
        "scoreboard 1.0.0 requires core-items >=1.0,<2.0; core-items has no published release"
    )
    assert "publish core-items" in diag.hint
    assert isinstance(info.value, ResolutionError) and isinstance(info.value, ModhostError)


def test_clashing_ranges_name_every_requirement_and_the_releases() -> None:
    releases = [
        R("hud", "1.0.0", required={"core": ">=2"}),
        R("map", "1.0.0", required={"core": "<2"}),
        R("core", "1.0.0"),
        R("core", "2.0.0"),
    ]
    with pytest.raises(SelectionImpossible) as info:
        _select(releases, {"hud": "*", "map": "*"})
    diag = info.value.diagnostics[0]
    assert diag.code == "RESOLVE_VERSION_MISMATCH"
    assert "hud 1.0.0 requires core >=2" in diag.message
    assert "map 1.0.0 requires core <2" in diag.message
    assert "core releases: 2.0.0, 1.0.0" in diag.cause
    assert "another version of hud, map" in diag.hint


def test_conflict_failure_has_the_conflict_code() -> None:
    releases = [R("coins", "1.0.0", conflicts={"gems": "*"}), R("gems", "1.0.0")]
    with pytest.raises(SelectionImpossible) as info:
        _select(releases, {"coins": "*", "gems": "*"})
    assert info.value.code == "RESOLVE_CONFLICT"
    assert "coins 1.0.0 conflicts with gems (any version)" in info.value.message


def test_wrong_host_is_named_when_it_is_the_reason() -> None:
    releases = [R("app", "1.0.0", required={"lib": ">=2"}), R("lib", "2.0.0", host=">=0.2")]
    with pytest.raises(SelectionImpossible) as info:
        _select(releases, {"app": "*"})
    diag = info.value.diagnostics[0]
    assert diag.code == "HOST_VERSION_MISMATCH"
    assert "lib 2.0.0 would fit but needs host API >=0.2 (this host implements 0.1.0)" in diag.hint


def test_request_for_a_version_that_does_not_exist() -> None:
    with pytest.raises(SelectionImpossible) as info:
        _select([R("coins", "1.0.0")], {"coins": ">=3"})
    assert info.value.hint == "ask for a version of coins that exists: 1.0.0"


def test_round_budget_is_reported_not_hung() -> None:
    releases = [R(f"m{i}", "1.0.0", required={f"m{i + 1}": "*"}) for i in range(5)]
    releases.append(R("m5", "1.0.0"))
    resolver = Resolver(InMemoryReleases(releases), max_rounds=2)
    with pytest.raises(SelectionTooComplex) as info:
        resolver.resolve({"m0": "*"})
    assert info.value.code == "RESOLVE_TOO_COMPLEX"


class Recorder(Reporter):
    def __init__(self) -> None:
        self.events: list[str] = []

    def starting(self, requests: object) -> None:
        self.events.append(f"starting {requests}")

    def pinning(self, release: Release) -> None:
        self.events.append(f"pinning {release.label}")

    def rejecting_release(self, release: Release, because: str) -> None:
        self.events.append(f"rejecting {release.label}: {because}")

    def backtracking(self, causes: tuple[str, ...]) -> None:
        self.events.append(f"backtracking {'; '.join(causes)}")

    def ending(self, selection: Selection) -> None:
        self.events.append(f"ending {selection.as_dict()}")


def test_reporter_hears_each_step() -> None:
    releases = [
        R("app", "2.0.0", required={"lib": ">=2"}),
        R("app", "1.0.0"),
        R("lib", "1.0.0"),
    ]
    recorder = Recorder()
    Resolver(InMemoryReleases(releases), recorder).resolve({"app": "*"})
    assert recorder.events == [
        "starting {'app': '*'}",
        "rejecting app 2.0.0: app 2.0.0 requires lib >=2",
        "pinning app 1.0.0",
        "ending {'app': '1.0.0'}",
    ]


def test_release_from_manifest_and_a_custom_provider() -> None:
    manifest = Manifest.model_validate(
        {
            "id": "coins",
            "name": "Coins",
            "version": "1.2.0",
            "host": ">=0.1,<0.2",
            "dependencies": {"required": {"core": ">=1"}, "conflicts": {"old": "*"}},
        }
    )
    release = Release.from_manifest(manifest)
    assert release.version == Version("1.2.0")
    assert release.required == (("core", ">=1"),)
    assert release.conflicts == (("old", "*"),)

    class Index(ReleaseProvider):
        asked: list[str] = []

        def releases(self, mod_id: str) -> list[Release]:
            self.asked.append(mod_id)
            return {"coins": [release], "core": [R("core", "1.0.0")]}.get(mod_id, [])

    index = Index()
    assert Resolver(index).resolve({"coins": "*"}).as_dict() == {"coins": "1.2.0", "core": "1.0.0"}
    assert sorted(index.asked) == ["coins", "core", "old"], "each id is asked once"


def test_a_cycle_of_pins_left_behind_is_dropped_not_fatal() -> None:
    # ra 2.0.0 pulls in the cycle cy-a <-> cy-b, whose zz then rules ra 2.0.0 out: the cycle
    # stays pinned but unneeded (resolvelib.Resolver's result walk recurses forever here).
    releases = [
        R("ra", "2.0.0", required={"cy-a": "*"}),
        R("ra", "1.0.0"),
        R("cy-a", "1.0.0", required={"cy-b": "*"}),
        R("cy-b", "1.0.0", required={"cy-a": "*", "zz": "*"}),
        R("zz", "1.0.0", conflicts={"ra": ">=2"}),
    ]
    assert _select(releases, {"ra": "*"}) == {"ra": "1.0.0"}


def test_self_references_are_settled_per_release() -> None:
    releases = [
        R("loop", "2.0.0", required={"loop": "<2"}),
        R("loop", "1.0.0", required={"loop": "*"}, conflicts={"loop": "*"}),
    ]
    assert _select(releases, {"loop": "*"}) == {"loop": "1.0.0"}


def test_alternatives_from_several_releases_are_said_as_such() -> None:
    releases = [
        R("hud", "2.0.0", required={"core": ">=2"}),
        R("hud", "1.0.0", conflicts={"core": "<2"}),
        R("core", "1.0.0"),
        R("core", "2.0.0"),
    ]
    with pytest.raises(SelectionImpossible) as info:
        _select(releases, {"hud": "*", "core": "<2"})
    assert info.value.message == (
        "the install request asks for core <2; hud 1.0.0 conflicts with core <2, "
        "hud 2.0.0 requires core >=2 (one per hud release tried); "
        "no release of core satisfies all of them"
    )
    assert info.value.code == "RESOLVE_CONFLICT"
    assert "choose another version of hud or the install request" in info.value.hint


def test_bad_release_data_fails_at_the_edge() -> None:
    with pytest.raises(ValueError):
        Release.of("coins", "1.0.0", optional={"core": ">>1"})
    with pytest.raises(ValueError):
        Release.of("coins", "1.0.0", host="about 0.1")
    with pytest.raises(ValueError):
        Release.of("coins", "not a version")
