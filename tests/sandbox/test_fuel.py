"""Deterministic fuel: exact counts, the same on every run, exhaustion inside the call."""

from __future__ import annotations

import random
from itertools import repeat
from typing import Any

import pytest

from host_api import Limits
from sandbox import FuelExhausted, ScriptFault
from sandbox.python import _fuel
from sandbox.python._fuel import Meter

from .conftest import Rig, make_rig


@pytest.fixture(autouse=True, params=["c", "itertools"])
def stream(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test here runs on both fuel streams (in this process: a process-tier worker
    uses the C stream wherever it is built)."""
    if request.param == "c" and _fuel.Stream is None:
        pytest.skip("the C fuel stream is not built here (no C compiler at install)")
    monkeypatch.setattr(_fuel, "NATIVE", request.param == "c")
    return str(request.param)


LOOP = """
def on_tick(ctx, dt):
    total = 0
    for i in range(10):
        total += i
    return total
"""


def test_a_loop_costs_one_unit_per_iteration_plus_the_call(rig: Rig) -> None:
    module = rig.load(LOOP)
    assert rig.tick(module) == 45
    assert rig.sandbox.fuel_used == 1 + 10  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "cost"),
    [
        ("return 1", 1),
        ("return [i for i in range(7)]", 1 + 7),
        ("n = 0\nwhile n < 5:\n    n += 1", 1 + 5),
        ("n = 0\nwhile n < 0:\n    n += 1", 1),
        ("n = 0\nwhile True:\n    n += 1\n    if n == 5:\n        break", 1 + 5),
        ("n = 0\nwhile n < 5:\n    n += 1\n    if n == 2:\n        continue", 1 + 5),
        ("n = 0\nwhile n < 5:\n    n += 1\nelse:\n    n = 9", 1 + 5),
        ("n = 0\nwhile n < 3:\n    n += 1\n    for i in range(2):\n        continue", 1 + 3 + 6),
        ("f = lambda x: x\nreturn [f(i) for i in range(4)]", 1 + 4 + 4),
        ("return sum([1, 2, 3])", 1 + 3),
        ("return sorted(range(6))", 1 + 6),
    ],
)
def test_exact_costs(rig: Rig, body: str, cost: int) -> None:
    indented = "\n".join("    " + line for line in body.splitlines())
    module = rig.load(f"def on_tick(ctx, dt):\n{indented}\n")
    rig.tick(module)
    assert rig.sandbox.fuel_used == cost  # type: ignore[attr-defined]


WORK = """
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

def on_tick(ctx, dt):
    ctx.state["x"] = sum(fib(i) for i in range(12)) + len([c for c in "abcdef" * 20])
"""


def _fuel_trace(warmup: int) -> list[int]:
    r = make_rig(limits=Limits(fuel=1_000_000, timeout_ms=10_000))
    module = r.load(WORK)
    warm = r.load(
        "def on_tick(ctx, dt):\n    return [i for i in range(N)]\n".replace("N", str(warmup)),
        path="scripts/warm.py",
    )
    trace = []
    for _ in range(5):
        r.tick(warm)  # leaves a different amount in the current fuel chunk each time
        r.tick(module)
        trace.append(r.sandbox.fuel_used)  # type: ignore[attr-defined]
    r.sandbox.close()
    return trace


def test_same_script_same_fuel_whatever_ran_before() -> None:
    traces = [_fuel_trace(w) for w in (1, 333, 5000)]
    assert traces[0] == traces[1] == traces[2]
    assert len(set(traces[0])) == 1


@pytest.mark.parametrize("fuel", [50, 1000, 4097])
def test_exhaustion_is_exact(fuel: int) -> None:
    r = make_rig(limits=Limits(fuel=fuel, timeout_ms=60_000))
    module = r.load("def on_tick(ctx, dt):\n    for i in range(10**5):\n        pass\n")
    r.sandbox.limits  # noqa: B018
    with pytest.raises(FuelExhausted) as info:
        r.tick(module)
    assert info.value.code == "SANDBOX_FUEL_EXHAUSTED"
    assert info.value.line == 3 or info.value.line == 2
    assert r.sandbox.fuel_used == fuel  # type: ignore[attr-defined]
    # The next call starts with a fresh budget.
    ok = r.load("def on_tick(ctx, dt):\n    return 7\n", path="scripts/ok.py")
    assert r.tick(ok) == 7
    r.sandbox.close()


def test_exhaustion_cannot_be_caught_or_swallowed(rig: Rig) -> None:
    module = rig.load(
        """
        def on_tick(ctx, dt):
            n = 0
            while True:
                try:
                    while True:
                        pass
                except Exception:
                    n += 1
                finally:
                    return n
        """
    )
    with pytest.raises(FuelExhausted):
        rig.tick(module)


GENERATOR = """
def counter():
    while True:
        for i in range(1000000):
            yield i

def spin():
    for i in range(10**9):
        yield i

g = counter()
s = spin()

def on_tick(ctx, dt):
    if dt > 1:
        while True:
            pass
    if dt < 0:
        for _ in s:
            pass
    return next(g)
"""


@pytest.mark.parametrize("tier", ["inprocess", "process"])
def test_a_generator_suspended_across_a_tripped_call_resumes_with_fresh_fuel(tier: str) -> None:
    r = make_rig(limits=Limits(fuel=10_000, timeout_ms=5_000), tier=tier)
    module = r.load(GENERATOR)
    try:
        results: list[object] = []
        for dt in (0.0, 0.0, 2.0, 0.0, 0.0, -1.0, 0.0):
            try:
                results.append(r.tick(module, dt))
            except FuelExhausted as exc:
                results.append(exc.code)
        # The loop inside the generator kept the fuel stream of a call that tripped: it
        # draws from the live call's budget, and a loop that never ends is still stopped.
        assert results == [0, 1, "SANDBOX_FUEL_EXHAUSTED", 2, 3, "SANDBOX_FUEL_EXHAUSTED", 4]
    finally:
        r.sandbox.close()


CAUGHT_RECURSION = """
def down(n):
    return down(n + 1)

def on_tick(ctx, dt):
    rounds = 0
    for _ in range(200):
        try:
            down(0)
        except RecursionError:
            pass
        rounds += 1
    return rounds, sum(i for i in range(100)), len([i for i in range(50)])
"""


@pytest.mark.timeout(120)
@pytest.mark.parametrize("tier", ["inprocess", "process"])
def test_loops_go_on_after_a_script_catches_a_recursion_error(tier: str) -> None:
    # A RecursionError can be raised where the meter's stream asks for its next chunk (at the
    # deepest frame); the stream is restarted in the except block, so no loop ends early.
    rig = make_rig(limits=Limits(fuel=5_000_000, timeout_ms=5_000), tier=tier)
    try:
        module = rig.load(CAUGHT_RECURSION)
        for _ in range(2):
            assert rig.tick(module) == (200, 4950, 50)
    finally:
        rig.sandbox.close()


def test_a_stream_ended_by_an_error_is_restarted_in_place(stream: str) -> None:
    if stream == "c":
        pytest.skip("the C stream is never ended by an error (test_fuel_stream.py)")
    meter = Meter(fuel=1000, timeout_ms=1000)
    meter.begin()
    stream = meter.stream
    refills = meter._refills  # type: ignore[attr-defined]

    def failing(_: object) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    meter._refills = map(failing, repeat(None))  # type: ignore[attr-defined]
    stream.__setstate__((meter._refills,))  # type: ignore[attr-defined]
    with pytest.raises(RecursionError):
        next(stream)
    assert next(stream, "ended") == "ended"  # a chain drops a source that raised
    meter._refills = refills  # type: ignore[attr-defined]
    meter.revive()
    assert meter.stream is stream
    assert next(stream) is True


SHUFFLE = """
import random
def on_tick(ctx, dt):
    r = random.Random(5)
    y = list(range(int(dt)))
    r.shuffle(y)
    return y[:20]
"""


@pytest.mark.parametrize("tier", ["inprocess", "process"])
def test_shuffle_draws_its_fuel_step_by_step_and_keeps_pythons_order(tier: str) -> None:
    expected = list(range(20))
    random.Random(5).shuffle(expected)
    rig = make_rig(limits=Limits(fuel=50_000_000, timeout_ms=20), tier=tier)
    try:
        module = rig.load(SHUFFLE)
        assert rig.tick(module, 20.0) == expected
        # A million steps of Python code run for the script: the deadline is checked
        # between them (it was checked only before the whole shuffle).
        with pytest.raises(ScriptFault) as caught:
            rig.tick(module, 1_000_000.0)
        assert caught.value.code == "SANDBOX_TIMEOUT"
    finally:
        rig.sandbox.close()


def test_functions_and_lambdas_return_their_own_values(rig: Rig) -> None:
    # A function's entry and a lambda's unit of fuel never take the place of its value
    # (a pull of the itertools stream is True; the C stream's step() returns None).
    module = rig.load(
        "def on_tick(ctx, dt):\n"
        "    f = lambda x: x * 2\n"
        "    def g(y):\n"
        "        return y + 1\n"
        "    return [f(3), g(4), sorted([3, 1, 2], key=lambda v: -v), (lambda: None)()]\n"
    )
    assert rig.tick(module) == [6, 5, [3, 2, 1], None]
