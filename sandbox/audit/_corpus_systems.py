"""Attacks through system hooks (``on_system(ctx, dt, rows)``) and through values a script can
make but the host cannot take (ints too large for a float, JSON or text; lone surrogates).

A system hook's source defines ``on_system``; the audit runs it over a batch of the probe
kind through the runtime's own path (``sandbox.base.run_system``), so what the host does
with the rows when the call returns is under test too.
"""

from __future__ import annotations

from typing import Final

from ._corpus_attack import CPU, DENIED, ERROR, MEMORY, Attack, _abuse, _resource, _tick


def _system(body: str, preamble: str = "") -> str:
    """A script whose ``on_system`` runs ``body``."""
    lines = body.strip().splitlines()
    return preamble + "def on_system(ctx, dt, rows):\n" + "".join(f"    {line}\n" for line in lines)


#: A script object whose every conversion hook would loop forever if the host ran it.
_SLY = """
class Sly:
    def __iter__(self):
        while True:
            pass
    def __float__(self):
        while True:
            pass
    def __len__(self):
        while True:
            pass
"""

SYSTEM_ATTACKS: Final[tuple[Attack, ...]] = (
    _abuse(
        "system-write-denied",
        "assigning rows without world.write",
        _system("rows.velocities[0] = (1.0, 0.0, 0.0)"),
        DENIED,
        capabilities=frozenset({"world.read"}),
    ),
    _abuse(
        "system-read-denied",
        "reading rows' positions without world.read",
        _system("return rows.positions"),
        DENIED,
        capabilities=frozenset({"world.write"}),
    ),
    _abuse(
        "system-script-object-row",
        "a row the host would have to unpack by running the script's methods",
        _system("rows.positions[0] = Sly()", _SLY),
        ERROR,
    ),
    _abuse(
        "system-script-object-inside-row",
        "a coordinate the host would have to convert by running the script's methods",
        _system("rows.velocities[0] = (Sly(), 0.0, 0.0)", _SLY),
        ERROR,
    ),
    _abuse(
        "system-resized-rows",
        "adding rows the kind does not have",
        _system("rows.positions.append((0.0, 0.0, 0.0))"),
        ERROR,
    ),
    _abuse(
        "system-infinite-row",
        "a row past a float's range",
        _system("rows.positions[0] = (10 ** 400, 0, 0)"),
        ERROR,
    ),
    _resource(
        "system-runaway",
        "an endless loop in a system hook: one call, one budget",
        _system("while True:\n    rows.positions[0] = (1.0, 2.0, 3.0)"),
        CPU,
    ),
    _resource(
        "system-state-growth",
        "every entity's state grows through rows.states",
        _system("for s in rows.states:\n    s.setdefault('junk', []).append('x' * 1000000)"),
        MEMORY,
        ticks=48,
    ),
    _abuse(
        "huge-int-coordinate",
        "a coordinate past a float's range",
        _tick("ctx.world.set_position(ctx.entity.id, (10 ** 400, 0, 0))"),
        ERROR,
    ),
    _abuse(
        "huge-int-log",
        "a log value past Python's int-to-text limit",
        _tick("ctx.log(10 ** 5000)"),
        ERROR,
    ),
    _abuse(
        "huge-int-payload",
        "an event payload int past 64 bits",
        _tick("ctx.events.emit('big', {'n': 2 ** 64})"),
        ERROR,
    ),
    _abuse(
        "surrogate-name",
        "an event name that is not valid Unicode",
        _tick("ctx.events.emit('e' + chr(0xD800), {})"),
        ERROR,
    ),
    _abuse(
        "surrogate-path",
        "a file path that is not valid Unicode",
        _tick("return ctx.fs.read('a' + chr(0xDC80))"),
        DENIED,
    ),
    _abuse(
        "randint-reversed",
        "random bounds the other way round",
        _tick("return ctx.random.randint(5, 1)"),
        ERROR,
    ),
)
