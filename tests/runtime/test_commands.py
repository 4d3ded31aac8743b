"""Command-buffer semantics: spawns and despawns become visible only at a stage boundary."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.core._world import World

ORIGIN = (0.0, 0.0, 0.0)


def _spawn(world: World, kind: str = "thing", owner: str = "m") -> int:
    return world.spawn(owner, kind, ORIGIN, ORIGIN, ())


def test_spawn_returns_id_at_once_but_appears_at_the_boundary() -> None:
    world = World()
    eid = _spawn(world)
    assert eid == 1
    assert world.get(eid) is None
    assert world.query() == []
    born, died = world.apply_commands()
    assert born == (eid,) and died == ()
    view = world.get(eid)
    assert view is not None and view.kind == "thing" and view.owner == "m"


def test_despawn_waits_for_the_boundary() -> None:
    world = World()
    eid = _spawn(world)
    world.apply_commands()
    world.despawn(eid)
    assert world.get(eid) is not None, "still visible during the stage"
    assert world.apply_commands() == ((), (eid,))
    assert world.get(eid) is None and len(world) == 0


def test_spawn_then_despawn_in_one_buffer_never_appears_and_burns_the_id() -> None:
    world = World()
    first = _spawn(world)
    world.despawn(first)
    assert world.apply_commands() == ((), ())
    assert world.get(first) is None
    second = _spawn(world)
    assert second == first + 1, "ids are never reused"


def test_unknown_and_repeated_despawns_are_no_ops() -> None:
    world = World()
    a, b = _spawn(world), _spawn(world)
    world.apply_commands()
    world.despawn(99)
    world.despawn(a)
    world.despawn(a)
    assert world.apply_commands() == ((), (a,))
    assert [v.id for v in world.query()] == [b]


def test_writes_to_a_pending_spawn_land_in_the_spawn() -> None:
    world = World()
    eid = _spawn(world)
    world.set_position(eid, (1.0, 2.0, 3.0))
    world.set_velocity(eid, (4.0, 5.0, 6.0))
    world.apply_commands()
    view = world.get(eid)
    assert view is not None
    assert view.position == (1.0, 2.0, 3.0) and view.velocity == (4.0, 5.0, 6.0)


def test_iteration_stays_in_ascending_id_order_across_despawns() -> None:
    world = World(capacity=2)  # forces the arrays to grow
    ids = [_spawn(world, kind="a" if i % 2 else "b") for i in range(10)]
    world.apply_commands()
    for eid in ids[::3]:
        world.despawn(eid)
    world.apply_commands()
    remaining = [i for n, i in enumerate(ids) if n % 3]
    assert world.ids.tolist() == remaining
    assert [v.id for v in world.query(kind="a")] == [i for i in remaining if i % 2 == 0]
    assert world.ids_of_kind("b").tolist() == [i for i in remaining if i % 2 == 1]


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("spawn"), st.sampled_from(["a", "b", "c"])),
        st.tuples(st.just("despawn"), st.integers(min_value=0, max_value=25)),
        st.tuples(st.just("move"), st.integers(min_value=0, max_value=25)),
        st.tuples(st.just("apply"), st.none()),
    ),
    max_size=60,
)


@settings(max_examples=80, deadline=None)
@given(OPS)
def test_world_matches_a_plain_model_under_any_command_sequence(ops: list[Any]) -> None:
    """Against a dict model: visible state changes only at apply, in issue order."""
    world = World(capacity=1)
    visible: dict[int, tuple[str, float]] = {}
    pending: list[tuple[str, int, str]] = []
    pending_x: dict[int, float] = {}
    next_id = 1
    for op, arg in ops:
        if op == "spawn":
            assert world.spawn("m", arg, ORIGIN, ORIGIN, ()) == next_id
            pending.append(("spawn", next_id, arg))
            next_id += 1
        elif op == "despawn":
            world.despawn(arg)
            pending.append(("despawn", arg, ""))
        elif op == "move":
            world.set_position(arg, (float(arg), 0.0, 0.0))
            if arg in visible:
                visible[arg] = (visible[arg][0], float(arg))
            elif any(kind == "spawn" and eid == arg for kind, eid, _ in pending):
                pending_x[arg] = float(arg)
        else:
            world.apply_commands()
            for kind, eid, name in pending:
                if kind == "spawn":
                    visible[eid] = (name, pending_x.pop(eid, 0.0))
                else:
                    visible.pop(eid, None)
            pending.clear()
        got = {v.id: (v.kind, v.position[0]) for v in world.query()}
        assert got == visible
        assert world.ids.tolist() == sorted(visible)
