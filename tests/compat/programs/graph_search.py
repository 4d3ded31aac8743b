"""Breadth-first and depth-first search, Dijkstra and topological sort on small graphs."""

import heapq
from collections import defaultdict, deque
from typing import Dict, List, Optional, Tuple

Graph = Dict[str, List[Tuple[str, int]]]


def build(edges: List[Tuple[str, str, int]]) -> Graph:
    graph: Graph = defaultdict(list)
    for a, b, w in edges:
        graph[a].append((b, w))
        graph[b].append((a, w))
    return graph


def bfs(graph: Graph, start: str) -> List[str]:
    seen = {start}
    order = []
    queue = deque([start])
    while queue:
        node = queue.popleft()
        order.append(node)
        for nxt, _ in sorted(graph[node]):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return order


def dfs(graph: Graph, start: str, seen: Optional[set] = None) -> List[str]:
    seen = set() if seen is None else seen
    seen.add(start)
    out = [start]
    for nxt, _ in sorted(graph[start]):
        if nxt not in seen:
            out.extend(dfs(graph, nxt, seen))
    return out


def dijkstra(graph: Graph, source: str) -> Dict[str, int]:
    dist = {source: 0}
    heap = [(0, source)]
    while heap:
        d, node = heapq.heappop(heap)
        if d > dist.get(node, float("inf")):
            continue
        for nxt, w in graph[node]:
            nd = d + w
            if nd < dist.get(nxt, float("inf")):
                dist[nxt] = nd
                heapq.heappush(heap, (nd, nxt))
    return dict(sorted(dist.items()))


def topo_sort(deps: Dict[str, List[str]]) -> List[str]:
    indegree = {n: 0 for n in deps}
    for targets in deps.values():
        for t in targets:
            indegree[t] = indegree.get(t, 0) + 1
    ready = sorted(n for n, d in indegree.items() if d == 0)
    out = []
    while ready:
        node = ready.pop(0)
        out.append(node)
        for t in deps.get(node, []):
            indegree[t] -= 1
            if indegree[t] == 0:
                ready.append(t)
                ready.sort()
    return out


g = build([("a", "b", 4), ("a", "c", 1), ("c", "b", 2), ("b", "d", 5), ("c", "d", 8),
           ("d", "e", 3), ("e", "f", 1), ("c", "f", 20)])
print("bfs", bfs(g, "a"))
print("dfs", dfs(g, "a"))
print("dijkstra", dijkstra(g, "a"))
print("topo", topo_sort({"shirt": ["tie", "belt"], "tie": ["jacket"], "pants": ["shoes", "belt"],
                         "belt": ["jacket"], "socks": ["shoes"], "shoes": [], "jacket": []}))
