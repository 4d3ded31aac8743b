# ruff: noqa
# class: resource
# expect: SANDBOX_FUEL_EXHAUSTED, SANDBOX_TIMEOUT
# summary: recursion through sorted(key=...) callbacks in C
def on_tick(ctx, dt):
    data = list(range(1000))
    while True:
        data = sorted(data, key=lambda x: -x)
