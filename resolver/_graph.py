"""Graph work for load planning; the only module that touches networkx.

Edges here point the way relations read: ``x -> y`` means *x loads after y* (x requires,
optionally uses, or lists y under softAfter). networkx types never leave this module.

For speed at 10,000 mods, the acyclic bulk of a folder is handled by plain Kahn peeling
(the order itself is Kahn's algorithm with a min-heap); networkx finds strongly connected
components and cycles only in what is left after peeling, which is exactly the part of the
graph that is on a cycle or loads after one.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Container, Iterable, Mapping, Sequence
from typing import Protocol

import networkx as nx  # type: ignore[import-untyped]  # no stubs in the venv

from ._errors import DependencyCycle
from ._incremental import DynamicOrder, SortedWithin

#: ``node -> the nodes it loads after``; every value sorted, so walks are deterministic.
Adjacency = Mapping[str, Sequence[str]]


class Neighbours(Protocol):
    """Anything with ``get(node, default)`` giving sorted after-targets (a dict will do)."""

    def get(self, node: str, default: Sequence[str], /) -> Sequence[str]: ...


def _digraph(nodes: Iterable[str], after: Adjacency) -> nx.DiGraph:
    """The subgraph on ``nodes`` (edges leaving it are dropped)."""
    keep = set(nodes)
    graph: nx.DiGraph = nx.DiGraph()
    graph.add_nodes_from(sorted(keep))
    graph.add_edges_from((x, y) for x in sorted(keep) for y in after.get(x, ()) if y in keep)
    return graph


def _kahn(nodes: Sequence[str], after: Adjacency) -> tuple[list[str], set[str]]:
    """Load order by Kahn's algorithm, smallest ready id first, and the nodes left over.

    Edges to nodes outside ``nodes`` are ignored.

    :returns: ``(order, leftover)``; ``leftover`` is empty unless there is a cycle, and then
        holds every node on a cycle or after one. Cost O((V + E) log V).
    """
    known = set(nodes)
    targets = {x: {y for y in after.get(x, ()) if y in known} for x in nodes}
    pending = {x: len(ys) for x, ys in targets.items()}
    unlocks: dict[str, list[str]] = {}
    for x, ys in targets.items():
        for y in ys:
            unlocks.setdefault(y, []).append(x)
    ready = [x for x, count in pending.items() if not count]
    heapq.heapify(ready)
    order = []
    while ready:
        node = heapq.heappop(ready)
        order.append(node)
        for nxt in unlocks.get(node, ()):
            pending[nxt] -= 1
            if not pending[nxt]:
                heapq.heappush(ready, nxt)
    return order, set(nodes) - set(order)


def shortest_path(
    after: Neighbours, start: str, goal: str, within: Container[str]
) -> list[str] | None:
    """Shortest ``start ~> goal`` path inside ``within`` (BFS, neighbours in sorted order).

    With ``start == goal`` this is the shortest cycle through ``start``. Cost O(V + E) of the
    subgraph.
    """
    parent: dict[str, str] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        node = queue.popleft()
        for nxt in after.get(node, ()):
            if nxt not in within:
                continue
            if nxt == goal:
                path = [goal, node]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return path[::-1]
            if nxt not in seen:
                seen.add(nxt)
                parent[nxt] = node
                queue.append(nxt)
    return None


def hard_cycles(nodes: Sequence[str], after: Adjacency) -> list[tuple[list[str], list[list[str]]]]:
    """Every strongly connected component that contains a cycle, with cycles that cover it.

    :returns: ``(sorted members, cycles)`` per component, components ordered by their smallest
        id; each cycle is a path ``a, b, ..., a`` starting at the smallest member it has not
        covered yet, shortest first.
    """
    graph = _digraph(_kahn(nodes, after)[1], after)
    found = []
    for comp in nx.strongly_connected_components(graph):
        members = sorted(comp)
        if len(members) == 1 and not graph.has_edge(members[0], members[0]):
            continue
        within = set(members)
        covered: set[str] = set()
        cycles: list[list[str]] = []
        for start in members:
            if start in covered:
                continue
            cycle = shortest_path(after, start, start, within)
            if cycle is None:  # pragma: no cover - every member of a cyclic SCC is on a cycle
                continue
            cycles.append(cycle)
            covered.update(cycle)
        found.append((members, cycles))
    return sorted(found, key=lambda item: item[0][0])


def settle_soft_edges(
    nodes: Sequence[str], hard: Adjacency, soft: Sequence[tuple[str, str]]
) -> tuple[list[tuple[str, str]], list[tuple[tuple[str, str], list[str]]]]:
    """Decide which softAfter edges the order honours; ``hard`` must be acyclic.

    Soft edges are applied in sorted ``(mod, target)`` order; one that would close a cycle
    with the edges applied so far is dropped. Only edges inside a strongly connected
    component of hard+soft can ever close one, so only those are checked, incrementally
    (see ``_incremental``).

    :returns: ``(accepted edges, [(dropped edge, cycle it would close), ...])``; each cycle
        is a path ``x, y, ..., x`` starting with the dropped edge.
    """
    both: dict[str, list[str]] = {x: list(hard.get(x, ())) for x in nodes}
    for x, y in soft:
        both[x].append(y)
    combined = _digraph(_kahn(nodes, both)[1], both)
    component: dict[str, int] = {}
    for index, comp in enumerate(nx.strongly_connected_components(combined)):
        for node in comp:
            component[node] = index
    accepted: list[tuple[str, str]] = []
    dropped: list[tuple[tuple[str, str], list[str]]] = []
    inside = {
        x: sorted(t for t in hard.get(x, ()) if component.get(t) == component[x]) for x in component
    }
    dynamic = DynamicOrder(_kahn(sorted(component), inside)[0], inside)
    for x, y in sorted(set(soft)):
        if x not in component or component[x] != component.get(y):
            accepted.append((x, y))
            continue
        between = dynamic.try_add(x, y)
        if between is None:
            accepted.append((x, y))
            continue
        view = SortedWithin(dynamic, between)
        back = shortest_path(view, y, x, view)
        assert back is not None  # try_add refused the edge: y reaches x inside `between`
        dropped.append(((x, y), [x, *back]))
    return accepted, dropped


def load_order(nodes: Sequence[str], after: Adjacency) -> list[str]:
    """Topological order, ties broken by the smallest id (Kahn's algorithm with a min-heap).

    :raises DependencyCycle: the edges contain a cycle. The planner removes cycles first, so
        reaching this is a planner bug; the error still names the cycle, found by networkx.
    """
    order, leftover = _kahn(nodes, after)
    if not leftover:
        return order
    try:
        loop = [x for x, _ in nx.find_cycle(_digraph(leftover, after))]
    except nx.NetworkXNoCycle as exc:  # pragma: no cover - leftover always holds a cycle
        raise DependencyCycle(sorted(leftover)) from exc
    raise DependencyCycle([*loop, loop[0]])
