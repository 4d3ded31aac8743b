# ruff: noqa
# class: escape
# expect: SANDBOX_FORBIDDEN
# summary: a generator's frame reached through throw() and the traceback it produces
def gen():
    yield 1


def on_tick(ctx, dt):
    g = gen()
    next(g)
    try:
        g.throw(ValueError("x"))
    except ValueError as exc:
        return exc.__traceback__.tb_next.tb_frame.f_locals
