# One guard: walks its waypoints in a loop; a coin.collected event makes every guard hurry
# for two seconds.

import math

WALK = 2.0
HURRY = 4.0
HURRY_TICKS = 120
ARRIVED = 0.3


def read_route(ctx):
    route = []
    for line in ctx.fs.read_text("assets/waypoints.txt").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            x, y = line.split()
            route.append((float(x), float(y)))
    return route


def on_spawn(ctx):
    route = read_route(ctx)
    start = 0
    for tag in ctx.entity.tags:
        if tag.startswith("start-"):
            start = int(tag[6:]) % len(route)
    ctx.state["route"] = route
    ctx.state["next"] = start
    ctx.state["hurry_until"] = 0
    x, y = route[start]
    ctx.world.set_position(ctx.entity.id, (x, y, 0.5))


def on_tick(ctx, dt):
    route = ctx.state["route"]
    tx, ty = route[ctx.state["next"]]
    x, y, z = ctx.entity.position
    dx, dy = tx - x, ty - y
    dist = math.sqrt(dx * dx + dy * dy)
    if dist < ARRIVED:
        ctx.state["next"] = (ctx.state["next"] + 1) % len(route)
        return
    speed = HURRY if ctx.tick < ctx.state["hurry_until"] else WALK
    ctx.world.set_velocity(ctx.entity.id, (speed * dx / dist, speed * dy / dist, 0.0))


def on_event(ctx, event):
    if event.name == "coin.collected":
        ctx.state["hurry_until"] = ctx.tick + HURRY_TICKS
