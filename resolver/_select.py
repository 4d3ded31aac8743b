"""Version selection for installs: one release per mod, newest first, with backtracking.

:class:`Resolver` asks questions of a :class:`ReleaseProvider` and tells a
:class:`Reporter` what it does; resolvelib does the search (see ``_select_adapter`` for how
optional and conflicting relations are modelled). resolvelib's exceptions are translated
here, and only here, into :class:`SelectionImpossible` / :class:`SelectionTooComplex`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from packaging.version import Version
from resolvelib import ResolutionImpossible, ResolutionTooDeep
from resolvelib.resolvers import Resolution

from host_api import HOST_API_VERSION, DiagnosticCode

from ._errors import SelectionImpossible, SelectionTooComplex
from ._release import Release, ReleaseProvider, Reporter, Selection
from ._search import exhaustive_search
from ._select_adapter import Adapter, Bridge, Need, Pick
from ._select_explain import explain_failure

#: Default round budget: each round pins one id or backtracks once.
MAX_ROUNDS: Final = 20_000


class Resolver:
    """Chooses one release per mod so that every relation and host range holds.

    Every ``required`` and ``optional`` range, every ``conflicts`` entry and every ``host``
    range of the chosen releases hold; among the solutions it prefers the newest release of
    each mod, deciding mods in a fixed order (requests first, then by id) and backtracking
    when a choice leads to a dead end. softAfter does not constrain versions, and cycles of
    relations are allowed here (the load order reports them when the mods are loaded).

    :param provider: where releases come from (the marketplace index, or
        :class:`InMemoryReleases`).
    :param reporter: receives progress events; defaults to a silent :class:`Reporter`.
    :param host_version: the host API version release ``host`` ranges are tested against.
    :param max_rounds: give up after this many rounds (pins plus backtracks).
    """

    def __init__(
        self,
        provider: ReleaseProvider,
        reporter: Reporter | None = None,
        *,
        host_version: Version = HOST_API_VERSION,
        max_rounds: int = MAX_ROUNDS,
    ) -> None:
        self.provider: Final = provider
        self.reporter: Final = reporter or Reporter()
        self.host_version: Final = host_version
        self.max_rounds: Final = max_rounds

    def resolve(self, requests: Mapping[str, str]) -> Selection:
        """Select releases for ``requests`` and everything they require.

        :param requests: mod id -> range the user asked for (``"*"`` = newest that fits).
        :returns: the selection, sorted by id.
        :raises SelectionImpossible: no choice meets every constraint; its ``diagnostics``
            name the requirements that clash, the releases that exist and what to change.
        :raises SelectionTooComplex: ``max_rounds`` ran out first.
        """
        adapter = Adapter(self.provider, self.host_version)
        bridge = Bridge(self.reporter)
        roots = [Need(mod_id, "requests", requests[mod_id], None) for mod_id in sorted(requests)]
        self.reporter.starting(dict(requests))
        try:
            # Resolution rather than resolvelib.Resolver: the latter's result graph walk
            # recurses without a visited set and overflows on a cycle of stale pins.
            state = Resolution(adapter, bridge).resolve(roots, max_rounds=self.max_rounds)
        except ResolutionImpossible as exc:
            pins = exhaustive_search(requests, adapter, self.max_rounds)
            if pins is None:
                diagnostics = explain_failure(exc.causes, adapter.known, str(self.host_version))
                message = diagnostics[0].message
                raise SelectionImpossible.from_diagnostics(message, diagnostics) from exc
            return self._selected(pins, requests, bridge.rounds)
        except ResolutionTooDeep as exc:
            raise SelectionTooComplex(
                f"version selection gave up after {exc.round_count} rounds",
                code=DiagnosticCode.RESOLVE_TOO_COMPLEX,
                hint="pin some versions in the request (==x.y.z) to narrow the search, "
                "or raise max_rounds",
            ) from exc
        return self._selected(state.mapping, requests, bridge.rounds)

    def _selected(
        self, pins: Mapping[str, Pick], requests: Mapping[str, str], rounds: int
    ) -> Selection:
        selection = Selection(releases=_reachable(pins, sorted(requests)), rounds=rounds)
        self.reporter.ending(selection)
        return selection


def _reachable(pins: Mapping[str, Pick], roots: list[str]) -> tuple[Release, ...]:
    """The pinned releases the requests need, following required and optional relations.

    A pin nothing needs any more (left over from an earlier choice) is dropped; every
    constraint still holds, since dropping a release only removes its requirements and an
    absent mod satisfies every optional and conflicts relation.
    """
    chosen: dict[str, Release] = {}
    todo = list(roots)
    while todo:
        pick = pins.get(todo.pop())
        if pick is None or pick.release is None or pick.id in chosen:
            continue
        chosen[pick.id] = pick.release
        todo += [t for t, _ in (*pick.release.required, *pick.release.optional)]
    return tuple(chosen[k] for k in sorted(chosen))


def select_versions(
    requests: Mapping[str, str],
    provider: ReleaseProvider,
    *,
    host_version: Version = HOST_API_VERSION,
) -> Selection:
    """Shorthand for ``Resolver(provider, host_version=host_version).resolve(requests)``."""
    return Resolver(provider, host_version=host_version).resolve(requests)
