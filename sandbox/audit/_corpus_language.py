"""Attacks through the language features and standard library scripts may use: classes and
their special methods, ``type()``, ``super()``, private names, and the ``enum``,
``dataclasses``, ``functools``, ``operator``, ``copy``, ``random``, ``collections``,
``itertools``, ``math``, ``statistics`` namespaces. Part of the built-in corpus
(``_corpus.ATTACKS``); the same helpers and codes.
"""

from __future__ import annotations

from typing import Final

from ._corpus_attack import (
    CPU,
    DENIED,
    ERROR,
    MEMORY,
    Attack,
    _abuse,
    _attack,
    _escape,
    _resource,
    _tick,
)


def _cls(body: str, tick: str) -> str:
    """A script with a module-level preamble ``body`` and an ``on_tick`` running ``tick``."""
    return body.strip() + "\n" + _tick(tick)


LANGUAGE_ESCAPES: Final[tuple[Attack, ...]] = (
    _escape(
        "private-host-attr", "ctx._api: a private name of a host object", _tick("return ctx._api")
    ),
    _escape(
        "private-stdlib-attr",
        "a private name of a standard-library namespace",
        _tick("import random\nreturn random._inst"),
    ),
    _escape("type-of-host", "type(ctx): a host class to monkey-patch", _tick("return type(ctx)")),
    _escape("class-attr-host", "ctx.__class__", _tick("return ctx.__class__.log")),
    _escape("type-of-type", "type(type(1)): the real type", _tick("return type(type(1))")),
    _escape(
        "type-three-args-alias",
        "type() three-argument form through an alias",
        _tick("t = type\nreturn t('X', (), {'__del__': lambda s: 0})"),
    ),
    _escape("type-three-args-literal", "type('X', (), {...})", _tick("return type('X', (), {})")),
    _escape(
        "dunder-read-host", "ctx.__init__: a host special method", _tick("return ctx.__init__")
    ),
    _escape(
        "super-getattribute",
        "super().__getattribute__ to bypass checks",
        _cls(
            "class A:\n    def f(self):\n        return super().__getattribute__", "return A().f()"
        ),
    ),
    _escape(
        "super-host",
        "super() bound to a host object",
        _cls("class A:\n    pass", "return super(type(ctx), ctx)"),
    ),
    _escape(
        "init-subclass",
        "__init_subclass__ smuggling code into class creation",
        _cls(
            "class A:\n    def __init_subclass__(cls):\n        pass\nclass B(A):\n    pass",
            "return B",
        ),
    ),
    _escape(
        "class-del",
        "a finalizer (__del__)",
        _cls("class A:\n    def __del__(self):\n        pass", "return A()"),
    ),
    _escape(
        "class-descriptor",
        "a descriptor (__get__) run inside attribute access",
        _cls("class D:\n    def __get__(self, o, t):\n        return o", "return D()"),
    ),
    _escape(
        "class-reduce",
        "__reduce_ex__ run by copy or pickle on the host",
        _cls("class A:\n    def __reduce_ex__(self, p):\n        return (print, ())", "return A()"),
    ),
    _escape(
        "class-getattr-assign",
        "__getattr__ bound by assignment in the class body",
        _cls(
            "def hook(self, name):\n    return name\nclass A:\n    __getattr__ = hook", "return A()"
        ),
    ),
    _escape(
        "class-dunder-store",
        "a special method set on a class after creation",
        _cls("class A:\n    pass", "A.__init_subclass__ = print\nreturn A"),
    ),
    _escape(
        "setattr-dunder",
        "setattr() of a special method",
        _cls("class A:\n    pass", "setattr(A, '__del__', print)\nreturn A"),
    ),
    _escape(
        "metaclass-keyword",
        "class X(metaclass=M)",
        "class M:\n    pass\nclass X(metaclass=M):\n    pass\n" + _tick("return X"),
    ),
    _escape(
        "inherit-host-class",
        "a class inheriting from a host class",
        _tick("class X(type(ctx.world)):\n    pass\nreturn X"),
    ),
    _escape(
        "inherit-function",
        "a class whose base is a function (a metaclass in disguise)",
        _tick("class X(print):\n    pass\nreturn X"),
    ),
    _escape(
        "enum-metaclass",
        "the enum metaclass through type()",
        _cls("from enum import Enum\nclass C(Enum):\n    A = 1", "return type(C)('D', 'x y')"),
    ),
    _attack(
        "escape.enum-functional-del",
        "escape",
        "the functional Enum API defining __del__ from a dict",
        _tick("import enum\nE = enum.Enum('E', {'A': 1, '__del__': print})\nreturn E.A"),
        ERROR,
    ),
    _escape(
        "enum-members-dunder",
        "the enum's __members__ mapping walk",
        _cls("from enum import Enum\nclass C(Enum):\n    A = 1", "return C.__members__"),
    ),
    _escape(
        "dataclass-fields-host",
        "dataclasses.fields() of a host object",
        _tick("import dataclasses\nreturn dataclasses.fields(ctx)"),
    ),
    _escape(
        "dataclass-globals",
        "the generated __init__'s globals",
        _cls(
            "from dataclasses import dataclass\n@dataclass\nclass P:\n    x: int = 0",
            "return P.__init__.__globals__",
        ),
    ),
    _escape(
        "functools-wrapped",
        "functools.wraps' __wrapped__ back past a decorator",
        _cls(
            "import functools\ndef f():\n    pass\n@functools.wraps(f)\ndef g():\n    pass",
            "return g.__wrapped__",
        ),
    ),
    _escape(
        "functools-total-ordering-host",
        "functools.total_ordering on a host class",
        _tick("import functools\nreturn functools.total_ordering(ctx.world)"),
    ),
    _escape(
        "lru-cache-wrapped",
        "lru_cache's __wrapped__",
        _cls(
            "import functools\n@functools.lru_cache\ndef f(x):\n    return x",
            "return f.__wrapped__",
        ),
    ),
    _escape(
        "attrgetter-class",
        'operator.attrgetter("__class__")',
        _tick("import operator\nreturn operator.attrgetter('__class__')(ctx)"),
    ),
    _escape(
        "attrgetter-private",
        'operator.attrgetter("_api")',
        _tick("import operator\nreturn operator.attrgetter('world._api')(ctx)"),
    ),
    _escape(
        "methodcaller-format",
        'operator.methodcaller("format") attribute walk',
        _tick("import operator\nreturn operator.methodcaller('format', ctx)('{0.__class__}')"),
    ),
    _escape(
        "copy-host",
        "copy.copy() of a host object (its __reduce_ex__)",
        _tick("import copy\nreturn copy.copy(ctx)"),
    ),
    _escape(
        "deepcopy-host",
        "copy.deepcopy() reaching a host object inside data",
        _tick("import copy\nreturn copy.deepcopy([1, {'k': ctx.world}])"),
    ),
    _escape(
        "random-system",
        "random.SystemRandom (the OS's entropy)",
        _tick("import random\nreturn random.SystemRandom().random()"),
    ),
    _escape(
        "random-private-state",
        "the random module's hidden shared instance",
        _tick("from random import _inst\nreturn _inst"),
    ),
    _escape(
        "namedtuple-template",
        "namedtuple's generated __new__ and its globals",
        _tick(
            "import collections\nP = collections.namedtuple('P', 'x')\nreturn P.__new__.__globals__"
        ),
    ),
    _escape(
        "namedtuple-private",
        "namedtuple's private helpers on a host object",
        _tick("import collections\nP = collections.namedtuple('P', 'x')\nreturn P._make.__self__"),
    ),
    _escape(
        "fstring-attr-walk",
        "an f-string field walking to the class",
        _tick("return f'{ctx.__class__.__init__}'"),
    ),
    _escape(
        "fstring-private",
        "an f-string field reading a private host name",
        _tick("return f'{ctx._api}'"),
    ),
    _escape(
        "format-private",
        "str.format reading a private host attribute",
        _tick("return '{0._api}'.format(ctx)"),
    ),
    _escape(
        "format-unbound-walk",
        "str.format_map walking to a function's globals",
        _tick("return str.format_map('{f.__globals__}', {'f': on_tick})"),
    ),
    _escape(
        "format-on-host",
        "a format method of a non-str object",
        _tick("return ctx.format"),
    ),
    _escape(
        "string-formatter",
        "string.Formatter's attribute traversal",
        _tick("import string\nreturn string.Formatter().vformat('{0.__class__}', [ctx], {})"),
    ),
    _escape(
        "index-stand-in",
        "an object whose __index__ stands in for a huge count ('x' * obj)",
        _cls("class N:\n    def __index__(self):\n        return 10**10", "return 'x' * N()"),
    ),
    _escape(
        "mangled-injected-name",
        "name mangling in a class named _ to reach an injected name",
        "class _:\n    def f(self):\n        return __fuel_\n" + _tick("return _().f()"),
    ),
    _escape(
        "match-private",
        "a class pattern reading a private host attribute",
        _tick("match ctx:\n    case object(_api=api):\n        return api"),
    ),
    _escape(
        "match-args-dunder",
        "__match_args__ naming a special attribute",
        _cls("class A:\n    __match_args__ = ('__class__',)", "return A"),
    ),
    _escape(
        "typing-host-alias",
        "typing's real aliases forward attribute writes to host classes",
        _tick("import typing\nreturn typing.Counter.__origin__"),
    ),
    _escape(
        "abc-register",
        "collections.abc's register() into the host's abstract classes",
        _tick("import collections.abc\nreturn collections.abc.Iterable._real"),
    ),
)

LANGUAGE_RESOURCES: Final[tuple[Attack, ...]] = (
    _resource(
        "itertools-repeat",
        "list(itertools.repeat(0, 10**12))",
        _tick("import itertools\nreturn len(list(itertools.repeat(0, 10**12)))"),
        CPU,
    ),
    _resource(
        "itertools-count",
        "sum(itertools.count()) in C",
        _tick("import itertools\nreturn sum(itertools.count())"),
        CPU,
    ),
    _resource(
        "itertools-product",
        "itertools.product(range(100), repeat=10**6)",
        _tick("import itertools\nreturn itertools.product(range(100), repeat=10**6)"),
        MEMORY,
    ),
    _resource(
        "itertools-cycle-join",
        "''.join(itertools.cycle('ab'))",
        _tick("import itertools\nreturn ''.join(itertools.cycle('ab'))"),
        CPU,
    ),
    _resource(
        "math-factorial",
        "math.factorial(10**7)",
        _tick("import math\nreturn math.factorial(10**7)"),
        MEMORY,
    ),
    _resource(
        "math-prod",
        "math.prod of huge ints",
        _tick("import math\nreturn math.prod([10**3000] * 100)"),
        MEMORY,
    ),
    _resource(
        "math-lcm",
        "math.lcm of many large ints",
        _tick("import math\nreturn math.lcm(*[2**20000 + i for i in range(20)])"),
        MEMORY,
    ),
    _resource(
        "operator-mul",
        "operator.mul('x', 10**10) around the '*' guard",
        _tick("import operator\nreturn operator.mul('x', 10**10)"),
        MEMORY,
    ),
    _resource(
        "random-getrandbits",
        "random.getrandbits(10**9)",
        _tick("import random\nreturn random.getrandbits(10**9)"),
        MEMORY,
    ),
    _resource(
        "random-choices",
        "random.choices(..., k=10**9)",
        _tick("import random\nreturn random.choices([1], k=10**9)"),
        MEMORY,
    ),
    _resource(
        "counter-elements",
        "Counter({'a': 10**12}).elements() consumed in C",
        _tick(
            "import collections\nreturn len(list(collections.Counter({'a': 10**12}).elements()))"
        ),
        CPU,
    ),
    _resource(
        "reduce-endless",
        "functools.reduce over an endless iterator",
        _tick("import functools, itertools\nreturn functools.reduce(max, itertools.count())"),
        CPU,
    ),
    _resource(
        "heapq-endless",
        "heapq.nlargest over an endless iterator (host Python loop)",
        _tick("import heapq, itertools\nreturn heapq.nlargest(3, itertools.count())"),
        CPU,
    ),
    _resource(
        "statistics-endless",
        "statistics.mean over an endless iterator",
        _tick("import statistics, itertools\nreturn statistics.mean(itertools.count())"),
        CPU,
    ),
    _resource(
        "shuffle-huge",
        "random.shuffle of a list the size of the memory limit, repeatedly",
        _tick("import random\nx = list(range(1000000))\nwhile True:\n    random.shuffle(x)"),
        CPU,
    ),
    _resource(
        "dunder-loop",
        "an endless __eq__ run by the script's own comparison",
        _cls(
            "class A:\n    def __eq__(self, o):\n        while True:\n            pass",
            "return A() == A()",
        ),
        CPU,
    ),
    _resource(
        "exception-str-loop",
        "an exception whose __str__ never returns, raised out of the hook",
        _cls(
            "class E(Exception):\n    def __str__(self):\n        while True:\n            pass",
            "raise E('x')",
        ),
        ERROR,
    ),
    _resource(
        "format-width",
        "str.format with a nested width of 10**9",
        _tick("return '{:>{w}}'.format('x', w=10**9)"),
        MEMORY,
    ),
    _resource(
        "format-repeat",
        "str.format repeating one big argument many times",
        _tick("return ('{0}' * 2000).format('x' * 100000)"),
        MEMORY,
    ),
    _resource(
        "retained-in-object",
        "memory kept in attributes of the script's own objects, tick after tick",
        _cls(
            "class Keep:\n    pass\nK = Keep()\nK.data = []",
            "K.data.append('x' * 200000)",
        ),
        MEMORY,
        ticks=200,
    ),
    _resource(
        "retained-in-slots-deque",
        "memory kept in slots and a collections.deque, tick after tick",
        _cls(
            "from collections import deque\nclass Keep:\n    __slots__ = ('d',)\n"
            "K = Keep()\nK.d = deque()",
            "K.d.append('x' * 200000)",
        ),
        MEMORY,
        ticks=200,
    ),
    _resource(
        "translate-mapping",
        "str.translate with a script mapping answering every character with 1 MB",
        _cls(
            "class M:\n    def __getitem__(self, k):\n        return 'y' * 1000000",
            "return ('x' * 1000).translate(M())",
        ),
        ERROR,
    ),
    _resource(
        "format-map-mapping",
        "str.format_map with a script mapping answering every field with 1 MB",
        _cls(
            "class M:\n    def __getitem__(self, k):\n        return 'y' * 1000000",
            "return ('{a}' * 1000).format_map(M())",
        ),
        ERROR,
    ),
    _resource(
        "percent-mapping",
        "'%(a)s' formatting with a script mapping answering with 1 MB",
        _cls(
            "class M:\n    def __getitem__(self, k):\n        return 'y' * 1000000",
            "return ('%(a)s' * 1000) % M()",
        ),
        ERROR,
    ),
    _resource(
        "print-huge",
        "print() of a string the size of the memory limit",
        _tick("print('x' * (15 * 1024 * 1024), 'y' * (15 * 1024 * 1024))"),
        MEMORY,
    ),
)

LANGUAGE_ABUSE: Final[tuple[Attack, ...]] = (
    _abuse(
        "print-without-log",
        "print() without the log capability",
        _tick("print('hello')"),
        DENIED,
        capabilities=frozenset({"world.read"}),
    ),
    _abuse(
        "guest-vector-iter",
        "a tuple subclass whose __iter__ raises, set as a position (host would run it)",
        _cls(
            "class V(tuple):\n    def __iter__(self):\n        raise KeyError('boom')",
            "ctx.entity.position = V((1.0, 2.0, 3.0))",
        ),
        ERROR,
    ),
    _abuse(
        "guest-int-id",
        "an int subclass as an entity id",
        _cls(
            "class I(int):\n    def __eq__(self, o):\n        return True",
            "return ctx.world.get(I(1))",
        ),
        ERROR,
    ),
    _abuse(
        "guest-log-repr",
        "ctx.log of an object whose __repr__ loops (the host would call it)",
        _cls(
            "class A:\n    def __repr__(self):\n        while True:\n            pass",
            "ctx.log(A())",
        ),
        ERROR,
    ),
    _abuse(
        "guest-payload",
        "an event payload holding a script object",
        _cls("class A:\n    pass", "ctx.events.emit('x', {'a': [A()]})"),
        ERROR,
    ),
    _abuse(
        "guest-in-state",
        "a script object kept in ctx.state (the host copies state on reload)",
        _cls(
            "class A:\n    def __hash__(self):\n        while True:\n            pass",
            "ctx.state['a'] = [A()]",
        ),
        ERROR,
        ticks=70,
    ),
)

LANGUAGE_ATTACKS: Final[tuple[Attack, ...]] = LANGUAGE_ESCAPES + LANGUAGE_RESOURCES + LANGUAGE_ABUSE
