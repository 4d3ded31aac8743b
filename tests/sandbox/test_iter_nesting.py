"""Lazy iterators built in C wrapped in one another: ordinary pipelines give plain Python's
results, and nesting past ``MAX_NESTING`` is ``SANDBOX_RECURSION_LIMIT`` before a ``next``
could run that many C frames (a hundred thousand overflowed the host's C stack)."""

from __future__ import annotations

import pytest

from host_api import DiagnosticCode
from sandbox.python._nesting import MAX_NESTING
from tests.compat.harness import Sandboxed, hook_fault, hook_result_as_plain

TIERS = ["inprocess", "process"]

PIPELINES = """
import itertools

def on_tick(ctx, dt):
    words = ["apple", "avocado", "banana", "blueberry", "cherry"]
    out = []
    out.append(list(enumerate(filter(None, map(str.strip, words)), start=1)))
    out.append(list(zip(words, map(len, words), strict=True)))
    out.append([(k, list(g)) for k, g in itertools.groupby(words, key=lambda w: w[0])])
    a, b = itertools.tee(map(len, words))
    out.append((list(a), sum(b)))
    out.append(list(itertools.chain.from_iterable(map(list, words[:2]))))
    out.append(list(itertools.islice(itertools.cycle(words), 7)))
    out.append(list(itertools.accumulate(map(len, words))))
    it = iter(range(50))
    for _ in range(100):
        it = map(abs, filter(None, it))
    out.append(sum(it))
    out.append(isinstance(map(abs, []), map) and isinstance(zip(), zip))
    return out
"""


@pytest.mark.parametrize("tier", TIERS)
def test_pipelines_give_plain_pythons_results(tier: str) -> None:
    hook_result_as_plain(PIPELINES, tier=tier)


WRAPS = [
    "map(abs, it)",
    "filter(None, it)",
    "zip(it)",
    "enumerate(it)",
    "itertools.islice(it, 10)",
    "itertools.chain(it)",
    "itertools.starmap(divmod, it)",
    "itertools.accumulate(it)",
    "itertools.zip_longest(it)",
    "itertools.pairwise(it)",
    "itertools.compress(it, it)",
    "itertools.tee(it)[1]",
    "next(itertools.groupby(itertools.chain([0], it)))[1]",
]


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("wrap", WRAPS)
def test_nesting_past_the_limit_is_a_recursion_fault(tier: str, wrap: str) -> None:
    source = (
        "import itertools\n"
        "def on_tick(ctx, dt):\n"
        "    it = iter([1, 2, 3])\n"
        f"    for i in range({MAX_NESTING + 10}):\n"
        f"        it = {wrap}\n"
        "    return next(it, 0)\n"
    )
    fault = hook_fault(source, tier=tier)
    assert fault.code is DiagnosticCode.SANDBOX_RECURSION_LIMIT
    assert "collect into a list" in str(fault)


def test_the_refusal_can_be_caught_and_the_last_good_iterator_still_runs() -> None:
    source = (
        "def on_tick(ctx, dt):\n"
        "    it = iter(range(5))\n"
        "    built = 0\n"
        "    try:\n"
        "        while True:\n"
        "            it = map(abs, it)\n"
        "            built += 1\n"
        "    except RecursionError:\n"
        "        pass\n"
        "    return built, sum(it)\n"
    )
    box = Sandboxed(source)
    try:
        assert box.call(0.0) == (MAX_NESTING, 10)
    finally:
        box.close()
