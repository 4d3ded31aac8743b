"""Lazy iterators built in C wrapped in one another: ordinary pipelines give plain Python's
results, and nesting past ``MAX_NESTING`` is ``SANDBOX_RECURSION_LIMIT`` before a ``next``
could run that many C frames (a hundred thousand overflowed the host's C stack)."""

from __future__ import annotations

import ast

import pytest

from host_api import DiagnosticCode
from sandbox.python._checker import Checker
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
    "map(lambda x: x, it)",
    "zip(it, it)",
    "enumerate(it, 1)",
    "map(abs, (it := map(abs, it)))",
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


DIRECT = """
def my_enumerate(xs, start=0):
    return [("mine", x) for x in xs]

def on_tick(ctx, dt):
    xs, d, t = [3, 0, 5], {"a": 1, "b": 0}, (1, 2)
    r, text, raw, fs = range(4), "ab", b"xy", frozenset({7})
    out = [list(enumerate(xs)), list(enumerate(xs, 5)), list(map(abs, xs))]
    out.append(list(map(lambda x: x + 1, r)))
    out.append(list(filter(None, xs)) + list(filter(None, d)))
    out.append(list(zip(text, raw)) + list(zip(t)) + list(zip(fs, xs)))
    it = iter(xs)
    out.append(list(enumerate(it)))
    out.append(isinstance(enumerate(xs), enumerate) and isinstance(map(abs, xs), map))
    out.append(rebound_here(xs) + rebound_globally(xs))
    return out

def rebound_here(xs):
    enumerate = my_enumerate
    return enumerate(xs)

def rebound_globally(xs):
    global zip
    zip = my_enumerate
    return zip(xs, xs)
"""


@pytest.mark.parametrize("tier", TIERS)
def test_lazy_builtins_built_directly_give_plain_pythons_results(tier: str) -> None:
    hook_result_as_plain(DIRECT, tier=tier)


def _source_of(call: str) -> str:
    errors: list[str] = []
    tree = Checker(errors, [], {}).visit(ast.parse(f"def f(xs, g, o):\n    return {call}\n"))
    assert not errors
    return ast.unparse(tree)


@pytest.mark.parametrize(
    ("call", "direct"),
    [
        ("enumerate(xs)", True),
        ("enumerate(xs, 1)", True),
        ("map(g, xs, xs)", True),
        ("map(lambda x: x * 2, xs)", True),
        ("filter(None, xs)", True),
        ("zip(xs, xs)", True),
        # Anything whose second reading could differ from the first takes the stand-in.
        ("enumerate(o.xs)", False),
        ("enumerate(xs, start=1)", False),
        ("enumerate(xs, g)", False),
        ("map(o.f, xs)", False),
        ("map(g, (xs := o))", False),
        ("map(lambda x, d=(xs := o): x, xs)", False),
        ("zip(xs, xs, xs)", False),  # three rows: the stand-in sizes the tuples
    ],
)
def test_only_calls_over_plain_names_are_built_directly(call: str, direct: bool) -> None:
    name = call.split("(", 1)[0]
    assert (f"_b{name}_(" in _source_of(call)) is direct
