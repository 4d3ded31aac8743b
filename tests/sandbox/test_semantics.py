"""Instrumented scripts behave like plain Python: the guards change limits, not results."""

from __future__ import annotations

from textwrap import dedent

import pytest

from host_api import Limits
from sandbox import ScriptRejected, check_script

from .conftest import Rig

PROGRAM = """
import math
from math import sqrt as root

def gen(n):
    for i in range(n):
        yield i * i

def on_tick(ctx, dt):
    out = {}
    a = [1, 2]
    alias = a
    a += [3]                      # in place: the alias sees it
    out["alias"] = alias
    s = "ab"
    s *= 3
    out["s"] = s
    n = 7
    n **= 3
    n <<= 2
    n %= 1000
    out["n"] = n
    d = {"k": [1]}
    d["k"] += [2]
    d["k"][0] += 10
    out["d"] = d
    lst = [0, 1, 2, 3]
    lst[1:3] = ["x", "y", "z"]
    out["slice"] = lst
    out["fmt"] = f"{3.14159:>8.2f}|{'hi'!r:<6}|{42:05d}"
    out["pct"] = "%s-%05.1f-%(x)s" % ("a", 2.5, {"x": 1}) if False else "%s-%05.1f" % ("a", 2.5)
    out["join"] = ",".join(str(x) for x in gen(4))
    out["unbound"] = str.join("-", ["p", "q"])
    out["pad"] = "7".zfill(3) + "x".center(5, ".") + "\\tz".expandtabs(2)
    out["repl"] = "banana".replace("a", "o", 2)
    out["math"] = (math.floor(2.7), root(9.0), math.pi > 3, math.factorial(5))
    out["pow"] = (pow(2, 10), pow(3, 4, 5), 2 ** -1, 2.0 ** 0.5 > 1.41)
    out["big"] = (1 << 64) * 3 + 10 ** 20
    out["sorted"] = sorted([3, 1, 2], key=lambda v: -v)
    out["agg"] = (sum(range(5)), min([4, 2]), max(1, 9), any([0, 1]), all([]))
    out["bytes"] = bytes(3) + (255).to_bytes(2, "big")
    out["comp"] = {k: v for k, v in zip("abc", range(3)) if v}
    w = 0
    while w < 5:
        w += 1
    out["while"] = w
    try:
        [][1]
    except:                       # becomes "except Exception"
        out["caught"] = True
    out["gettr"] = getattr(ctx.entity, "kind") + str(hasattr(ctx, "state"))
    return out
"""


def test_program_results_match_plain_python(rig: Rig) -> None:
    module = rig.load(PROGRAM)
    got = rig.tick(module)
    plain: dict[str, object] = {}
    exec(dedent(PROGRAM).replace("except:", "except Exception:"), plain)
    expected = plain["on_tick"](rig.ctx, 0.5)  # type: ignore[operator]
    assert got == expected
    assert got["alias"] == [1, 2, 3]
    assert got["slice"] == [0, "x", "y", "z", 3]


CLOSURES = """
counter = 0
def bump():
    global counter
    counter += 1
    return counter
def outer(k):
    def inner(v, *rest, scale=2, **kw):
        return (v + k) * scale + len(rest) + len(kw)
    return inner
def on_tick(ctx, dt):
    pairs = [(1, 'a'), (2, 'b')]
    out = [f'{i}:{x}{y}' for i, (x, y) in enumerate(pairs, start=1)]
    out.append('%(n)s/%(m)d' % {'n': 'x', 'm': 3})
    out.append(outer(1)(2, 3, 4, scale=3, extra=1))
    args = [5]
    kw = {'scale': 1}
    out.append(outer(0)(*args, **kw))
    out.append(list(reversed([1, 2, 3])))
    out.append(dict(a=1, b=[i for i in range(3) if (j := i * 2) > 1]))
    out.append(bump() + bump())
    out.append([y for x in range(3) if (y := x * x) > 0])
    out.append(sorted({'b': 1, 'a': 2}.items()))
    out.append(tuple(map(lambda q, r=10: q * r, [1, 2])))
    out.append('-'.join(filter(None, ['', 'a', 'b'])))
    out.append(divmod(17, 5))
    out.append(round(2.675, 2))
    out.append([*range(3), *'ab'])
    out.append({**{'a': 1}, 'b': 2})
    a, *b = [1, 2, 3]
    out.append((a, b))
    s = 0.0
    for i in range(10):
        s += i * 0.5
    out.append(s)
    x = 3
    x -= 1
    x //= 1
    x |= 8
    out.append(x)
    t = 'abc'
    t += 'd'
    out.append(t[::-1])
    return out
"""


def test_closures_unpacking_and_comprehensions_match_plain_python(rig: Rig) -> None:
    module = rig.load(CLOSURES)
    plain: dict[str, object] = {}
    exec(dedent(CLOSURES), plain)
    assert rig.tick(module) == plain["on_tick"](rig.ctx, 0.5)  # type: ignore[operator]


def test_check_script_reports_every_problem_with_its_line() -> None:
    result = check_script(
        "import os\n"
        "def on_tick(ctx, dt):\n"
        "    x = ctx.__dict__\n"
        "    y = type('X', (), x)\n"
        "    return x.gi_frame\n",
        "scripts/bad.py",
    )
    assert not result.ok
    assert [p.line for p in result.errors] == [1, 3, 4, 5]


def test_rejection_is_a_diagnostic_with_the_line(rig: Rig) -> None:
    with pytest.raises(ScriptRejected) as info:
        rig.load("x = 1\n\ndef on_tick(ctx, dt):\n    return vars(ctx)\n")
    diagnostic = info.value.to_diagnostic()
    assert diagnostic.code == "SANDBOX_FORBIDDEN"
    assert diagnostic.line == 4
    assert diagnostic.file == "scripts/s.py"
    assert diagnostic.hint


def test_a_script_may_use_a_refused_builtin_name_it_defines(rig: Rig) -> None:
    module = rig.load(
        "def on_tick(ctx, dt):\n    dir = (1, 0)\n    type = 'a'\n    return dir, type\n"
    )
    assert rig.tick(module) == ((1, 0), "a")


def test_limits_are_per_call(rig: Rig) -> None:
    module = rig.load("def on_tick(ctx, dt):\n    return len('a' * 10000000)\n")
    for _ in range(5):  # 10 MB each call, under the 16 MB limit: never adds up across calls
        assert rig.tick(module) == 10_000_000
    assert Limits().memory_mb == 16
