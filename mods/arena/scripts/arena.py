# The arena mod script: lays out the ground and puts the wanderer on it, once, at load, and
# points the camera at the wanderer.

HALF_SIZE = 10.0


def on_load(ctx):
    ctx.world.spawn("ground", (0.0, 0.0, 0.0), tags=["static"])
    wanderer = ctx.world.spawn(
        "wanderer",
        (0.0, 0.0, 0.5),
        tags=["player"],
        collider={"shape": "sphere", "radius": 0.45},
    )
    ctx.ui.camera_target(wanderer)
    ctx.ui.set_text("help", "WASD / arrows: move")
    ctx.log("arena ready: %d x %d ground, one wanderer" % (2 * HALF_SIZE, 2 * HALF_SIZE))
