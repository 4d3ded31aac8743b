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

from collections.abc import Mapping
from typing import Final

from ._select_adapter import Adapter, Need, Pick

#: Ids the search takes on at most (it recurses once per id).
MAX_IDS: Final = 400


def exhaustive_search(
    requests: Mapping[str, str], adapter: Adapter, budget: int
) -> dict[str, Pick] | None:
    """A pick per reachable id meeting every request and relation, or None.

    Relations are read and judged as resolvelib reads them (``Adapter.get_dependencies``,
    ``Pick.satisfies``), so both searches agree on what a valid selection is.
    """
    order = _ids(requests, adapter)
    if len(order) > MAX_IDS:
        return None
    needs: dict[Pick, list[Need]] = {}
    chosen: dict[str, Pick] = {}
    steps = 0

    def options(mod_id: str) -> list[Pick]:
        picks = [Pick(mod_id, r) for r in adapter.known(mod_id)[0]]
        if mod_id not in requests:
            return [Pick(mod_id, None), *picks]
        request = Need(mod_id, "requests", requests[mod_id], None)
        return [p for p in picks if p.satisfies(request)]

    def holds(pick: Pick, only: str | None = None) -> bool:
        if pick not in needs:
            needs[pick] = list(adapter.get_dependencies(pick))
        return all(
            chosen[n.id].satisfies(n)
            for n in needs[pick]
            if n.id in chosen and (only is None or n.id == only)
        )

    def place(index: int) -> bool:
        nonlocal steps
        if index == len(order):
            return True
        mod_id = order[index]
        for pick in options(mod_id):
            steps += 1
            if steps > budget:
                return False
            chosen[mod_id] = pick
            if (
                holds(pick)
                and all(holds(other, mod_id) for other in chosen.values() if other is not pick)
                and place(index + 1)
            ):
                return True
        chosen.pop(mod_id, None)
        return False

    return chosen if place(0) else None


def _ids(requests: Mapping[str, str], adapter: Adapter) -> list[str]:
    """Every id the requests can reach through any relation: the requests, then by name."""
    seen = set(requests)
    todo = sorted(requests)
    while todo:
        for release in adapter.known(todo.pop())[0]:
            for target, _ in (*release.required, *release.optional, *release.conflicts):
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
    return sorted(requests) + sorted(seen - set(requests))
