# The scoreboard mod script: counts coin.collected events and shows the score on the HUD; a
# marker at the arena's edge rises a little with every point, so the score shows in the
# picture too. When a guard catches the wanderer, a message shows for two seconds.

STEP = 0.4
MESSAGE_TICKS = 120


def on_load(ctx):
    ctx.state["score"] = ctx.state.get("score", 0)
    ctx.state["caught"] = ctx.state.get("caught", 0)
    ctx.state["marker"] = ctx.world.spawn("score-marker", (10.5, 10.5, 0.5), tags=["hud"])
    show(ctx)


def show(ctx):
    ctx.ui.set_text("a-score", "Score: %d" % ctx.state["score"])
    ctx.ui.set_text("b-caught", "Caught: %d" % ctx.state["caught"])


def on_event(ctx, event):
    if event.name == "coin.collected":
        score = ctx.state["score"] + event.payload.get("value", 1)
        ctx.state["score"] = score
        ctx.world.set_position(ctx.state["marker"], (10.5, 10.5, 0.5 + STEP * score))
        ctx.log(
            "score %d (coin %d taken by %d)" % (score, event.payload["coin"], event.payload["by"])
        )
    elif event.name == "player.caught":
        ctx.state["caught"] = ctx.state["caught"] + 1
        ctx.ui.set_text("c-message", "Caught by a guard!")
        ctx.timers.after(MESSAGE_TICKS, "message.clear")
    elif event.name == "message.clear":
        ctx.ui.clear_text("c-message")
    show(ctx)
