# The scoreboard mod script: counts coin.collected events; a marker at the arena's edge
# rises a little with every point, so the score shows in the picture too.

STEP = 0.4


def on_load(ctx):
    ctx.state["score"] = ctx.state.get("score", 0)
    ctx.state["marker"] = ctx.world.spawn("score-marker", (10.5, 10.5, 0.5), tags=["hud"])


def on_event(ctx, event):
    if event.name != "coin.collected":
        return
    score = ctx.state["score"] + event.payload.get("value", 1)
    ctx.state["score"] = score
    ctx.world.set_position(ctx.state["marker"], (10.5, 10.5, 0.5 + STEP * score))
    ctx.log("score %d (coin %d taken by %d)" % (score, event.payload["coin"], event.payload["by"]))
