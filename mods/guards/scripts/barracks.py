# The guards mod script: posts three guards on the route, each starting at another waypoint.

GUARDS = 3


def on_load(ctx):
    for n in range(GUARDS):
        ctx.world.spawn("guard", (0.0, 0.0, 0.5), tags=["guard", "start-%d" % n])
    ctx.log("%d guards on patrol" % GUARDS)
