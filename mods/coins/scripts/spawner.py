# The coins mod script: scatters coins at load and tops them up once a second (a timer).

START_COINS = 10
MIN_COINS = 6
SPREAD = 8.0
# The coin's trigger: a little larger than the coin, and it moves with the coin's orbit.
TRIGGER = {"shape": "sphere", "radius": 0.8, "trigger": True}


def drop_coin(ctx):
    x = ctx.random.uniform(-SPREAD, SPREAD)
    y = ctx.random.uniform(-SPREAD, SPREAD)
    return ctx.world.spawn("coin", (x, y, 0.6), tags=["pickup"], collider=TRIGGER)


def on_load(ctx):
    for _ in range(START_COINS):
        drop_coin(ctx)
    ctx.state["dropped"] = START_COINS
    ctx.timers.every(60, "restock")
    ctx.log("scattered %d coins" % START_COINS)


def on_event(ctx, event):
    if event.name == "restock" and len(ctx.world.query("coin")) < MIN_COINS:
        drop_coin(ctx)
        ctx.state["dropped"] = ctx.state["dropped"] + 1
