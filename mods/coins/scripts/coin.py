# One coin: it circles a small orbit around where it was dropped and bobs up and down (its
# spin). It carries a trigger collider: when the wanderer enters it, the coin emits
# coin.collected and despawns.

REACH = 1.0
RADIUS = 0.25
# cos and sin of the angle turned per tick (0.1 rad), precomputed: no math module needed.
COS_STEP = 0.9950041652780258
SIN_STEP = 0.09983341664682815


def on_spawn(ctx):
    x, y, z = ctx.entity.position
    ctx.state["home"] = (x, y, z)
    ctx.state["offset"] = (RADIUS, 0.0)


def on_tick(ctx, dt):
    if ctx.state.get("taken"):
        return
    hx, hy, hz = ctx.state["home"]
    ox, oy = ctx.state["offset"]
    ox, oy = ox * COS_STEP - oy * SIN_STEP, ox * SIN_STEP + oy * COS_STEP
    ctx.state["offset"] = (ox, oy)
    ctx.world.set_position(ctx.entity.id, (hx + ox, hy + oy, hz + 0.5 * oy))


def on_event(ctx, event):
    # trigger.enter: something came into this coin's trigger (see spawner.py's collider).
    if event.name != "trigger.enter" or event.payload["kind"] != "wanderer":
        return
    if ctx.state.get("taken"):
        return
    ctx.state["taken"] = True
    ctx.events.emit(
        "coin.collected", {"coin": ctx.entity.id, "by": event.payload["other"], "value": 1}
    )
    ctx.world.despawn(ctx.entity.id)
