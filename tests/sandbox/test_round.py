"""``round(x, n)`` of an int with a negative ``n`` computes ``10**-n`` in one C call:
``round(5, -10**8)`` took minutes of the host in process. Past the int's own size the
sandbox answers 0 without that work; everywhere else it is Python's ``round``."""

from __future__ import annotations

import pytest

from host_api import Limits
from tests.compat.harness import Sandboxed

TIERS = ["inprocess", "process"]

TABLE = """
class Mine(int):
    def __round__(self, n=None):
        return "mine"


def on_tick(ctx, dt):
    out = []
    for x in (0, 5, -5, 15, 25, -25, 7, True, 2 ** 200 + 3, -(3 ** 150), 10 ** 40 + 6, 1.25,
              -2.5, 1e300, Mine(3)):
        for n in (None, 0, 1, 3, -1, -2, -3, -40, -41, -60, -61, -62, -100, -10 ** 9):
            try:
                out.append(repr(round(x) if n is None else round(x, n)))
            except Exception as exc:
                out.append(type(exc).__name__)
    for bad in (1.5, "2"):
        try:
            round(5, bad)
        except TypeError as exc:
            out.append(str(exc))
    return out
"""


@pytest.mark.parametrize("tier", TIERS)
def test_round_gives_plain_pythons_results(tier: str) -> None:
    plain: dict[str, object] = {}
    exec(compile(TABLE.replace("-10 ** 9", "-10 ** 4"), "plain", "exec"), plain)
    expected = plain["on_tick"](None, 0.0)  # type: ignore[operator]
    box = Sandboxed(TABLE, tier=tier)
    try:
        # -10**9 is past every int here: the same answers as -10**4 (all 0 or the float's).
        assert box.call(0.0) == expected
    finally:
        box.close()


@pytest.mark.parametrize("tier", TIERS)
def test_rounding_to_a_huge_power_of_ten_does_no_work(tier: str) -> None:
    # Without the shortcut this call computes 10**(10**9) and never returns in time.
    source = "def on_tick(ctx, dt):\n    return round(5, -10 ** 9), round(-(2 ** 5000), -2000)\n"
    box = Sandboxed(source, tier=tier, limits=Limits(timeout_ms=50))
    try:
        assert box.call(0.0) == (0, 0)
    finally:
        box.close()
