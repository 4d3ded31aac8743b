"""The dynamic topological order behind softAfter, against a naive reachability check."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from resolver._incremental import DynamicOrder

NODES = [f"n{i}" for i in range(8)]


def _reaches(after: dict[str, set[str]], start: str, goal: str) -> bool:
    stack, seen = [start], {start}
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for nxt in after[node] - seen:
            seen.add(nxt)
            stack.append(nxt)
    return False


@settings(max_examples=300, deadline=None)
@given(edges=st.lists(st.tuples(st.sampled_from(NODES), st.sampled_from(NODES)), max_size=30))
def test_refuses_exactly_the_edges_that_close_a_cycle(edges: list[tuple[str, str]]) -> None:
    order = DynamicOrder(NODES, {})
    naive: dict[str, set[str]] = {n: set() for n in NODES}
    for x, y in edges:
        closes = x == y or _reaches(naive, y, x)
        between = order.try_add(x, y)
        assert (between is not None) == closes, (x, y)
        if between is None:
            naive[x].add(y)
        else:
            assert order.pos[x] in between and order.pos[y] in between
        assert sorted(order.pos.values()) == list(range(len(NODES)))
        for a, targets in naive.items():
            for b in targets:
                assert order.pos[b] < order.pos[a], (a, b)
