# The guards mod script: posts three guards on the route, each starting at another waypoint.

GUARDS = 3
BODY = {"shape": "box", "half": (0.4, 0.4, 0.5)}


def on_load(ctx):
    for n in range(GUARDS):
        ctx.world.spawn("guard", (0.0, 0.0, 0.5), tags=["guard", "start-%d" % n], collider=BODY)
    ctx.log("%d guards on patrol" % GUARDS)
