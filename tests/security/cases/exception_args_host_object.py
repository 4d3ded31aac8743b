# ruff: noqa
# class: escape
# expect: SANDBOX_FORBIDDEN
# summary: reach the exception's __context__ chain into host frames
def on_tick(ctx, dt):
    try:
        ctx.world.despawn("not an id")
    except Exception as exc:
        return exc.__context__
