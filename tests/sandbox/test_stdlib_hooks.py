"""Standard-library classes whose own Python code computes with what a script hands it
(``Counter`` counts, a ``Random`` subclass's draws, a ``NormalDist`` subclass's fields,
``quantiles`` sizes, a ``ChainMap``'s maps): ordinary use gives plain Python's results, and
what would grow or loop in host code is refused or charged before it runs."""

from __future__ import annotations

import pytest

from host_api import Limits
from sandbox import ScriptFault
from tests.compat.harness import Sandboxed, hook_fault, hook_result_as_plain

TIERS = ["inprocess", "process"]
#: Less fuel than the charged host work of each refusal test.
SMALL_FUEL = Limits(memory_mb=16, fuel=20_000, timeout_ms=5000)

ORDINARY = """
import collections, dataclasses, operator, random, statistics


@dataclasses.dataclass
class Unit:
    name: str
    stats: dict
    path: list


class Dice(random.Random):
    def random(self):
        return 0.25

    def _randbelow(self, n):
        return n - 1


class Bits(random.Random):
    def getrandbits(self, k):
        return k % 2


class Shifted(statistics.NormalDist):
    def shifted(self, by):
        return Shifted(self.mean + by, self.stdev)


def on_tick(ctx, dt):
    c = collections.Counter("abracadabra")
    c.update({"a": 2.5}, z=1)
    d = c + collections.Counter(b=3)
    c.subtract(d)
    e = collections.Counter(x=3, y=-1)
    a, b = {"x": 1}, {"x": 2, "y": 3}
    cm = collections.ChainMap(a, b).new_child({"z": 0})
    dice, bits = Dice(1), Bits(1)
    n = Shifted(1.0, 2.0).shifted(3.0)
    row = [0, 1, 2]
    operator.setitem(row, slice(0, 1), (7, 8))
    operator.setitem(row, 1, "x")
    return [
        row,
        sorted(c.items()), d.total(), sorted((e + e).items()), sorted((-e).items()),
        cm["x"], "y" in cm, len(cm), sorted(cm), cm.get("q", 9), bool(cm),
        sorted(cm.parents.items()), cm.copy() == cm,
        dice.uniform(0, 4), dice.choice("abc"), dice.randrange(0, 100, 7), dice.random(),
        bits.randrange(10), bits.getrandbits(5),
        n.mean, n.quantiles(), statistics.quantiles([1, 2, 3, 4, 5], n=4),
        dataclasses.asdict(Unit("u", {"hp": 3}, [Unit("v", {}, []), (1, 2)])),
        dataclasses.astuple(Unit("w", {"k": [1]}, [])),
    ]
"""


@pytest.mark.parametrize("tier", TIERS)
def test_ordinary_use_gives_plain_pythons_results(tier: str) -> None:
    hook_result_as_plain(ORDINARY, tier=tier)


def _fault(source: str, tier: str, limits: Limits | None = None) -> ScriptFault:
    """The fault ``source`` ends in, at load or in its hook (16 MB unless told)."""
    return hook_fault(source, tier=tier, limits=limits or Limits(memory_mb=16))  # type: ignore[no-any-return]


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize(
    "body",
    [
        "c = collections.Counter()\n    c['a'] = [0]\n    c.update(c)",
        "c = collections.Counter()\n    c['a'] = 'ab'\n    c.update(a='cd')",
        "c = collections.Counter(a=1)\n    c + collections.Counter({'a': [1]})",
        "c = collections.Counter()\n    c['a'] = (1,)\n    -c",
    ],
)
def test_counter_arithmetic_takes_number_counts_only(tier: str, body: str) -> None:
    fault = _fault(f"import collections\ndef on_tick(ctx, dt):\n    {body}\n", tier)
    assert fault.code == "SANDBOX_FORBIDDEN"
    assert "count that is not a number" in str(fault)


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize(
    ("method", "use"),
    [
        ("get(self, k, d=None):\n        return [0]", "c.update({'a': 2})"),
        ("items(self):\n        return [('a', [0])]", "c + c"),
        ("__missing__(self, k):\n        return 'ab'", "c.update(b=1)"),
    ],
)
def test_counter_arithmetic_refuses_a_class_that_reads_counts_itself(
    tier: str, method: str, use: str
) -> None:
    source = (
        f"import collections\nclass C(collections.Counter):\n    def {method}\n"
        f"def on_tick(ctx, dt):\n    c = C(a=1)\n    {use}\n"
    )
    fault = _fault(source, tier)
    assert fault.code == "SANDBOX_FORBIDDEN"
    assert "defines how counts are read" in str(fault)


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize(
    ("method", "call"),
    [
        ("random(self):\n        return [0] * 10", "r.uniform(0, 100)"),
        ("random(self):\n        return 1", "r.random()"),
        ("_randbelow(self, n):\n        return [0]", "r.randrange(0, 100, 7)"),
        ("_randbelow(self, n):\n        return n", "r.choice('abc')"),
        ("getrandbits(self, k):\n        return 1 << (k + 1)", "r.randrange(1000)"),
        ("getrandbits(self, k):\n        return -1", "r.randbytes(4)"),
    ],
)
def test_a_random_subclass_draws_what_a_generator_would(tier: str, method: str, call: str) -> None:
    source = (
        f"import random\nclass R(random.Random):\n    def {method}\n"
        f"def on_tick(ctx, dt):\n    r = R(1)\n    return {call}\n"
    )
    fault = _fault(source, tier)
    assert fault.code == "SANDBOX_FORBIDDEN"
    assert "of a subclass returned" in str(fault)


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("field", ["_mu", "_sigma"])
def test_a_normaldist_subclass_may_not_shadow_its_fields(tier: str, field: str) -> None:
    source = (
        f"import statistics\nclass N(statistics.NormalDist):\n    {field} = 0.0\n"
        "def on_tick(ctx, dt):\n    return 1\n"
    )
    fault = _fault(source, tier)
    assert fault.code == "SANDBOX_FORBIDDEN"
    assert field in str(fault)


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize(
    ("call", "code"),
    [
        ("statistics.NormalDist().quantiles(10 ** 7)", "SANDBOX_MEMORY_LIMIT"),
        ("statistics.NormalDist().quantiles(50000)", "SANDBOX_FUEL_EXHAUSTED"),
        ("statistics.quantiles([1, 2, 3], n=50000)", "SANDBOX_FUEL_EXHAUSTED"),
    ],
)
def test_quantiles_are_sized_and_charged_before_the_host_loop(
    tier: str, call: str, code: str
) -> None:
    source = f"import statistics\ndef on_tick(ctx, dt):\n    return len({call})\n"
    fault = _fault(source, tier, SMALL_FUEL)
    assert fault.code == code


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("use", ["len(cm)", "list(cm)", "'k' in cm", "cm.get('k')"])
def test_a_chainmap_charges_its_maps_before_looping_over_them(tier: str, use: str) -> None:
    # One call of each over 30,000 maps: more units than the call has, charged up front.
    source = (
        "import collections\nd = dict.fromkeys(range(10))\n"
        f"def on_tick(ctx, dt):\n    cm = collections.ChainMap(*[d] * 30000)\n    return {use}\n"
    )
    fault = _fault(source, tier, SMALL_FUEL)
    assert fault.code == "SANDBOX_FUEL_EXHAUSTED"


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("fn", ["asdict", "astuple"])
def test_asdict_counts_each_shared_part_every_time_it_reaches_it(tier: str, fn: str) -> None:
    # 2**16 visits of one shared list: more units than the call has, charged before the
    # host rebuilds them (the copy check alone sees 17 lists).
    source = (
        "import dataclasses\n@dataclasses.dataclass\nclass D:\n    x: object\n"
        "def on_tick(ctx, dt):\n    v = [0]\n    for i in range(16):\n        v = [v, v]\n"
        f"    return dataclasses.{fn}(D(v))\n"
    )
    fault = _fault(source, tier, SMALL_FUEL)
    assert fault.code == "SANDBOX_FUEL_EXHAUSTED"


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize(
    "call",
    [
        'typing.NamedTuple("T", [("f%d" % i, int) for i in range(256)])',
        'typing.NamedTuple("T", **{"f%d" % i: int for i in range(256)})',
        'typing.TypedDict("T", {"f%d" % i: int for i in range(256)})',
    ],
)
def test_functional_named_tuples_and_typed_dicts_take_the_namedtuple_field_cap(
    tier: str, call: str
) -> None:
    source = f"import typing\ndef on_tick(ctx, dt):\n    return {call}\n"
    fault = _fault(source, tier, Limits(memory_mb=16, timeout_ms=5000))
    assert fault.code == "SANDBOX_FORBIDDEN" and "at most 255" in str(fault)


@pytest.mark.parametrize("tier", TIERS)
def test_functional_named_tuples_and_typed_dicts_at_the_cap_work(tier: str) -> None:
    hook_result_as_plain(
        "import typing\n"
        "def on_tick(ctx, dt):\n"
        '    P = typing.NamedTuple("P", [("f%d" % i, int) for i in range(255)])\n'
        '    Q = typing.NamedTuple("Q", x=int, y=float)\n'
        '    D = typing.TypedDict("D", {"x": int, "y": str}, total=False)\n'
        "    return len(P(*range(255))), Q(1, 2.0).y, D(x=1)\n",
        tier=tier,
    )


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("names", ['".".join(["a"] * 50000)', '*(["a"] * 50000)'])
def test_attrgetter_charges_each_name_it_checks(tier: str, names: str) -> None:
    source = f"import operator\ndef on_tick(ctx, dt):\n    return operator.attrgetter({names})\n"
    fault = _fault(source, tier, SMALL_FUEL)
    assert fault.code == "SANDBOX_FUEL_EXHAUSTED"


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize(
    "use", ["c <= d", "c == d", "c > d", "(c.most_common(3), d.most_common(3))"]
)
def test_counter_comparisons_and_most_common_charge_per_key(tier: str, use: str) -> None:
    # 15,000 keys each: built within the budget (module body, first call), then one
    # comparison of both (30,000 units) is more than a call has.
    source = (
        "import collections\nc = collections.Counter(dict.fromkeys(range(15000), 1))\n"
        "d = None\ndef on_tick(ctx, dt):\n    global d\n    if d is None:\n"
        f"        d = collections.Counter(c)\n        return 0\n    return {use}\n"
    )
    box = Sandboxed(source, tier=tier, limits=SMALL_FUEL)
    try:
        assert box.call(0.0) == 0
        with pytest.raises(ScriptFault) as info:
            box.call(0.0)
        assert info.value.code == "SANDBOX_FUEL_EXHAUSTED"
    finally:
        box.close()


@pytest.mark.parametrize("tier", TIERS)
def test_a_long_random_choices_is_stopped_at_the_deadline_while_it_draws(tier: str) -> None:
    # Fuel and memory for all of it, not the time: it is drawn in charged chunks.
    source = (
        "import random\ndef on_tick(ctx, dt):\n"
        "    return len(random.choices(range(10), [1] * 10, k=3_000_000))\n"
    )
    fault = _fault(source, tier, Limits(memory_mb=128, fuel=50_000_000, timeout_ms=50))
    assert fault.code == "SANDBOX_TIMEOUT"


@pytest.mark.parametrize("tier", TIERS)
def test_random_choices_in_chunks_draws_what_one_call_draws(tier: str) -> None:
    hook_result_as_plain(
        "import random\ndef on_tick(ctx, dt):\n    out = []\n"
        "    for kw in ({}, {'weights': [1, 5, 2]}, {'cum_weights': [1, 6, 8]}):\n"
        "        r = random.Random(7)\n"
        "        out.append(''.join(r.choices('abc', k=10000, **kw)))\n"
        "        out.append(''.join(r.choices('abc', k=5, **kw)))\n"
        "    return out\n",
        tier=tier,
    )


#: Host objects in dicts, each dict checked after the ones before it were walked: the check
#: once remembered the ids of the item tuples it had walked and freed, and a later dict's
#: item tuple reusing one of them (Python's tuple free list) was skipped with its contents.
RECYCLED_IDS = """
import copy


def on_tick(ctx, dt):
    copy.deepcopy([{"y": ctx}, {"x": 1}])
    copy.deepcopy([{"y": [ctx.world]}, {"x": 1}, {"z": (2, 3)}])
    return "copied"
"""


@pytest.mark.parametrize("tier", TIERS)
def test_deepcopy_checks_every_object_whatever_was_freed_before(tier: str) -> None:
    fault = hook_fault(RECYCLED_IDS, tier=tier)
    assert fault.code == "SANDBOX_FORBIDDEN"
    assert "copy of a ScriptContext object" in str(fault)
    plain = RECYCLED_IDS.replace('"y": ctx', '"y": 0').replace("[ctx.world]", "[0]")
    hook_result_as_plain(plain, tier=tier)


def _enum_source(members: int) -> str:
    body = "\n".join(f"    M{i} = [{i}]" for i in range(members))
    return (
        "from enum import Enum, IntFlag\n\n\nclass Big(Enum):\n" + body + "\n\n\n"
        "class Bits(IntFlag):\n    A = 1\n    B = 2\n\n\n"
        "def on_tick(ctx, dt):\n    return len(Big), Big.M3.value, int(Bits.A | Bits.B)\n"
    )


@pytest.mark.parametrize("tier", TIERS)
def test_an_enum_of_up_to_a_thousand_members_works(tier: str) -> None:
    hook_result_as_plain(_enum_source(1024), tier=tier)


@pytest.mark.parametrize("tier", TIERS)
def test_an_enum_past_the_member_cap_is_refused_before_it_is_built(tier: str) -> None:
    # Unhashable values make the host's enum machinery compare each member with every earlier
    # one, in host code no fuel meters.
    fault = hook_fault(_enum_source(1025), tier=tier)
    assert fault.code == "SANDBOX_FORBIDDEN"
    assert "enum Big has 1025 members (at most 1024" in str(fault)
