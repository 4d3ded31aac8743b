# ruff: noqa
# class: resource
# expect: SANDBOX_MEMORY_LIMIT
# summary: a dict whose values double every step
def on_tick(ctx, dt):
    d = {"k": [0]}
    for i in range(64):
        d["k"] = d["k"] + d["k"]
