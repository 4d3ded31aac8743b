"""Colliders: the vectorised broad phase against all pairs, contact begin/end, queries."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from host_api import Collider, ColliderInvalid, DiagnosticCode
from host_api.testing import recording_api
from runtime import Host
from runtime.core._world import World
from runtime.gameplay._collisions import Colliders
from runtime.gameplay._overlaps import overlapping_pairs
from runtime.gameplay._queries import within_radius


def _brute_force(centres: np.ndarray, half: np.ndarray, is_box: np.ndarray) -> set[tuple[int, int]]:
    found = set()
    for i, j in combinations(range(len(centres)), 2):
        delta = np.abs(centres[i] - centres[j])
        if is_box[i] and is_box[j]:
            hit = bool((delta <= half[i] + half[j]).all())
        elif not is_box[i] and not is_box[j]:
            hit = float(np.sqrt((delta**2).sum())) <= half[i, 0] + half[j, 0]
        else:
            box, r = (half[i], half[j, 0]) if is_box[i] else (half[j], half[i, 0])
            out = np.maximum(delta - box, 0.0)
            hit = float((out**2).sum()) <= r * r
        if hit:
            found.add((i, j))
    return found


@pytest.mark.parametrize("seed", range(6))
def test_broad_phase_finds_exactly_the_all_pairs_overlaps(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    centres = rng.uniform(-20, 20, size=(n, 3)) * np.array([1.0, 1.0, 0.1])
    is_box = rng.random(n) < 0.5
    radius = rng.uniform(0.2, 1.5, size=n)
    half = np.where(is_box[:, None], rng.uniform(0.2, 1.5, size=(n, 3)), radius[:, None])
    i, j = overlapping_pairs(centres, half, is_box)
    got = {(min(a, b), max(a, b)) for a, b in zip(i.tolist(), j.tolist(), strict=True)}
    assert len(got) == len(i), "a pair was reported twice"
    assert got == _brute_force(centres, half, is_box)
    assert got, "the case should have overlaps"


def test_negative_cells_and_exact_touching() -> None:
    centres = np.array([[-0.5, -0.5, 0.0], [0.5, -0.5, 0.0], [-3.0, -3.0, 0.0]])
    half = np.full((3, 3), 0.5)
    i, j = overlapping_pairs(centres, half, np.array([False, False, False]))
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) in ([(0, 1)], [(1, 0)])


def _world_with(*positions: tuple[float, float, float]) -> World:
    world = World()
    for p in positions:
        world.spawn("m", "thing", p, (0.0, 0.0, 0.0), ())
    world.apply_commands()
    return world


def test_contacts_begin_once_and_end_when_apart() -> None:
    world = _world_with((0.0, 0.0, 0.0), (5.0, 0.0, 0.0), (0.8, 0.0, 0.0))
    colliders = Colliders()
    for entity_id in (1, 2, 3):
        colliders.set(entity_id, Collider("sphere", (0.5, 0.5, 0.5), entity_id == 2))
    first = colliders.step(world)
    assert [(c.a, c.b) for c in first.began] == [(1, 3)]
    assert colliders.step(world).began == ()
    world.set_position(2, (0.4, 0.3, 0.0))  # the trigger moves onto both
    changes = colliders.step(world)
    assert [(c.a, c.b, c.a_trigger, c.b_trigger) for c in changes.began] == [
        (1, 2, False, True),
        (2, 3, True, False),
    ]
    world.set_position(3, (-9.0, 0.0, 0.0))
    changes = colliders.step(world)
    assert [(c.a, c.b) for c in changes.ended] == [(1, 3), (2, 3)]
    assert colliders.touching(1) == [2]


def test_despawned_entities_lose_their_colliders() -> None:
    world = _world_with((0.0, 0.0, 0.0), (0.1, 0.0, 0.0))
    colliders = Colliders()
    colliders.set(1, Collider("box", (1.0, 1.0, 1.0)))
    colliders.set(2, Collider("box", (1.0, 1.0, 1.0)))
    assert len(colliders.step(world).began) == 1
    world.despawn(2)
    world.apply_commands()
    changes = colliders.step(world)
    assert [(c.a, c.b) for c in changes.ended] == [(1, 2)]
    assert len(colliders) == 1


def test_raycast_nearest_first_and_radius_query() -> None:
    world = _world_with((5.0, 0.0, 0.0), (2.0, 0.0, 0.0), (2.0, 3.0, 0.0), (9.0, 0.2, 0.0))
    colliders = Colliders()
    colliders.set(1, Collider("sphere", (1.0, 1.0, 1.0)))
    colliders.set(2, Collider("box", (0.5, 0.5, 0.5)))
    colliders.set(3, Collider("sphere", (1.0, 1.0, 1.0)))
    colliders.set(4, Collider("box", (0.5, 0.5, 0.5)))
    hits = colliders.raycast(world, (0.0, 0.0, 0.0), (1.0, 0.0, 0.0), 8.0)
    assert [(h.entity, round(h.distance, 6)) for h in hits] == [(2, 1.5), (1, 4.0)]
    inside = colliders.raycast(world, (5.0, 0.0, 0.0), (0.0, 1.0, 0.0), 1.0)
    assert [(h.entity, h.distance) for h in inside] == [(1, 0.0)]
    assert within_radius(world, (2.0, 0.0, 0.0), 3.0, None) == [1, 2, 3]
    assert within_radius(world, (2.0, 0.0, 0.0), 3.0, "nothing") == []


COLLIDE = """
def on_collision(ctx, other):
    ctx.log("%d hit %d %s at %d" % (ctx.entity.id, other.id, other.kind, ctx.tick))
"""
ZONE = """
def on_event(ctx, event):
    ctx.log("%s %d %d %s" % (event.name, event.payload["trigger"], event.payload["other"],
                             event.payload["kind"]))
"""
SPAWN = """
def on_load(ctx):
    ctx.world.spawn("ball", (0.0, 0.0, 0.0), (2.0, 0.0, 0.0),
                    collider={"shape": "sphere", "radius": 0.5})
    ctx.world.spawn("ball", (3.0, 0.0, 0.0), collider={"shape": "box", "half": (0.5, 0.5, 0.5)})
    ctx.world.spawn("zone", (6.0, 0.0, 0.0),
                    collider={"shape": "box", "half": (1.0, 1.0, 1.0), "trigger": True})
"""


def test_hooks_and_trigger_events_in_a_host(make_mod, mods_dir: Path) -> None:
    make_mod("game", scripts={"main.py": SPAWN}, entity_scripts={"ball": COLLIDE, "zone": ZONE})
    with Host(mods_dir) as host:
        host.load()
        host.step(300)
        log = host.report().mods["game"].log
    # The ball starts at x=0 moving +2/s: touches the box (x=3) at t=1 s (tick 60), then
    # enters the zone at x=4.5 (tick 105) and leaves at x=7.5 (tick 195).
    assert log == [
        "1 hit 2 ball at 60",
        "2 hit 1 ball at 60",
        "trigger.enter 3 1 ball",
        "trigger.exit 3 1 ball",
    ]


@pytest.mark.parametrize(
    "collider",
    [
        {"shape": "cone", "radius": 1.0},
        {"shape": "sphere", "radius": -1.0},
        {"shape": "sphere", "radius": 1e9},
        {"shape": "box", "half": (1.0, 1.0)},
        {"shape": "sphere", "radius": 1.0, "trigger": "yes"},
        {"shape": "sphere", "half": (1.0, 1.0, 1.0)},
        "sphere",
    ],
)
def test_bad_colliders_are_refused_with_a_code(collider: object) -> None:
    api, _, _ = recording_api()
    with pytest.raises(ColliderInvalid) as info:
        api.spawn("ball", collider=collider)
    assert info.value.to_diagnostic().code == DiagnosticCode.COLLIDER_INVALID
    assert info.value.hint


def test_bad_collider_from_a_script_is_a_diagnostic(make_mod, mods_dir: Path) -> None:
    bad = """
def on_load(ctx):
    ctx.world.spawn("ball", collider={"shape": "sphere", "radius": 0})
"""
    make_mod("bad", scripts={"main.py": bad})
    with Host(mods_dir) as host:
        host.load()
        codes = [d.code for d in host.diagnostics if d.mod == "bad"]
    assert DiagnosticCode.COLLIDER_INVALID in codes
