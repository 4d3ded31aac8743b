# Every bee chases a point circling the hive, each at its own radius, with a little wobble.
# One call per tick for the whole kind: rows.positions and rows.velocities are lists, and
# the host applies the assigned velocities in one step when the mod's tick ends.
import math

SPEED = 4.0


def on_spawn(ctx):
    x, y, _ = ctx.entity.position
    ctx.state["radius"] = 4.0 + math.hypot(x, y) * 0.4
    ctx.state["phase"] = ctx.random.uniform(0.0, math.tau)


def on_system(ctx, dt, rows):
    t = ctx.tick * dt
    velocities = rows.velocities
    states = rows.states
    for i, (x, y, z) in enumerate(rows.positions):
        s = states[i]
        angle = t * 0.5 + s["phase"]
        tx = math.cos(angle) * s["radius"]
        ty = math.sin(angle) * s["radius"]
        dx, dy = tx - x, ty - y
        length = math.hypot(dx, dy) or 1.0
        wobble = math.sin(t * 3.0 + s["phase"]) * 0.5 - z
        velocities[i] = (dx / length * SPEED, dy / length * SPEED, wobble)
