# The hive: releases the swarm 100 bees a tick, scattered around the origin.
BEES = 2000
PER_TICK = 100


def on_tick(ctx, dt):
    made = ctx.state.get("made", 0)
    top = min(made + PER_TICK, BEES)
    while made < top:
        x = ctx.random.uniform(-20.0, 20.0)
        y = ctx.random.uniform(-20.0, 20.0)
        ctx.world.spawn("bee", (x, y, 0.0))
        made += 1
    ctx.state["made"] = made
