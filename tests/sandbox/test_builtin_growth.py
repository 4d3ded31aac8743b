"""Concatenation that builtins and standard-library helpers do in C goes through the same
allocation guard as a script's own ``+``: ``sum(lists, [])`` and ``itertools.accumulate``
(whose default function is ``+``) are stopped by the memory limit, in both tiers."""

from __future__ import annotations

import pytest

from host_api import Limits
from sandbox import MemoryLimitExceeded

from .conftest import make_rig

LIMITS = Limits(fuel=5_000_000, timeout_ms=2_000, memory_mb=16)
TIERS = ["inprocess", "process"]


def _tick(body: str) -> str:
    lines = "\n".join("    " + line for line in body.strip().splitlines())
    return f"def on_tick(ctx, dt):\n{lines}\n    return 1\n"


CONCATENATION = {
    "sum-start": "sum([inner] * 1000, [])",
    "sum-start-keyword": "sum([inner] * 1000, start=[])",
    "sum-tuples": "sum([tuple(inner)] * 1000, ())",
    "accumulate": "list(itertools.accumulate([inner] * 1000))",
}


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("name", sorted(CONCATENATION))
def test_concatenation_in_c_builtins_takes_the_guard(name: str, tier: str) -> None:
    # sum() with a list start and accumulate()'s default '+' concatenate in C; each '+'
    # goes through the allocation guard, so the limit stops them (not the clock, later).
    rig = make_rig(limits=LIMITS, tier=tier)
    try:
        source = "import itertools\n" + _tick("inner = [0] * 100000\nx = " + CONCATENATION[name])
        with pytest.raises(MemoryLimitExceeded):
            rig.tick(rig.load(source))
        ok = rig.load(
            "import itertools\ndef on_tick(ctx, dt):\n"
            "    return (sum([[1], [2]], []), sum([(1,), (2,)], ()), sum([1, 2], 5),\n"
            "            list(itertools.accumulate([1, 2, 3])),\n"
            "            list(itertools.accumulate([1, 2], initial=10)))\n",
            "scripts/ok.py",
        )
        assert rig.tick(ok) == ([1, 2], (1, 2), 8, [1, 3, 6], [10, 11, 13])
    finally:
        rig.sandbox.close()
