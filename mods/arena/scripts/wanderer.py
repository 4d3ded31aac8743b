# The wanderer: the player. WASD or the arrow keys steer it; when nobody has touched a key
# for two seconds it goes back to autopilot and heads for the nearest coin, with a little
# seeded jitter so two seeds give two different walks. It never leaves the arena, and a
# guard that catches it sends it back to the middle, or, when a guard stands near the middle,
# to the first of a few spots with no guard near (else to the one farthest from every guard):
# landing next to a guard again would get it caught again, over and over.
# Only +, -, *, / and math.sqrt touch floats: IEEE 754 rounds those exactly the same on every
# machine, so the walk (and the world hash) is the same everywhere.

import math

SPEED = 3.0
RUN = 4.5
LIMIT = 9.0
JITTER = 0.35
IDLE_TICKS = 120
#: Where a caught wanderer goes back to, in order of preference (the middle first).
SPOTS = ((0.0, 0.0), (-5.0, 0.0), (5.0, 0.0), (0.0, -5.0), (0.0, 5.0))
#: A spot with a guard closer than this is not safe to be sent back to.
SAFE = 4.0
KEYS = (
    ("w", 0.0, 1.0), ("arrow_up", 0.0, 1.0),
    ("s", 0.0, -1.0), ("arrow_down", 0.0, -1.0),
    ("a", -1.0, 0.0), ("arrow_left", -1.0, 0.0),
    ("d", 1.0, 0.0), ("arrow_right", 1.0, 0.0),
)


def on_spawn(ctx):
    ctx.state["heading"] = (1.0, 0.0)
    ctx.state["last_key"] = -IDLE_TICKS
    ctx.log("wanderer %d starts at %r" % (ctx.entity.id, ctx.entity.position))


def nearest_coin(x, y, coins):
    best = None
    best_d2 = 1e18
    for coin in coins:
        cx, cy, _ = coin.position
        d2 = (cx - x) * (cx - x) + (cy - y) * (cy - y)
        if d2 < best_d2:
            best, best_d2 = coin, d2
    return best


def steering(ctx):
    """The direction the keys held now ask for, or None when no move key is held."""
    hx, hy, held = 0.0, 0.0, False
    for key, kx, ky in KEYS:
        if ctx.input.is_down(key):
            hx, hy, held = hx + kx, hy + ky, True
    return (hx, hy) if held else None


def autopilot(ctx, x, y):
    target = nearest_coin(x, y, ctx.world.query("coin"))
    if target is None:
        hx, hy = ctx.state["heading"]
    else:
        tx, ty, _ = target.position
        hx, hy = tx - x, ty - y
    hx += ctx.random.uniform(-JITTER, JITTER)
    hy += ctx.random.uniform(-JITTER, JITTER)
    return hx, hy


def on_tick(ctx, dt):
    x, y, z = ctx.entity.position
    keys = steering(ctx)
    if keys is not None:
        ctx.state["last_key"] = ctx.tick
    if keys is None and ctx.tick - ctx.state["last_key"] < IDLE_TICKS:
        ctx.world.set_velocity(ctx.entity.id, (0.0, 0.0, 0.0))  # the player let go: stop
        return
    hx, hy = keys if keys is not None else autopilot(ctx, x, y)
    speed = RUN if keys is not None else SPEED
    if abs(x) > LIMIT and hx * x > 0:
        hx = -x if keys is None else 0.0
    if abs(y) > LIMIT and hy * y > 0:
        hy = -y if keys is None else 0.0
    length = math.sqrt(hx * hx + hy * hy) or 1.0
    ctx.state["heading"] = (hx / length, hy / length)
    ctx.world.set_velocity(ctx.entity.id, (speed * hx / length, speed * hy / length, 0.0))


def distance2_to_guards(x, y, guards):
    """The squared distance from (x, y) to the nearest guard (huge when there is none)."""
    best = 1e18
    for guard in guards:
        gx, gy, _ = guard.position
        d2 = (gx - x) * (gx - x) + (gy - y) * (gy - y)
        if d2 < best:
            best = d2
    return best


def back_to(ctx):
    """The first spot with no guard within SAFE, else the spot farthest from every guard."""
    guards = ctx.world.query("guard")
    best, best_d2 = SPOTS[0], -1.0
    for x, y in SPOTS:
        d2 = distance2_to_guards(x, y, guards)
        if d2 >= SAFE * SAFE:
            return x, y
        if d2 > best_d2:
            best, best_d2 = (x, y), d2
    return best


def on_collision(ctx, other):
    if other.kind == "guard":
        x, y = back_to(ctx)
        ctx.world.set_position(ctx.entity.id, (x, y, 0.5))
        ctx.log("caught by guard %d at tick %d" % (other.id, ctx.tick))
