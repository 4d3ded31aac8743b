"""Attacks through the language features and standard library scripts may use: classes and
their special methods, and the ``itertools``, ``math``, ``operator``, ``random``,
``collections``, ``functools``, ``heapq``, ``statistics`` namespaces, as resource exhaustion
and API abuse (the escapes are in ``_corpus_language_escapes``). Part of the built-in corpus
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
    _cls,
    _resource,
    _tick,
)
from ._corpus_language_escapes import LANGUAGE_ESCAPES

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
