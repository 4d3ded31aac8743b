# The coins mod script: scatters coins at load and tops them up every second.

START_COINS = 10
MIN_COINS = 6
SPREAD = 8.0


def drop_coin(ctx):
    x = ctx.random.uniform(-SPREAD, SPREAD)
    y = ctx.random.uniform(-SPREAD, SPREAD)
    return ctx.world.spawn("coin", (x, y, 0.6), tags=["pickup"])


def on_load(ctx):
    for _ in range(START_COINS):
        drop_coin(ctx)
    ctx.state["dropped"] = START_COINS
    ctx.log("scattered %d coins" % START_COINS)


def on_tick(ctx, dt):
    if ctx.tick % 60 != 0:
        return
    if len(ctx.world.query("coin")) < MIN_COINS:
        drop_coin(ctx)
        ctx.state["dropped"] = ctx.state["dropped"] + 1
