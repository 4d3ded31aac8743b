# ruff: noqa
# class: escape
# expect: SANDBOX_FORBIDDEN
# summary: try every name getattr will take, built at run time
def on_tick(ctx, dt):
    found = []
    for name in ["world", "events", "_" + "api", "entity"]:
        found.append(getattr(ctx, name))
    return found
