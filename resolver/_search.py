"""A complete search for a selection, asked when resolvelib reports none. Internal.

resolvelib's backjumping can give up while a selection exists: when a release's optional or
conflicts relation narrows another id, the failure it records names the narrowed id and the
pin it clashed with, not the release that brought the narrowing in, so it re-pins the wrong
ids and never tries an older release of the one that should change (for example: ``pb``
requires ``pa``, the newest ``pa`` requires ``pc``, ``pc`` optionally uses only
``pa ==1.0.0``, and ``pa 1.0.0`` conflicts with ``pb``; ``pa 1.5.0`` with no ``pc`` works).

This search settles it: ids in a fixed order (the requests, then the rest by name), each
tried as absent (when nothing asks for it) and then newest release first, every relation
between the ids decided so far checked at each step. It visits at most ``budget`` steps;
past that it answers None, as it does when it proves there is no selection.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from ._ranges import in_range
from ._release import Release

#: Ids the search takes on at most (it recurses once per id).
MAX_IDS: Final = 400

#: A mod id's usable releases, newest first (``Adapter.known(...)[0]``).
Usable = Callable[[str], list[Release]]


def exhaustive_search(
    requests: Mapping[str, str], usable: Usable, budget: int
) -> dict[str, Release] | None:
    """Releases meeting every request and relation (absent ids left out), or None."""
    order = _ids(requests, usable)
    if len(order) > MAX_IDS:
        return None
    chosen: dict[str, Release | None] = {}
    steps = 0

    def options(mod_id: str) -> list[Release | None]:
        releases: list[Release | None] = [
            r
            for r in usable(mod_id)
            if mod_id not in requests or in_range(r.version, requests[mod_id])
        ]
        return releases if mod_id in requests else [None, *releases]

    def place(index: int) -> bool:
        nonlocal steps
        if index == len(order):
            return True
        mod_id = order[index]
        for option in options(mod_id):
            steps += 1
            if steps > budget:
                return False
            chosen[mod_id] = option
            if _consistent(mod_id, chosen) and place(index + 1):
                return True
        chosen.pop(mod_id, None)
        return False

    if not place(0):
        return None
    return {mod_id: release for mod_id, release in chosen.items() if release is not None}


def _ids(requests: Mapping[str, str], usable: Usable) -> list[str]:
    """Every id the requests can reach through any relation: the requests, then by name."""
    seen = set(requests)
    todo = sorted(requests)
    while todo:
        for release in usable(todo.pop()):
            for target, _ in (*release.required, *release.optional, *release.conflicts):
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
    return sorted(requests) + sorted(seen - set(requests))


def _consistent(new: str, chosen: Mapping[str, Release | None]) -> bool:
    """Whether the relations between ``new`` and the ids already decided all hold."""
    mine = chosen[new]
    if mine is not None and not _holds(mine, chosen):
        return False
    for other in chosen.values():
        if other is not None and other is not mine and not _holds(other, chosen, only=new):
            return False
    return True


def _holds(release: Release, chosen: Mapping[str, Release | None], only: str | None = None) -> bool:
    """The relations of ``release`` towards decided ids (towards ``only``, when given)."""
    relations = (
        *(("requires", t, text) for t, text in release.required),
        *(("optional", t, text) for t, text in release.optional),
        *(("conflicts", t, text) for t, text in release.conflicts),
    )
    for kind, target, text in relations:
        if target == release.id or (only is not None and target != only) or target not in chosen:
            continue
        dep = chosen[target]
        if dep is None:
            if kind == "requires":
                return False
        elif in_range(dep.version, text) == (kind == "conflicts"):
            return False
    return True
