"""World storage, queries, integration and the canonical world hash."""

from __future__ import annotations

from runtime.core._world import World

ORIGIN = (0.0, 0.0, 0.0)


def _world(spawns: list[tuple[str, str, tuple[str, ...]]]) -> World:
    world = World()
    for owner, kind, tags in spawns:
        world.spawn(owner, kind, (1.0, 2.0, 3.0), (0.5, 0.0, -1.0), tags)
    world.apply_commands()
    return world


def test_query_by_kind_and_tag() -> None:
    world = _world([("m", "coin", ("pickup",)), ("m", "guard", ()), ("n", "coin", ("x", "pickup"))])
    assert [v.id for v in world.query(kind="coin")] == [1, 3]
    assert [v.id for v in world.query(tag="pickup")] == [1, 3]
    assert [v.id for v in world.query(kind="guard", tag="pickup")] == []
    assert world.query(kind="nothing") == [] and world.query(tag="nothing") == []
    assert world.count_by_kind() == {"coin": 2, "guard": 1}
    assert world.count_by_owner() == {"m": 2, "n": 1}


def test_views_are_copies() -> None:
    world = _world([("m", "coin", ())])
    view = world.get(1)
    assert view is not None
    world.set_position(1, (9.0, 9.0, 9.0))
    assert view.position == (1.0, 2.0, 3.0)


def test_integrate_moves_by_velocity_and_freezes_owners() -> None:
    world = _world([("m", "a", ()), ("frozen", "b", ())])
    world.integrate(0.5, frozen_owners=["frozen"])
    moved, still = world.get(1), world.get(2)
    assert moved is not None and still is not None
    assert moved.position == (1.25, 2.0, 2.5)
    assert still.position == (1.0, 2.0, 3.0)


def test_hash_is_independent_of_name_interning_order() -> None:
    # Same final state reached through different first-seen orders of kinds and owners.
    a = World()
    a.spawn("x", "warm-up", ORIGIN, ORIGIN, ("t",))
    a.spawn("m", "coin", ORIGIN, ORIGIN, ())
    a.apply_commands()
    a.despawn(1)
    a.apply_commands()
    b = World()
    b.spawn("m", "coin", ORIGIN, ORIGIN, ())
    b.apply_commands()
    b.despawn(1)
    b.spawn("m", "coin", ORIGIN, ORIGIN, ())
    b.apply_commands()
    # Both now hold one coin with id 2 and next id 3.
    assert a.ids.tolist() == b.ids.tolist() == [2]
    assert a.world_hash() == b.world_hash()


def test_hash_changes_with_every_part_of_the_state() -> None:
    base = _world([("m", "coin", ("t",))]).world_hash()
    variants = [
        _world([("m", "coin", ("u",))]),
        _world([("n", "coin", ("t",))]),
        _world([("m", "gem", ("t",))]),
    ]
    moved = _world([("m", "coin", ("t",))])
    moved.set_position(1, (1.0, 2.0, 3.5))
    variants.append(moved)
    faster = _world([("m", "coin", ("t",))])
    faster.set_velocity(1, (0.0, 0.0, 0.0))
    variants.append(faster)
    later = _world([("m", "coin", ("t",))])
    later.advance_tick()
    variants.append(later)
    hashes = {w.world_hash() for w in variants}
    assert base not in hashes and len(hashes) == len(variants)


def test_negative_zero_hashes_like_zero() -> None:
    a = _world([("m", "coin", ())])
    b = _world([("m", "coin", ())])
    a.set_velocity(1, (0.0, 0.0, 0.0))
    b.set_velocity(1, (-0.0, 0.0, -0.0))
    assert a.world_hash() == b.world_hash()


def test_log_and_emit_go_to_their_sinks() -> None:
    lines: list[tuple[str, str]] = []
    world = World(log=lambda mod, line: lines.append((mod, line)))
    world.log("m", "hello")
    world.emit("m", None, "ping", {"n": 1})
    assert lines == [("m", "hello")]
    assert len(world.events) == 1
