"""Retained-memory accounting: keeping data is free, growing it past the limit is stopped.

The walk over a mod's data is incremental and paid for by each call's work (``_memory.py``);
these tests hold it to that in both tiers, and check what it counts.
"""

from __future__ import annotations

import gc
import sys

import pytest

from host_api import DiagnosticCode, Limits, ScriptContext
from sandbox import MemoryLimitExceeded, ScriptFault
from sandbox.python._memory import CHUNK, RetainedWalk, retained_bytes

from .conftest import make_rig

#: A mod that builds a lookup table in its module body and reads one entry per tick.
TABLE_MOD = """
TABLE = {{i: i * 3 for i in range({n})}}
def on_tick(ctx, dt):
    ctx.state["v"] = TABLE[ctx.tick % {n}] if ctx.tick is not None else 0
    return len(TABLE)
"""
GROWING = """
junk = []
def on_tick(ctx, dt):
    junk.append("x" * 1000000)
    return len(junk)
"""
BIG_LIMITS = Limits(fuel=3_000_000, timeout_ms=5_000, memory_mb=64)


def _mod_ctx(rig) -> ScriptContext:  # type: ignore[no-untyped-def]
    # A mod script's ctx: no entity (the call that runs once per tick for the whole mod).
    return ScriptContext(rig.api, {}, None)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("tier", ["inprocess", "process"])
def test_a_mod_holding_a_400k_entry_table_loads_and_ticks_in_both_tiers(tier: str) -> None:
    rig = make_rig(limits=BIG_LIMITS, tier=tier)
    try:
        module = rig.load(TABLE_MOD.format(n=400_000), path="scripts/table.py")
        ctx = _mod_ctx(rig)
        for _ in range(30):
            assert rig.sandbox.call(module, "on_tick", ctx, 0.1) == 400_000
    finally:
        rig.sandbox.close()


def test_the_walk_a_call_pays_for_does_not_grow_with_the_data_kept() -> None:
    visits = {}
    for n in (1_000, 400_000):
        rig = make_rig(limits=BIG_LIMITS)
        module = rig.load(TABLE_MOD.format(n=n))
        walk = rig.sandbox._retained  # type: ignore[attr-defined]
        ctx = _mod_ctx(rig)
        before = walk.visits
        for _ in range(50):
            rig.sandbox.call(module, "on_tick", ctx, 0.1)
        visits[n] = walk.visits - before
        rig.sandbox.close()
    # A small mod finishes a pass per tick; the big one walks a chunk per tick, never more.
    assert visits[400_000] <= 50 * (CHUNK + 16)
    assert visits[400_000] <= 2 * visits[1_000] + 50 * CHUNK


@pytest.mark.timeout(120)
@pytest.mark.parametrize("tier", ["inprocess", "process"])
def test_growth_past_the_limit_is_still_stopped_next_to_a_big_table(tier: str) -> None:
    rig = make_rig(limits=BIG_LIMITS, tier=tier)
    try:
        module = rig.load(TABLE_MOD.format(n=100_000) + GROWING, path="scripts/grow.py")
        ctx = _mod_ctx(rig)
        with pytest.raises(MemoryLimitExceeded) as info:
            for _ in range(400):
                rig.sandbox.call(module, "on_tick", ctx, 0.1)
        assert info.value.code == DiagnosticCode.SANDBOX_MEMORY_LIMIT
        assert "keeps more than its memory limit" in info.value.message
    finally:
        rig.sandbox.close()


@pytest.mark.parametrize("tier", ["inprocess", "process"])
def test_a_module_body_keeping_too_much_is_stopped_at_load(tier: str) -> None:
    rig = make_rig(limits=Limits(fuel=3_000_000, timeout_ms=5_000, memory_mb=4), tier=tier)
    try:
        with pytest.raises(ScriptFault) as info:
            rig.load(TABLE_MOD.format(n=400_000), path="scripts/table.py")
        assert info.value.code == DiagnosticCode.SANDBOX_MEMORY_LIMIT
    finally:
        rig.sandbox.close()


# -- what the walk counts ----------------------------------------------------------------------
def test_shared_values_count_once_and_cycles_end() -> None:
    row = [1.5] * 100
    shared = {"a": row, "b": row}
    assert retained_bytes([shared], 1 << 30) < retained_bytes([{"a": row, "b": list(row)}], 1 << 30)
    loop: list[object] = []
    loop.append(loop)
    assert 0 < retained_bytes([loop, {"x": loop}], 1 << 30) < 1000


def test_a_finished_incremental_pass_counts_what_one_walk_counts() -> None:
    data = {"rows": [[i, str(i), float(i)] for i in range(5_000)], "name": "x" * 1000}
    expected = retained_bytes([data], 1 << 30)
    walk = RetainedWalk(1 << 30)
    steps = 0
    while walk.passes == 0:
        walk.earn(CHUNK)
        assert walk.step(lambda: [data]) is None
        steps += 1
    assert steps > 10  # spread over many calls, not done at once
    assert walk.last_total == expected


def test_the_walk_stops_past_the_limit_and_starts_afresh() -> None:
    big = ["y" * 10_000 for _ in range(100)]
    walk = RetainedWalk(100_000)
    walk.earn(CHUNK)
    over = walk.step(lambda: [big])
    assert over is not None and over > 100_000
    assert walk.credit == 0 and walk.passes == 0
    small = RetainedWalk(1 << 20)
    small.earn(CHUNK)
    assert small.step(lambda: [big]) is None and small.passes == 1


# -- a loop's range is CPU, not memory (issue 17) -------------------------------------------
LAZY = """
def count():
    for i in range(10**7):
        yield i
G = count()
def on_tick(ctx, dt):
    firsts = [next(G) for _ in range(3)]
    total = sum(x for x in range(100000))
    evens = [x for x in range(10**12) if x < 4]  # runs out of fuel, never allocates 8 TB
    return firsts, total
"""


@pytest.mark.parametrize("tier", ["inprocess", "process"])
def test_ranges_a_loop_iterates_cost_fuel_not_memory(tier: str) -> None:
    rig = make_rig(limits=Limits(fuel=1_000_000, timeout_ms=5_000), tier=tier)
    try:
        module = rig.load(LAZY.replace("    evens = [x for x in range(10**12) if x < 4]", ""))
        assert rig.tick(module) == ([0, 1, 2], sum(range(100000)))
        assert rig.tick(module) == ([3, 4, 5], sum(range(100000)))
        endless = rig.load(LAZY, path="scripts/endless.py")
        with pytest.raises(ScriptFault) as info:
            rig.tick(endless)
        assert info.value.code in ("SANDBOX_FUEL_EXHAUSTED", "SANDBOX_TIMEOUT")
    finally:
        rig.sandbox.close()


@pytest.mark.parametrize(
    "body",
    [
        "return list(range(10**8))",
        "r = range(10**8)\nfor i in r:\n    pass",
        "return [*range(10**8)]",
        "return set(range(10**8))",
        "r = range\nreturn list(r(10**8))",
        "return list(reversed(range(10**8)))",
    ],
)
def test_ranges_that_reach_a_script_or_a_c_consumer_stay_capped(body: str) -> None:
    rig = make_rig(limits=Limits(timeout_ms=5_000))
    source = "def on_tick(ctx, dt):\n" + "".join(f"    {line}\n" for line in body.splitlines())
    module = rig.load(source)
    with pytest.raises(MemoryLimitExceeded):
        rig.tick(module)
    rig.sandbox.close()


@pytest.mark.parametrize("call", ["range(0, n)", "r(0, n)"])
def test_the_range_cap_is_the_same_inline_and_through_the_builtin(call: str) -> None:
    # range(...) outside a loop is checked inline; an alias calls the builtin's own check.
    rig = make_rig(limits=Limits(memory_mb=16))
    cap = 16 * 1024 * 1024 // 8
    module = rig.load(f"r = range\ndef on_tick(ctx, n):\n    n = int(n)\n    return len({call})\n")
    assert rig.tick(module, float(cap)) == cap
    with pytest.raises(MemoryLimitExceeded) as info:
        rig.tick(module, float(cap + 1))
    assert f"range of {cap + 1} items" in str(info.value)
    rig.sandbox.close()


def test_a_script_that_rebinds_range_keeps_its_own() -> None:
    rig = make_rig()
    module = rig.load(
        "def on_tick(ctx, dt):\n"
        "    range = lambda n: [n, n]\n"
        "    return [x for x in range(10**9)]\n"
    )
    assert rig.tick(module) == [10**9, 10**9]
    rig.sandbox.close()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("tier", ["inprocess", "process"])
def test_growth_inside_a_dict_that_changes_size_every_tick_is_stopped(tier: str) -> None:
    # The walk's cursor in a dict that changed size carries on from about the same place.
    source = (
        "TABLE = {i: i * 3 for i in range(100000)}\n"
        "d = {}\n"
        "def on_tick(ctx, dt):\n"
        "    d[len(d)] = 'x' * 200000\n"
        "    TABLE[-len(d)] = 1\n"
    )
    rig = make_rig(limits=Limits(fuel=3_000_000, timeout_ms=5_000, memory_mb=32), tier=tier)
    try:
        module = rig.load(source)
        ctx = _mod_ctx(rig)
        with pytest.raises(MemoryLimitExceeded):
            for _ in range(1000):
                rig.sandbox.call(module, "on_tick", ctx, 0.1)
    finally:
        rig.sandbox.close()


def test_bulk_work_in_c_is_stopped_by_the_address_space_limit_in_the_process_tier() -> None:
    # list(range(n)) builds millions of objects in one step of fuel, earning the walk no
    # credit: in the process tier the worker's address-space limit stops it.
    source = (
        "TABLE = {i: i * 3 for i in range(100000)}\n"
        "junk = []\n"
        "def on_tick(ctx, dt):\n"
        "    junk.append(list(range(1000000)))\n"
    )
    rig = make_rig(limits=Limits(fuel=3_000_000, timeout_ms=5_000, memory_mb=32), tier="process")
    try:
        module = rig.load(source)
        ctx = _mod_ctx(rig)
        with pytest.raises(MemoryLimitExceeded):
            for _ in range(12):
                rig.sandbox.call(module, "on_tick", ctx, 0.1)
    finally:
        rig.sandbox.close()


def test_memory_growth_turns_the_next_check_into_a_whole_walk() -> None:
    memory = [100 << 20]
    walk = RetainedWalk(16 << 20)
    walk.watch(lambda: memory[0])
    assert not walk.grown()
    memory[0] += 3 << 20  # under a quarter of the limit
    assert not walk.grown()
    memory[0] += 1 << 20
    assert walk.grown()
    assert not walk.grown()  # said once per growth
    walk.watch(None)
    memory[0] += 100 << 20
    assert not walk.grown()
    data = [[i] for i in range(20_000)]
    walk.earn(CHUNK)
    assert walk.step(lambda: [data]) is None and walk.passes == 0
    assert walk.step(lambda: [data], whole=True) is None and walk.passes == 1
    assert walk.last_total == retained_bytes([data], 1 << 30)


@pytest.mark.timeout(120)
def test_growth_is_stopped_when_the_host_peak_was_reached_earlier() -> None:
    # A long-running host has long since reached its peak resident size, so growth that reuses
    # freed memory never looks like new growth; medium allocations must pay for the walk.
    source = (
        "TABLE = {i: i * 3 for i in range(100000)}\n"
        "d = {}\n"
        "def on_tick(ctx, dt):\n"
        "    d[len(d)] = 'x' * 200000\n"
    )
    rig = make_rig(limits=Limits(fuel=3_000_000, timeout_ms=5_000, memory_mb=32))
    try:
        module = rig.load(source)
        rig.sandbox.retained.watch(None)  # no whole walks: only what calls earn
        ctx = _mod_ctx(rig)
        with pytest.raises(MemoryLimitExceeded):
            for _ in range(400):
                rig.sandbox.call(module, "on_tick", ctx, 0.1)
    finally:
        rig.sandbox.close()


def _each_object_once(roots: list[object]) -> int:
    """The reference count: every object reachable through plain containers, once."""
    seen: set[int] = set()
    total, stack = 0, list(roots)
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if type(obj) is dict:
            stack += [*obj.keys(), *obj.values()]
        elif type(obj) in (list, tuple, set, frozenset):
            stack += list(obj)
    return total


def test_entity_states_count_each_object_once_whatever_they_share() -> None:
    shared_value = float("1.5")  # one float object in some states
    shared_key = "".join(["sha", "red"])  # one (not interned) key string in every state
    states: list[dict[object, object]] = []
    for i in range(300):
        state: dict[object, object] = {"n": i * 1000, "x": float(i), shared_key: -float(i)}
        if i % 5 == 0:
            state[shared_key] = shared_value
        if i % 7 == 0:
            state["k" * 2000 + str(i)] = i  # a big key of its own
        if i % 11 == 0:
            state["path"] = [float(i), (i, str(i))]  # not only leaves
        if i % 13 == 0:
            state["twice"] = states[-1].get("x", 0.0) if states else 0.0  # another state holds it
        if i % 3 == 0:
            state = {}  # an empty state (counted in one step)
        if i % 17 == 0:
            # Emptied one by one: a dict keeps its table, so it is bigger than a new one.
            state = {"a": 1, "b": 2}
            del state["a"], state["b"]
        states.append(state)
    # The mod also keeps some states in its module data: still counted once.
    kept = [states[0], states[3], states[5], [states[6]]]
    walk = RetainedWalk(10**9)
    walk.note_states("sheep", states)
    while walk.step(lambda: kept) is None and walk._stack:
        walk.credit = 10**6
    assert walk.last_total == _each_object_once([*kept, *states])


HOLDER = """
class Holder:
    def __init__(self):
        self.junk = []
class Slotted:
    __slots__ = ("junk",)
    def __init__(self):
        self.junk = []
h = {cls}()
def on_tick(ctx, dt):
    h.junk.append("x" * 1000000)
    return len(h.junk)
"""


@pytest.mark.parametrize("cls", ["Holder", "Slotted"])
def test_growth_held_by_an_objects_attribute_is_stopped_without_building_its_dict(
    cls: str,
) -> None:
    rig = make_rig(limits=BIG_LIMITS)
    module = rig.load(HOLDER.format(cls=cls))
    try:
        with pytest.raises(MemoryLimitExceeded):
            for _ in range(200):
                rig.sandbox.call(module, "on_tick", _mod_ctx(rig), 0.1)
        # The walk read the attributes as the garbage collector sees them: the instance
        # keeps its values inline (no __dict__ built), so its attribute access stays fast.
        holder = module.handle["h"]  # type: ignore[index]
        assert not any(type(r) is dict for r in gc.get_referents(holder))
    finally:
        rig.sandbox.close()


#: Places a script can keep data besides its module globals and containers.
HOARDS = {
    "sys.argv": "import sys\ndef on_tick(ctx, dt):\n    sys.argv.append('x' * 1000000)\n",
    "a name set on a module": (
        "import math\ndef on_tick(ctx, dt):\n"
        "    setattr(math, 'k' + 'ept', getattr(math, 'k' + 'ept', []) + ['x' * 1000000])\n"
    ),
    "a module imported in a hook": (
        "def on_tick(ctx, dt):\n    import sys\n    sys.argv.append('x' * 1000000)\n"
    ),
    "a function attribute": (
        "def f():\n    pass\nf.kept = []\ndef on_tick(ctx, dt):\n    f.kept.append('x' * 1000000)\n"
    ),
    "an attribute of the sandbox's print": (
        "def on_tick(ctx, dt):\n    if not hasattr(print, 'kept'):\n        print.kept = []\n"
        "    print.kept.append('x' * 1000000)\n"
    ),
    "a class attribute of range": (
        "def on_tick(ctx, dt):\n    if not hasattr(range, 'kept'):\n        range.kept = []\n"
        "    range.kept.append('x' * 1000000)\n"
    ),
    "an exception's args": (
        "E = ValueError([])\ndef on_tick(ctx, dt):\n    E.args[0].append('x' * 1000000)\n"
    ),
    "an exception's attribute": (
        "E = KeyError()\nE.kept = []\ndef on_tick(ctx, dt):\n    E.kept.append('x' * 1000000)\n"
    ),
    "a generator's local": (
        "def g():\n    kept = []\n    while True:\n        kept.append((yield))\n"
        "G = g()\nnext(G)\ndef on_tick(ctx, dt):\n    G.send('x' * 1000000)\n"
    ),
    "a partial's arguments": (
        "import functools\nP = functools.partial(max, [])\n"
        "def on_tick(ctx, dt):\n    P.args[0].append('x' * 1000000)\n"
    ),
    "an iterator's list": (
        "def make():\n    inner = []\n    return iter([inner]), inner\n"
        "IT, INNER = make()\nADD = INNER.append\ndel INNER\n"
        "def on_tick(ctx, dt):\n    ADD('x' * 1000000)\n"
    ),
    "an lru_cache's entries": (
        "import functools\n@functools.cache\ndef f(n):\n    return 'x' * 1000000 + str(n)\n"
        "K = []\ndef on_tick(ctx, dt):\n    K.append(1)\n    f(len(K))\n"
    ),
    "a ChainMap's maps": (
        "import collections\nC = collections.ChainMap({})\nK = []\n"
        "def on_tick(ctx, dt):\n    K.append(1)\n    C[len(K)] = 'x' * 1000000\n"
    ),
    "an attribute of a random.Random": (
        "import random\nR = random.Random(3)\nR.kept = []\n"
        "def on_tick(ctx, dt):\n    R.kept.append('x' * 1000000)\n"
    ),
    "a cmp_to_key wrapper's value": (
        "import functools\nK = functools.cmp_to_key(lambda a, b: 0)([])\n"
        "def on_tick(ctx, dt):\n    K.obj.append('x' * 1000000)\n"
    ),
    "the object of a kept super()": (
        "class A:\n    def __init__(self):\n        self.kept = []\n"
        "    def add(self, x):\n        self.kept.append(x)\n"
        "class B(A):\n    pass\nS = super(B, B())\n"
        "def on_tick(ctx, dt):\n    S.add('x' * 1000000)\n"
    ),
    "a bound builtin method's list": (
        "ADD = [].append\ndef on_tick(ctx, dt):\n    ADD('x' * 1000000)\n"
    ),
}


@pytest.mark.parametrize("where", sorted(HOARDS))
def test_data_kept_outside_module_globals_and_containers_is_counted(where: str) -> None:
    rig = make_rig(limits=Limits(memory_mb=8, timeout_ms=1000))
    module = rig.load(HOARDS[where])
    with pytest.raises(ScriptFault) as info:
        for _ in range(40):
            rig.sandbox.call(module, "on_tick", _mod_ctx(rig), 0.1)
    assert info.value.code == DiagnosticCode.SANDBOX_MEMORY_LIMIT
    rig.sandbox.close()


def test_the_sandboxs_own_objects_are_not_counted_as_the_mods() -> None:
    # Every module imported and nothing kept: the builtins, the modules and their classes
    # are walked only for what a script may have set on them.
    from sandbox.python._stdlib import MODULES

    rig = make_rig(limits=Limits(memory_mb=4, timeout_ms=1000))
    source = "".join(f"import {m}\n" for m in MODULES) + "def on_tick(ctx, dt):\n    pass\n"
    module = rig.load(source)
    for _ in range(50):
        rig.sandbox.call(module, "on_tick", _mod_ctx(rig), 0.1)
    walk = rig.sandbox._retained  # type: ignore[attr-defined]
    walk.step(rig.sandbox._roots, whole=True)  # type: ignore[attr-defined]
    assert walk.last_total < 16 * 1024
    rig.sandbox.close()


@pytest.mark.parametrize("name", ["MISSING", "KW_ONLY"])
def test_the_hosts_shared_sentinels_take_no_attributes(name: str) -> None:
    # dataclasses hands out the host's own objects: a name set on one would reach every
    # other mod and stay after a reload.
    rig = make_rig()
    module = rig.load(
        f"import dataclasses\ndef on_tick(ctx, dt):\n    dataclasses.{name}.kept = []\n"
    )
    with pytest.raises(ScriptFault) as info:
        rig.sandbox.call(module, "on_tick", _mod_ctx(rig), 0.1)
    assert "read-only" in info.value.message
    rig.sandbox.close()
