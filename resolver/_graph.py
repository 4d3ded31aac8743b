"""Graph work for load planning; the only module that touches networkx.

Edges here point the way relations read: ``x -> y`` means *x loads after y* (x requires,
optionally uses, or lists y under softAfter). networkx types never leave this module, and
its one exception that can mean "the mods are wrong", ``NetworkXUnfeasible``, is translated
here into :class:`DependencyCycle`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence

import networkx as nx

from ._errors import DependencyCycle

#: ``node -> the nodes it loads after``; every value sorted, so walks are deterministic.
Adjacency = Mapping[str, Sequence[str]]


def _digraph(nodes: Iterable[str], after: Adjacency) -> nx.DiGraph:
    graph: nx.DiGraph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from((x, y) for x, ys in after.items() for y in ys)
    return graph


def shortest_path(after: Adjacency, start: str, goal: str, within: set[str]) -> list[str] | None:
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
    graph = _digraph(nodes, after)
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
    component of hard+soft can ever close one, so the search is confined to those.

    :returns: ``(accepted edges, [(dropped edge, cycle it would close), ...])``; each cycle
        is a path ``x, y, ..., x`` starting with the dropped edge.
    """
    combined = _digraph(nodes, hard)
    combined.add_edges_from(soft)
    members: dict[int, set[str]] = {}
    component: dict[str, int] = {}
    for index, comp in enumerate(nx.strongly_connected_components(combined)):
        members[index] = set(comp)
        for node in comp:
            component[node] = index
    accepted: list[tuple[str, str]] = []
    dropped: list[tuple[tuple[str, str], list[str]]] = []
    # Per cyclic component: its hard edges plus the soft edges accepted so far.
    local: dict[str, list[str]] = {}
    for x, y in sorted(set(soft)):
        if component[x] != component[y]:
            accepted.append((x, y))
            continue
        within = members[component[x]]
        if x not in local:
            local.update({n: sorted(t for t in hard.get(n, ()) if t in within) for n in within})
        back = shortest_path(local, y, x, within)
        if back is not None:
            dropped.append(((x, y), [x, *back]))
            continue
        accepted.append((x, y))
        local[x] = sorted({*local[x], y})
    return accepted, dropped


def load_order(nodes: Sequence[str], after: Adjacency) -> list[str]:
    """Topological order, ties broken by the smallest id (Kahn's algorithm with a min-heap).

    :raises DependencyCycle: the edges contain a cycle (translated from networkx; the planner
        removes cycles first, so reaching this is a planner bug, and it names the cycle).
    """
    before: nx.DiGraph = nx.DiGraph()
    before.add_nodes_from(nodes)
    before.add_edges_from((y, x) for x, ys in after.items() for y in ys)
    try:
        return list(nx.lexicographical_topological_sort(before))
    except nx.NetworkXUnfeasible as exc:
        loop = [v for v, _ in nx.find_cycle(before)][::-1]
        raise DependencyCycle([*loop, loop[0]]) from exc
