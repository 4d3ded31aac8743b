"""A small game mod with every gameplay part: colliders, triggers, timers, input and HUD."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

GAME_CAPABILITIES = (
    "world.read",
    "world.write",
    "world.spawn",
    "events.emit",
    "events.listen",
    "log",
    "input.read",
    "timers",
    "ui.write",
)

MAIN = """
def on_load(ctx):
    for n in range(6):
        ctx.world.spawn("ball", (n * 1.5 - 4.0, (n % 3) - 1.0, 0.0), (1.0 + n * 0.1, 0.7, 0.0),
                        collider={"shape": "sphere", "radius": 0.5})
    ctx.world.spawn("zone", (0.0, 0.0, 0.0),
                    collider={"shape": "box", "half": (1.5, 1.5, 1.0), "trigger": True})
    ctx.state["hits"] = 0
    ctx.timers.every(45, "shuffle")

def on_tick(ctx, dt):
    if ctx.input.is_down("space"):
        for ball in ctx.world.query("ball"):
            vx, vy, vz = ball.velocity
            ctx.world.set_velocity(ball.id, (vx * 1.01, vy * 1.01, 0.0))
    ctx.ui.set_text("hits", "hits %d" % ctx.state["hits"])

def on_event(ctx, event):
    if event.name == "shuffle":
        ball = ctx.random.choice(ctx.world.query("ball"))
        ctx.world.set_velocity(ball.id, (ctx.random.uniform(-2, 2), ctx.random.uniform(-2, 2), 0.0))
    elif event.name == "ball.hit":
        ctx.state["hits"] = ctx.state["hits"] + 1
"""

BALL = """
LIMIT = 6.0

def on_tick(ctx, dt):
    x, y, z = ctx.entity.position
    vx, vy, vz = ctx.entity.velocity
    if abs(x) > LIMIT and x * vx > 0:
        vx = -vx
    if abs(y) > LIMIT and y * vy > 0:
        vy = -vy
    ctx.entity.velocity = (vx, vy, 0.0)

def on_collision(ctx, other):
    vx, vy, vz = ctx.entity.velocity
    ctx.entity.velocity = (-vx, -vy, 0.0)
    ctx.events.emit("ball.hit", {"ball": ctx.entity.id, "other": other.id})
    ctx.timers.after(10, "cooled")

def on_event(ctx, event):
    if event.name == "cooled":
        ctx.state["cool"] = ctx.state.get("cool", 0) + 1
"""

ZONE = """
def on_event(ctx, event):
    if event.name == "trigger.enter":
        ctx.state["inside"] = ctx.state.get("inside", 0) + 1
    elif event.name == "trigger.exit":
        ctx.state["inside"] = ctx.state.get("inside", 0) - 1
"""


@pytest.fixture
def game_mod(make_mod: Callable[..., Path]) -> Path:
    """``mods/game``: six bouncing balls, a trigger zone, timers, a HUD line, input."""
    return make_mod(
        "game",
        scripts={"main.py": MAIN},
        entity_scripts={"ball": BALL, "zone": ZONE},
        capabilities=GAME_CAPABILITIES,
    )


def write_input(path: Path, events: list[dict[str, object]]) -> Path:
    """Write an input file of ``events``."""
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path
