# The wanderer: a player stand-in. It heads for the nearest coin, with a little seeded
# jitter so two seeds give two different walks, and never leaves the arena.
# Only +, -, *, / and math.sqrt touch floats: IEEE 754 rounds those exactly the same on every
# machine, so the walk (and the world hash) is the same everywhere.

import math

SPEED = 3.0
LIMIT = 9.0
JITTER = 0.35


def on_spawn(ctx):
    ctx.state["heading"] = (1.0, 0.0)
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


def on_tick(ctx, dt):
    x, y, z = ctx.entity.position
    target = nearest_coin(x, y, ctx.world.query("coin"))
    if target is None:
        hx, hy = ctx.state["heading"]
    else:
        tx, ty, _ = target.position
        hx, hy = tx - x, ty - y
    hx += ctx.random.uniform(-JITTER, JITTER)
    hy += ctx.random.uniform(-JITTER, JITTER)
    if abs(x) > LIMIT:
        hx = -x
    if abs(y) > LIMIT:
        hy = -y
    length = math.sqrt(hx * hx + hy * hy) or 1.0
    ctx.state["heading"] = (hx / length, hy / length)
    ctx.world.set_velocity(ctx.entity.id, (SPEED * hx / length, SPEED * hy / length, 0.0))
