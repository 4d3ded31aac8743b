"""A pile of colliders costs the host a bounded amount per tick, and its mod is told.

Every pair in a pile is a candidate: 2,000 colliders in one spot are 2 million pairs, a
second or more per tick. The broad phase stops at ``MAX_CANDIDATES`` and keeps at most
``MAX_CONTACTS`` contacts (the lowest pair keys, so the same ones every run), and the mod at
the centre of the pile gets one ``MOD_ENTITY_LIMIT`` warning.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from host_api import Collider, DiagnosticCode
from runtime import Host
from runtime.core._world import World
from runtime.gameplay._collisions import MAX_CONTACTS, Colliders

from ..conftest import MakeMod


def _pile(n: int) -> tuple[World, Colliders]:
    world, colliders = World(capacity=n), Colliders()
    sphere = Collider("sphere", (0.5, 0.5, 0.5))
    for _ in range(n):
        colliders.set(world.spawn("m", "ball", (0.0, 0.0, 0.0), (0.0, 0.0, 0.0), ()), sphere)
    world.apply_commands()
    return world, colliders


def test_a_pile_keeps_the_same_bounded_contacts_every_run() -> None:
    kept = []
    for _ in range(2):
        world, colliders = _pile(1_500)  # 1.1 million pairs
        changes = colliders.step(world)
        assert colliders.contacts == len(changes.began) == MAX_CONTACTS
        assert colliders.crowded is not None
        kept.append([(c.a, c.b) for c in changes.began])
    assert kept[0] == kept[1] == sorted(kept[0])


def test_a_spread_world_is_untouched() -> None:
    world, colliders = World(capacity=400), Colliders()
    sphere = Collider("sphere", (0.5, 0.5, 0.5))
    for x in np.arange(400, dtype=float):
        colliders.set(world.spawn("m", "ball", (x * 0.9, 0.0, 0.0), (0.0, 0.0, 0.0), ()), sphere)
    world.apply_commands()
    colliders.step(world)
    assert colliders.contacts == 399 and colliders.crowded is None


PILE = """
def on_load(ctx):
    for i in range(1200):
        ctx.world.spawn("ball", (0.0, 0.0, 0.5), collider={"shape": "sphere", "radius": 0.5})
"""


def test_the_mod_at_the_centre_of_a_pile_is_warned_once(make_mod: MakeMod, mods_dir: Path) -> None:
    make_mod(
        "piler",
        scripts={"main.py": PILE},
        capabilities=("world.spawn",),
        extra="[limits]\nfuel = 5000000\ntimeout_ms = 50\n",
    )
    with Host(mods_dir) as host:
        host.load()
        host.step(5)
        warnings = [d for d in host.diagnostics if d.code == DiagnosticCode.MOD_ENTITY_LIMIT]
        assert host.state_of("piler") == "running"
    assert len(warnings) == 1
    assert warnings[0].mod == "piler" and warnings[0].severity == "warning"
