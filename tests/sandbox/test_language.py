"""Ordinary Python in scripts: annotations, print, classes, private names, type(), imports.

Each test runs a snippet in a real sandbox; refusals are checked by code, line and wording
(the construct, and what to write instead).
"""

from __future__ import annotations

import collections
import random

import pytest

from host_api import Limits
from sandbox import ScriptFault, ScriptRejected, check_script

from .conftest import Rig, make_rig


def _problems(source: str) -> list[tuple[int | None, str]]:
    result = check_script(source, "scripts/t.py")
    assert not result.ok
    return [(p.line, p.message) for p in result.errors]


def test_annotations_of_every_kind_compile_and_run(rig: Rig) -> None:
    module = rig.load(
        """
        from __future__ import annotations
        from typing import List, Optional, Dict
        from collections.abc import Iterable
        count: int = 3
        names: List[str]

        class Box:
            size: Optional[int] = None
            items: Dict[str, int]

        def total(xs: Iterable[int], *, start: int = 0) -> int:
            acc: int = start
            for x in xs:
                acc += x
            return acc

        def on_tick(ctx, dt: float) -> int:
            return total([1, 2, count]) + (Box.size or 0)
        """
    )
    assert rig.tick(module) == 6


def test_type_hint_imports_give_no_second_wrong_error() -> None:
    problems = _problems("from __future__ import annotations\nfrom typing import List\nimport os\n")
    assert len(problems) == 1
    line, message = problems[0]
    assert line == 3 and message.startswith(
        'import of "os" is not allowed; scripts may import only:'
    )
    assert "math" in message and "typing" in message


def test_print_goes_to_the_mod_log_and_module_level_lines_wait_for_a_call(rig: Rig) -> None:
    module = rig.load(
        "print('loaded', 1)\ndef on_tick(ctx, dt):\n    print('tick', dt, sep='=', end='!\\n')\n"
    )
    assert rig.world.logs == []
    rig.tick(module)
    assert [text for _, text in rig.world.logs] == ["loaded 1", "tick=0.5!"]


def test_print_without_the_log_capability_is_denied() -> None:
    from host_api import ScriptContext
    from host_api.testing import recording_api
    from sandbox import create_sandbox

    api, world, _ = recording_api("quiet", frozenset({"world.read"}))
    with create_sandbox("quiet", Limits(timeout_ms=1000)) as box:
        module = box.load("scripts/p.py", "def on_tick(ctx, dt):\n    print('hi')\n")
        with pytest.raises(ScriptFault) as info:
            box.call(module, "on_tick", ScriptContext(api, {}, None), 0.1)
    assert info.value.code == "CAPABILITY_DENIED"
    assert world.logs == []


CLASSES = """
from dataclasses import dataclass
from enum import Enum
import functools

class Base:
    _registry = []

    def __init__(self, name):
        self._name = name
        self.__secret = len(name)
        Base._registry.append(name)

    @property
    def name(self):
        return self._name

    @staticmethod
    def shout(s):
        return s.upper()

    @classmethod
    def make(cls, name):
        return cls(name)

    def __eq__(self, other):
        return isinstance(other, Base) and self._name == other._name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f"{type(self).__name__}({self._name!r}, {self.__secret})"

@functools.total_ordering
class Child(Base):
    def __init__(self, name, rank=0):
        super().__init__(name)
        self.rank = rank

    def __lt__(self, other):
        return self.rank < other.rank

@dataclass(order=True)
class Card:
    rank: int
    suit: str = "spades"

class Colour(Enum):
    RED = 1
    BLUE = 2

def on_tick(ctx, dt):
    a, b = Child.make("ann"), Child("bob", 2)
    return [repr(a), a == Child("ann"), len({a, Child("ann")}), a < b, Base.shout(b.name),
            sorted([Card(3), Card(1, "hearts")])[0].suit, Colour(2).name, Base._registry,
            type(a) is Child, type(3).__name__, a.__class__.__name__]
"""


def test_ordinary_classes_dataclasses_and_enums_run(rig: Rig) -> None:
    assert rig.tick(rig.load(CLASSES)) == [
        "Child('ann', 3)", True, 1, True, "BOB", "hearts", "BLUE", ["ann", "bob", "ann", "ann"],
        True, "int", "Child",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("    def __getattr__(self, n):\n        return 1\n", ["__getattr__", "attribute hooks"]),
        ("    def __del__(self):\n        pass\n", ["__del__", "finalizers"]),
        ("    def __set_name__(self, o, n):\n        pass\n", ["__set_name__", "property"]),
        ("    def __init_subclass__(cls):\n        pass\n", ["__init_subclass__", "directly"]),
        ("    def __reduce_ex__(self, p):\n        pass\n", ["__reduce_ex__", "plain data"]),
        ("    def __get__(self, o, t):\n        pass\n", ["__get__", "descriptors"]),
        ("    def __class_getitem__(cls, k):\n        pass\n", ["__class_getitem__"]),
        ("    def __fancy__(self):\n        pass\n", ["__fancy__", "ordinary method name"]),
    ],
)
def test_dangerous_special_methods_are_refused_with_a_reason(body: str, words: list[str]) -> None:
    [(line, message)] = _problems("x = 1\nclass A:\n" + body)
    assert line == 3
    assert message.startswith("class A: ")
    for word in words:
        assert word in message


def test_metaclass_keyword_is_refused_with_what_to_write() -> None:
    [(line, message)] = _problems("class M:\n    pass\nclass A(M, metaclass=M):\n    pass\n")
    assert line == 3
    assert "metaclasses are not allowed" in message and "instead" in message


def test_private_names_are_the_scripts_own_and_refused_on_host_objects(rig: Rig) -> None:
    module = rig.load(
        "_cache = {}\n"
        "def _helper(x):\n    _cache[x] = x * 2\n    return _cache[x]\n"
        "def on_tick(ctx, dt):\n    return _helper(4)\n"
        "def on_event(ctx, e):\n    return ctx._api\n"
    )
    assert rig.tick(module) == 8
    with pytest.raises(ScriptFault) as info:
        rig.sandbox.call(module, "on_event", rig.ctx, None)
    assert info.value.code == "SANDBOX_FORBIDDEN"
    assert info.value.line == 8
    assert "private attributes" in info.value.message and "ScriptContext" in info.value.message


@pytest.mark.parametrize("tier", ["inprocess", "process"])
def test_private_attributes_of_own_objects_and_classes_and_nothing_else(tier: str) -> None:
    rig = make_rig(tier=tier)
    try:
        module = rig.load(
            "import random\n"
            "class A:\n    _made = 0\n    def __init__(self):\n        self._v = 2\n"
            "        A._made += 1\n    def _twice(self):\n        return self._v * 2\n"
            "class B(A):\n    def get(self):\n        return super()._twice() + self._v\n"
            "def on_tick(ctx, dt):\n    b = B()\n    return b.get(), b._twice(), A._made, B._made\n"
            "def on_event(ctx, e):\n    return random.Random(1)._randbelow(5)\n"
        )
        assert rig.tick(module) == (6, 4, 1, 1)
        with pytest.raises(ScriptFault) as info:
            rig.sandbox.call(module, "on_event", rig.ctx, None)
        assert info.value.code == "SANDBOX_FORBIDDEN"
        assert "private attributes" in info.value.message
    finally:
        rig.sandbox.close()


def test_injected_names_stay_reserved() -> None:
    [(line, message)] = _problems("def f():\n    return _fuel_\n")
    assert line == 2 and '"_fuel_" is a reserved name' in message


def test_type_reveals_only_the_scripts_classes_and_builtin_values(rig: Rig) -> None:
    module = rig.load(
        "class A:\n    pass\n"
        "def on_tick(ctx, dt):\n"
        "    return type(A()) is A, type(1.5) is float, isinstance(A, type)\n"
        "def on_event(ctx, e):\n    return type(ctx.world)\n"
    )
    assert rig.tick(module) == (True, True, True)
    with pytest.raises(ScriptFault) as info:
        rig.sandbox.call(module, "on_event", rig.ctx, None)
    assert info.value.code == "SANDBOX_FORBIDDEN"
    assert "type() of a WorldFacade object is not available" in info.value.message


def test_guarded_builtin_types_are_the_types_type_returns(rig: Rig) -> None:
    # bytes and range are stand-ins whose constructors check sizes; type() of their values
    # answers with the same stand-ins, so the usual type tests hold.
    module = rig.load(
        "def on_tick(ctx, dt):\n"
        "    b, r = type(b'x'), type(range(3))\n"
        "    return (b is bytes, b == bytes, r is range, isinstance(range(3), range),\n"
        "            issubclass(b, bytes), {bytes: 'b'}[b], str(b), str(range), r(2), b(2),\n"
        "            b.fromhex('41'))\n"
        "def on_event(ctx, e):\n    return type(b'')(10**12)\n"
    )
    assert rig.tick(module) == (
        True, True, True, True, True, "b", "<class 'bytes'>", "<class 'range'>", range(2),
        b"\x00\x00", b"A",
    )  # fmt: skip
    with pytest.raises(ScriptFault) as info:
        rig.sandbox.call(module, "on_event", rig.ctx, None)
    assert info.value.code == "SANDBOX_MEMORY_LIMIT"


def test_a_guarded_builtin_type_is_no_base_and_the_refusal_says_why(rig: Rig) -> None:
    module = rig.load("def on_tick(ctx, dt):\n    class Blob(bytes):\n        pass\n")
    with pytest.raises(ScriptFault) as info:
        rig.tick(module)
    assert info.value.code == "SANDBOX_FORBIDDEN"
    assert "class Blob may not inherit from bytes" in info.value.message
    assert "keep a bytes value in an attribute" in info.value.message


def test_left_out_names_say_why() -> None:
    [(_, message)] = _problems("import random\nr = random.SystemRandom()\n")
    assert message == (
        "random.SystemRandom is left out of the sandbox: it reads the OS's entropy (not "
        "reproducible); use random.Random(seed)"
    )


def test_random_is_seeded_per_mod_and_reproducible() -> None:
    source = (
        "import random\ndef on_tick(ctx, dt):\n    return [random.random() for _ in range(3)]\n"
    )

    def draws(mod_id: str) -> list[float]:
        rig = make_rig(mod_id)
        try:
            result = rig.tick(rig.load(source))
            assert isinstance(result, list)
            return result
        finally:
            rig.sandbox.close()

    assert draws("alpha") == draws("alpha")
    assert draws("alpha") != draws("beta")


def test_seeded_draws_match_pythons_random_and_subclasses_keep_their_overrides(
    rig: Rig,
) -> None:
    module = rig.load(
        "import random\n"
        "class Zero(random.Random):\n    def getrandbits(self, k):\n        return 0\n"
        "class Small(int):\n    def bit_length(self):\n        return 10**12\n"
        "def on_tick(ctx, dt):\n    r = random.Random(7)\n    items = list(range(20))\n"
        "    r.shuffle(items)\n"
        "    return ([r.randrange(1000) for _ in range(5)], r.choice('abcdefg'),\n"
        "            r.sample(range(100), 4), items, Zero(1).randrange(10),\n"
        "            r.randrange(Small(5)) < 5)\n"
    )
    r = random.Random(7)
    items = list(range(20))
    r.shuffle(items)
    expected = ([r.randrange(1000) for _ in range(5)], r.choice("abcdefg"), r.sample(range(100), 4))
    # A subclass's own getrandbits drives randrange, as in Python; an int subclass claiming
    # a huge bit length draws as many bits as it really has.
    assert rig.tick(module) == (*expected, items, 0, True)


def test_a_mod_that_patches_a_stdlib_class_changes_only_its_own_copy() -> None:
    patch = make_rig("patcher")
    other = make_rig("other")
    try:
        patch.tick(patch.load(
            "import collections\ndef on_tick(ctx, dt):\n"
            "    collections.Counter.most_common = None\n"
        ))  # fmt: skip
        result = other.tick(other.load(
            "import collections\ndef on_tick(ctx, dt):\n"
            "    return collections.Counter('aab').most_common(1)\n"
        ))  # fmt: skip
    finally:
        patch.sandbox.close()
        other.sandbox.close()
    assert result == [("a", 2)]
    assert collections.Counter("aab").most_common(1) == [("a", 2)]


def test_script_objects_are_refused_where_values_cross_to_the_host(rig: Rig) -> None:
    module = rig.load(
        "class P:\n    pass\ndef on_tick(ctx, dt):\n    ctx.events.emit('moved', {'p': [P()]})\n"
    )
    with pytest.raises(ScriptFault) as info:
        rig.tick(module)
    assert info.value.code == "SANDBOX_ERROR"
    assert "got a P object: host calls take plain data only" in info.value.message


def test_an_exception_is_described_without_running_its_methods(rig: Rig) -> None:
    module = rig.load(
        "class Oops(Exception):\n    def __str__(self):\n        while True:\n            pass\n"
        "def on_tick(ctx, dt):\n    raise Oops('bad move', 3)\n"
    )
    with pytest.raises(ScriptFault) as info:
        rig.tick(module)
    assert info.value.message == "Oops: ('bad move', 3)"


def test_str_format_works_and_walks_no_further_than_public_attributes(rig: Rig) -> None:
    module = rig.load(
        "def on_tick(ctx, dt):\n    return '{} {:>4} {p.real}'.format('a', 7, p=2.5)\n"
        "def on_event(ctx, e):\n    return '{0.world._api}'.format(ctx)\n"
    )
    assert rig.tick(module) == "a    7 2.5"
    with pytest.raises(ScriptFault) as info:
        rig.sandbox.call(module, "on_event", rig.ctx, None)
    assert info.value.code == "SANDBOX_FORBIDDEN"


def test_int_arithmetic_stays_exact_and_bounded(rig: Rig) -> None:
    module = rig.load(
        "def on_tick(ctx, dt):\n"
        "    a = 3 ** 40 * 7 ** 30\n"
        "    b = [a * a % 1000003, (2 ** 60) * (2 ** 60), 5 * [1][0], 2.5 * 4, (1 + 1j) * 2]\n"
        "    x = 2 ** 30000\n"
        "    while True:\n"
        "        x = x * x\n"
    )
    with pytest.raises(ScriptFault) as info:
        rig.tick(module)
    assert info.value.code == "SANDBOX_MEMORY_LIMIT"
    probe = rig.load(
        "def on_tick(ctx, dt):\n"
        "    a = 3 ** 40 * 7 ** 30\n"
        "    return [a * a % 1000003, (2 ** 60) * (2 ** 60), 2.5 * 4, (1 + 1j) * 2]\n",
        path="scripts/probe.py",
    )
    a = 3**40 * 7**30
    assert rig.tick(probe) == [a * a % 1000003, 2**120, 10.0, 2 + 2j]


def test_a_refused_class_is_a_load_time_diagnostic(rig: Rig) -> None:
    with pytest.raises(ScriptRejected) as info:
        rig.load("x = 1\nclass A(metaclass=type):\n    pass\n")
    assert info.value.code == "SANDBOX_FORBIDDEN" and info.value.line == 2


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import re\n", 'import of "re" is not allowed: a backtracking match cannot be'),
        ("async def f():\n    pass\n", "async def is not available in scripts; write a plain def"),
        ("x = 1\ny = x.__dict__\n", '"__dict__" is an invalid attribute name'),
        ("t = type('X', (), {})\n", "type() with three arguments builds a class at run time"),
    ],
)
def test_refusals_say_what_to_write_instead(source: str, expected: str) -> None:
    [(line, message)] = _problems(source)
    assert line == len(source.splitlines()) or source.startswith("async")
    assert line is not None
    assert message.startswith(expected)
    assert "instead" in message or "use " in message or "write " in message


def test_classes_built_every_call_do_not_pile_up(rig: Rig) -> None:
    import gc

    module = rig.load(
        "def on_tick(ctx, dt):\n    class Tmp:\n        def _x(self):\n            return 1\n"
        "    return Tmp()._x()\n"
    )
    for _ in range(50):
        assert rig.tick(module) == 1
    gc.collect()
    assert len(rig.sandbox._guest._ids) <= 1  # type: ignore[attr-defined]


@pytest.mark.timeout(60)
def test_the_process_tier_refuses_script_objects_in_state_before_pickling() -> None:
    rig = make_rig(tier="process")
    try:
        module = rig.load(
            "class Bag(list):\n    def __iter__(self):\n        while True:\n            pass\n"
            "def on_tick(ctx, dt):\n    ctx.state['bag'] = Bag([1])\n    return 1\n"
        )
        with pytest.raises(ScriptFault) as info:
            rig.tick(module)
    finally:
        rig.sandbox.close()
    assert info.value.code == "SANDBOX_ERROR"
    assert "holds a Bag object" in info.value.message and "plain data only" in info.value.message


def test_classes_and_stdlib_run_the_same_in_the_process_tier() -> None:
    rig = make_rig(tier="process")
    try:
        assert rig.tick(rig.load(CLASSES))[:7] == [
            "Child('ann', 3)", True, 1, True, "BOB", "hearts", "BLUE",
        ]  # fmt: skip
    finally:
        rig.sandbox.close()
