# ruff: noqa
# class: escape
# expect: SANDBOX_FORBIDDEN
# summary: an attribute walk hidden in a nested format spec
def on_tick(ctx, dt):
    spec = "{0.__init__.__globals__}"
    return f"{ctx:{spec}}".format(ctx)
