# ruff: noqa
# class: resource
# expect: SANDBOX_MEMORY_LIMIT
# summary: tuple repetition inside a comprehension
def on_tick(ctx, dt):
    return [(0,) * (10**9) for i in range(2)]
