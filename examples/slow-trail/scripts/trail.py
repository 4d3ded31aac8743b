"""Shows how far the wanderer has walked. Slow on purpose: see "Profiling" in the README.

Every tick it appends the wanderer's position to a trail of up to 600 points and then
measures the whole trail again from the first point, instead of adding the last step to a
running total.
"""

TRAIL = 600


def on_load(ctx):
    ctx.state["trail"] = []


def on_tick(ctx, dt):
    found = ctx.world.query(kind="wanderer")
    if not found:
        return
    trail = ctx.state["trail"]
    trail.append(tuple(found[0].position))
    if len(trail) > TRAIL:
        trail.pop(0)
    walked = 0.0
    for i in range(1, len(trail)):
        (ax, ay, _), (bx, by, _) = trail[i - 1], trail[i]
        walked += ((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5
    ctx.ui.set_text("trail", f"Walked: {walked:.0f}")
