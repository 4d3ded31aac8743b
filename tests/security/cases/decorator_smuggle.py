# ruff: noqa
# class: escape
# expect: SANDBOX_FORBIDDEN
# summary: a decorator that returns the decorated function's globals
def grab(f):
    return f.__globals__


@grab
def on_tick(ctx, dt):
    return 1
