# One guard: walks its waypoints in a loop, and chases the wanderer while it can see it: the
# wanderer is within SIGHT and the first thing a ray from the guard towards it hits (another
# guard blocks the view). A coin.collected event makes every guard hurry for two seconds;
# touching the wanderer emits player.caught, and the guard rests for a moment.

import math

WALK = 2.0
HURRY = 4.0
CHASE = 3.2
SIGHT = 6.0
HURRY_TICKS = 120
REST_TICKS = 120
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


def visible_wanderer(ctx, x, y):
    """The wanderer's (x, y) if this guard can see it, else None."""
    for wanderer in ctx.world.query("wanderer"):
        wx, wy, _ = wanderer.position
        dx, dy = wx - x, wy - y
        if dx * dx + dy * dy > SIGHT * SIGHT or (dx == 0.0 and dy == 0.0):
            continue
        for hit in ctx.world.raycast((x, y, 0.5), (dx, dy, 0.0), SIGHT):
            if hit.entity != ctx.entity.id:
                if hit.entity == wanderer.id:
                    return wx, wy
                break
    return None


def on_tick(ctx, dt):
    if ctx.tick < ctx.state.get("rest_until", 0):
        ctx.world.set_velocity(ctx.entity.id, (0.0, 0.0, 0.0))
        return
    x, y, z = ctx.entity.position
    seen = visible_wanderer(ctx, x, y)
    if seen is not None:
        tx, ty = seen
        speed = CHASE
        ctx.state["chasing"] = True
    else:
        route = ctx.state["route"]
        tx, ty = route[ctx.state["next"]]
        speed = HURRY if ctx.tick < ctx.state["hurry_until"] else WALK
        ctx.state["chasing"] = False
    dx, dy = tx - x, ty - y
    dist = math.sqrt(dx * dx + dy * dy)
    if dist < ARRIVED:
        if seen is None:
            ctx.state["next"] = (ctx.state["next"] + 1) % len(ctx.state["route"])
        return
    ctx.world.set_velocity(ctx.entity.id, (speed * dx / dist, speed * dy / dist, 0.0))


def on_event(ctx, event):
    if event.name == "coin.collected":
        ctx.state["hurry_until"] = ctx.tick + HURRY_TICKS


def on_collision(ctx, other):
    if other.kind == "wanderer":
        ctx.state["rest_until"] = ctx.tick + REST_TICKS
        ctx.events.emit("player.caught", {"guard": ctx.entity.id, "player": other.id})
