"""Escapes through the language features and standard library scripts may use: classes and
their special methods, ``type()``, ``super()``, private names, and the ``enum``,
``dataclasses``, ``functools``, ``operator``, ``copy``, ``random``, ``collections`` and
``typing`` namespaces."""

from __future__ import annotations

from typing import Final

from ._corpus_attack import ERROR, FORBIDDEN, Attack, _attack, _cls, _escape, _tick

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
        "deepcopy-recycled-id",
        "copy.deepcopy() with a host object in a dict item made after another was freed "
        "(the check's seen ids outlived their objects)",
        _tick(
            "import copy\ncopy.deepcopy([{'y': ctx}, {'x': 1}])\n"
            "copy.deepcopy([{'y': ctx}, {'x': 1}, {'z': 2}])\nreturn 1"
        ),
    ),
    _attack(
        "resource.enum-unhashable-members",
        "resource",
        "an enum of thousands of unhashable members (quadratic host work to build)",
        "from enum import Enum\nclass E(Enum):\n"
        + "".join(f"    M{i} = [{i}]\n" for i in range(3000))
        + "def on_tick(ctx, dt):\n    return len(E)\n",
        FORBIDDEN,
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
