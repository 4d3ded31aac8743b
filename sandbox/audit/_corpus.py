"""The built-in attack corpus ``modhost sandbox audit`` runs (and ``tests/security`` too).

Each :class:`Attack` is one hostile script and the diagnostic code that must stop it. The
corpus is built per *class* of attack, not per known exploit: escapes (reaching the
interpreter or the host past ``ctx``), resource exhaustion (CPU, memory, recursion, time) and
API abuse (undeclared capabilities, identity forging, floods). Sources run as an entity
script: ``on_tick(ctx, dt)`` is called once per tick for ``ticks`` ticks.
"""

from __future__ import annotations

from typing import Final

from ._corpus_arith import ARITH_ATTACKS
from ._corpus_attack import COMPILE as COMPILE
from ._corpus_attack import CPU as CPU
from ._corpus_attack import DENIED as DENIED
from ._corpus_attack import ERROR as ERROR
from ._corpus_attack import FORBIDDEN as FORBIDDEN
from ._corpus_attack import FUEL as FUEL
from ._corpus_attack import MEMORY as MEMORY
from ._corpus_attack import PAYLOAD as PAYLOAD
from ._corpus_attack import RECURSION as RECURSION
from ._corpus_attack import THROTTLED as THROTTLED
from ._corpus_attack import TIMEOUT as TIMEOUT
from ._corpus_attack import Attack as Attack
from ._corpus_attack import AttackClass as AttackClass
from ._corpus_attack import _abuse, _escape, _resource, _tick
from ._corpus_language import LANGUAGE_ATTACKS

ESCAPES: Final[tuple[Attack, ...]] = (
    _escape(
        "subclass-walk",
        "().__class__.__bases__[0].__subclasses__()",
        _tick("return ().__class__.__bases__[0].__subclasses__()"),
    ),
    _escape("mro-method", "int.mro() reaches object", _tick("return int.mro()[-1]")),
    _escape(
        "generator-frame",
        "generator gi_frame -> f_back -> f_globals",
        _tick("g = (x for x in [1])\nreturn g.gi_frame.f_back.f_globals"),
    ),
    _escape(
        "generator-code",
        "generator gi_code -> co_consts",
        _tick("g = (x for x in [1])\nreturn g.gi_code"),
    ),
    _escape(
        "yieldfrom",
        "gi_yieldfrom of a delegating generator",
        _tick(
            "def inner():\n    yield 1\ndef outer():\n    yield from inner()\n"
            "g = outer()\nnext(g)\nreturn g.gi_yieldfrom"
        ),
    ),
    _escape("coroutine", "async def / cr_frame", "async def on_tick(ctx, dt):\n    return 1\n"),
    _escape(
        "format-attr",
        "str.format attribute walk {0.__class__}",
        _tick("return '{0.__class__.__mro__}'.format(ctx)"),
    ),
    _escape(
        "format-map",
        "str.format_map attribute walk",
        _tick("return '{x.__globals__}'.format_map({'x': on_tick})"),
    ),
    _escape(
        "format-unbound",
        "str.format reached as an unbound method",
        _tick("f = str.format\nreturn f('{0.__class__}', ctx)"),
    ),
    _escape(
        "format-getattr",
        "format reached through getattr with a computed name",
        _tick("f = getattr('{0.__class__}', 'for' + 'mat')\nreturn f(ctx)"),
    ),
    _escape(
        "getattr-dunder",
        "getattr with a computed dunder name",
        _tick("return getattr(ctx, '__cl' + 'ass__')"),
    ),
    _escape(
        "getattr-private",
        "getattr(ctx, '_api') to reach the HostAPI",
        _tick("return getattr(ctx, '_api')"),
    ),
    _escape(
        "getattr-private-computed",
        "getattr with a computed private name",
        _tick("name = ''.join(['_', 'a', 'p', 'i'])\nreturn getattr(ctx.world, name)"),
    ),
    _escape(
        "hasattr-probe", "hasattr probing a dunder", _tick("return hasattr(ctx, '__' + 'dict__')")
    ),
    _escape(
        "ctx-private",
        "ctx._api._world: the real world behind the facade",
        _tick("return ctx._api._world"),
    ),
    _escape("entity-private", "ctx.entity._api", _tick("return ctx.entity._api")),
    _escape(
        "traceback-frame",
        "exception __traceback__.tb_frame",
        _tick("try:\n    1 / 0\nexcept Exception as e:\n    return e.__traceback__.tb_frame"),
    ),
    _escape(
        "tb-frame-attr",
        "tb_frame spelled without dunders",
        _tick("try:\n    1 / 0\nexcept Exception as e:\n    t = e.args\n    return t.tb_frame"),
    ),
    _escape(
        "try-star",
        "try/except* (exception groups)",
        _tick("try:\n    pass\nexcept* Exception as g:\n    return g"),
    ),
    _escape(
        "catch-base",
        "except BaseException to swallow limit signals",
        _tick("try:\n    while True:\n        pass\nexcept BaseException:\n    return 1"),
    ),
    _escape(
        "type-three-args",
        "type(name, bases, dict) builds a class",
        _tick("return type('X', (), {})"),
    ),
    _escape(
        "object-root",
        "object: the root every walk starts from, to its subclasses",
        _tick("return object.__subclasses__()"),
    ),
    _escape("vars", "vars(ctx)", _tick("return vars(ctx)")),
    _escape("dir", "dir(ctx)", _tick("return dir(ctx)")),
    _escape("globals", "globals()", _tick("return globals()")),
    _escape("locals", "locals()", _tick("return locals()")),
    _escape("builtins-dict", "__builtins__['open']", _tick("return __builtins__['open']")),
    _escape("dunder-import", "__import__('os')", _tick("return __import__('os')")),
    _escape("import", "import os", "import os\n" + _tick("return os")),
    _escape(
        "import-from",
        "from subprocess import run",
        "from subprocess import run\n" + _tick("return run"),
    ),
    _escape(
        "import-in-function", "import sys inside a hook", _tick("import sys\nreturn sys.modules")
    ),
    _escape("exec", "exec() of a string", _tick("exec('x = 1')")),
    _escape("eval", "eval() of a string", _tick("return eval('1')")),
    _escape("compile", "compile()", _tick("return compile('1', 'x', 'eval')")),
    _escape("open", "open() a host file", _tick("return open('/etc/passwd')")),
    _escape(
        "class",
        "a class with an attribute hook (__getattr__)",
        "class X:\n    def __getattr__(self, name):\n        return name\n" + _tick("return X"),
    ),
    _escape("metaclass", "a metaclass", "class M(type):\n    pass\n" + _tick("return M")),
    _escape("function-globals", "a function's __globals__", _tick("return on_tick.__globals__")),
    _escape(
        "func-globals-alias",
        "func_globals spelled the Python 2 way",
        _tick("return on_tick.func_globals"),
    ),
    _escape("code-object", "__code__.co_consts", _tick("return (lambda: 0).__code__")),
    _escape(
        "fstring-dunder", "an attribute walk inside an f-string", _tick("return f'{ctx.__class__}'")
    ),
    _escape(
        "match-class-pattern",
        "match/case class patterns read attributes",
        _tick("match ctx:\n    case object(__class__=c):\n        return c"),
    ),
    _escape(
        "fullwidth-underscore",
        "fullwidth underscores normalise to dunders",
        _tick("return ctx.\uff3f\uff3fclass\uff3f\uff3f"),
    ),
    _escape(
        "rebind-fuel",
        "rebind the injected fuel counter",
        _tick("_fuel_ = iter([True] * 10)\nwhile True:\n    pass"),
    ),
    _escape("walrus-fuel", "rebind the fuel counter with :=", _tick("(_fuel_ := 0)")),
    _escape("with-statement", "with statements (__enter__/__exit__)", _tick("with ctx:\n    pass")),
    _escape("setattr", "setattr() on the facade", _tick("setattr(ctx, '_api', 1)")),
    _escape("breakpoint", "breakpoint()", _tick("breakpoint()")),
    _escape(
        "iter-sentinel",
        "iter(callable, sentinel): a C loop without fuel",
        _tick("return sum(iter(int, 1))"),
    ),
)

RESOURCES: Final[tuple[Attack, ...]] = (
    _resource("while-true", "an endless while loop", _tick("while True:\n    pass"), CPU),
    _resource(
        "endless-generator",
        "iterating an endless generator",
        "def forever():\n    while True:\n        yield 1\n"
        + _tick("for x in forever():\n    pass"),
        CPU,
    ),
    _resource(
        "nested-comprehension",
        "a comprehension with a huge product",
        _tick("return [x * y for x in range(1000) for y in range(1000)]"),
        CPU,
    ),
    _resource(
        "catch-and-continue",
        "bare except around an endless loop",
        _tick(
            "while True:\n    try:\n        while True:\n            pass\n    except:\n"
            "        pass"
        ),
        CPU,
    ),
    _resource(
        "finally-return",
        "finally: return swallows the fuel signal",
        _tick("try:\n    while True:\n        pass\nfinally:\n    return 1"),
        CPU,
    ),
    _resource(
        "shadow-next",
        "rebinding next() to skip the fuel check",
        "next = lambda it: True\n" + _tick("while True:\n    pass"),
        CPU,
    ),
    _resource(
        "eager-builtin",
        "sum()/sorted() over a huge iterable in C",
        _tick("big = [1] * 1000000\nwhile True:\n    sorted(big)"),
        CPU,
    ),
    _resource(
        "map-in-c",
        "map() of a builtin consumed in C",
        _tick("big = [1] * 1000000\nwhile True:\n    max(map(abs, big))"),
        CPU,
    ),
    _resource(
        "recursion",
        "unbounded recursion",
        "def f(n):\n    return f(n + 1)\n" + _tick("f(0)"),
        RECURSION,
    ),
    _resource(
        "mutual-recursion",
        "lambdas calling each other",
        _tick("a = {}\na['f'] = lambda n: a['g'](n)\na['g'] = lambda n: a['f'](n)\na['f'](0)"),
        RECURSION,
    ),
    _resource(
        "repr-recursion",
        "repr() of a deeply nested list",
        _tick("x = []\nfor i in range(5000):\n    x = [x]\nreturn repr(x)"),
        RECURSION,
    ),
    _resource("list-repeat", "[0] * 10**9", _tick("return [0] * 10**9"), MEMORY),
    _resource("str-repeat", "'a' * 10**10", _tick("return 'a' * 10**10"), MEMORY),
    _resource(
        "repeat-reversed",
        "10**9 * [0] (int on the left)",
        _tick("n = 10**9\nreturn n * [0]"),
        MEMORY,
    ),
    _resource("pow", "2 ** 10**8", _tick("return 2 ** 10**8"), MEMORY),
    _resource("pow-builtin", "pow(10, 10**8)", _tick("return pow(10, 10**8)"), MEMORY),
    _resource(
        "pow-tower",
        "repeated squaring of a big int",
        _tick("x = 3\nfor i in range(40):\n    x = x * x"),
        MEMORY,
    ),
    _resource("lshift", "1 << 10**10", _tick("return 1 << 10**10"), MEMORY),
    _resource("inplace-pow", "x **= 10**8", _tick("x = 7\nx **= 10**8"), MEMORY),
    _resource("str-of-int", "str() of a 5000-digit int", _tick("return str(10 ** 5000)"), MEMORY),
    _resource(
        "int-of-str", "int() of a 100000-digit string", _tick("return int('9' * 100000)"), MEMORY
    ),
    _resource("range-huge", "list(range(10**12))", _tick("return list(range(10**12))"), MEMORY),
    _resource("bytes-n", "bytes(10**10)", _tick("return bytes(10**10)"), MEMORY),
    _resource(
        "join",
        "str.join of many large parts",
        _tick("part = 'a' * 1000000\nreturn ''.join([part] * 100)"),
        MEMORY,
    ),
    _resource(
        "join-unbound",
        "str.join reached unbound",
        _tick("part = 'a' * 1000000\nreturn str.join('', [part] * 100)"),
        MEMORY,
    ),
    _resource("ljust", "'a'.ljust(10**10)", _tick("return 'a'.ljust(10**10)"), MEMORY),
    _resource(
        "center-getattr",
        "center() reached through getattr",
        _tick("return getattr('a', 'center')(10**10)"),
        MEMORY,
    ),
    _resource("zfill", "'1'.zfill(10**10)", _tick("return '1'.zfill(10**10)"), MEMORY),
    _resource(
        "expandtabs",
        "tabs expanded to a huge width",
        _tick("return ('\\t' * 100000).expandtabs(100000)"),
        MEMORY,
    ),
    _resource(
        "replace",
        "replace('') inserts between every character",
        _tick("return ('a' * 100000).replace('', 'b' * 1000)"),
        MEMORY,
    ),
    _resource(
        "to-bytes", "(1).to_bytes(10**10)", _tick("return (1).to_bytes(10**10, 'big')"), MEMORY
    ),
    _resource("percent-width", "'%*d' % (10**10, 1)", _tick("return '%*d' % (10**10, 1)"), MEMORY),
    _resource(
        "percent-literal-width", "'%999999999d' % 1", _tick("return '%999999999d' % 1"), MEMORY
    ),
    _resource("fstring-width", "f'{1:>{10**10}}'", _tick("n = 10**10\nreturn f'{1:>{n}}'"), MEMORY),
    _resource(
        "fstring-precision", "f'{1.0:.999999999f}'", _tick("return f'{1.0:.999999999f}'"), MEMORY
    ),
    _resource(
        "doubling-add",
        "s = s + s, 64 times",
        _tick("s = 'ab'\nfor i in range(64):\n    s = s + s"),
        MEMORY,
    ),
    _resource(
        "doubling-iadd",
        "l += l, 64 times",
        _tick("l = [1]\nfor i in range(64):\n    l += l"),
        MEMORY,
    ),
    _resource(
        "doubling-extend",
        "l.extend(l), 64 times",
        _tick("l = [1]\nfor i in range(64):\n    l.extend(l)"),
        MEMORY,
    ),
    _resource(
        "doubling-slice",
        "l[len(l):] = l, 64 times",
        _tick("l = [1]\nfor i in range(64):\n    l[len(l):] = l"),
        MEMORY,
    ),
    _resource(
        "doubling-state",
        "ctx.state['s'] += ctx.state['s']",
        _tick("ctx.state['s'] = 'ab'\nfor i in range(64):\n    ctx.state['s'] += ctx.state['s']"),
        MEMORY,
    ),
    _resource(
        "doubling-percent",
        "s = '%s%s' % (s, s)",
        _tick("s = 'ab'\nfor i in range(64):\n    s = '%s%s' % (s, s)"),
        MEMORY,
    ),
    _resource(
        "doubling-fstring",
        "s = f'{s}{s}' with a format spec",
        _tick("s = 'ab'\nfor i in range(64):\n    s = f'{s:<{2 * len(s)}}'"),
        MEMORY,
    ),
    _resource(
        "state-growth",
        "ctx.state grows 1 MB per tick",
        _tick("ctx.state.setdefault('junk', []).append('x' * 1000000)"),
        MEMORY,
        ticks=48,
    ),
    _resource(
        "module-growth",
        "module-level data grows 1 MB per tick",
        "junk = []\n" + _tick("junk.append('y' * 1000000)"),
        MEMORY,
        ticks=48,
    ),
    _resource(
        "closure-growth",
        "data kept in a default argument",
        "def keep(x, store=[]):\n    store.append(x)\n" + _tick("keep('z' * 1000000)"),
        MEMORY,
        ticks=48,
    ),
    _resource(
        "modpow",
        "pow(a, huge, huge): modular exponentiation in C",
        _tick("m = (1 << 99000) + 1\nreturn pow(3, m - 2, m)"),
        CPU,
    ),
    _resource(
        "slow-steps",
        "a loop whose steps are slow C work (list scans)",
        _tick("big = [0] * 1000000\nwhile True:\n    x = 1 in big"),
        TIMEOUT,
    ),
)

#: How deep the spread-out compile bombs nest (far past the cap, well under its size).
_DEEP: Final = 5_000


def _deep(name: str, summary: str, source: str) -> Attack:
    """``resource.compile-<name>``: a source the compiler must never see (refused at load)."""
    return _resource(f"compile-{name}", summary, source, COMPILE)


#: Sources that crash or stall a recursive parser: one construct nested far past the compile
#: cap, either on one line (100,000 deep) or spread over short lines (past the line cap).
COMPILE_BOMBS: Final[tuple[Attack, ...]] = (
    _deep("binop-line", "100,000 nested '+' on one line", "x = " + "1+" * 100_000 + "1"),
    _deep("unary-line", "100,000 nested unary '-' on one line", "x = " + "-" * 100_000 + "1"),
    _deep("binop", "nested '+' over many short lines", "x = (\n" + "1 +\n" * _DEEP + "1)"),
    _deep("unary", "nested unary '-' over many lines", "x = (\n" + "-\n" * _DEEP + "1)"),
    _deep("not", "nested 'not' over many lines", "x = (\n" + "not\n" * _DEEP + "True)"),
    _deep("parens", "nested parentheses", "x = " + "(\n" * _DEEP + "1" + ")\n" * _DEEP),
    _deep("brackets", "nested list brackets", "x = " + "[\n" * _DEEP + "]\n" * _DEEP),
    _deep("dicts", "nested dict literals", "x = " + "{1:\n" * _DEEP + "1" + "}\n" * _DEEP),
    _deep("lambdas", "nested lambdas", "f = (\n" + "lambda:\n" * _DEEP + "1)"),
    _deep(
        "lambda-defaults",
        "lambdas nested through default arguments",
        "f = (\n" + "lambda a, b=\n" * _DEEP + "0" + ": 0\n" * _DEEP + ")",
    ),
    _deep(
        "comprehensions",
        "nested comprehensions",
        "x = " + "[y for y in\n" * _DEEP + "z" + "]\n" * _DEEP,
    ),
    _deep("attributes", "a long attribute chain", "x = (a\n" + ".b\n" * _DEEP + ")"),
    _deep("calls", "a long call chain", "x = (f\n" + "()\n" * _DEEP + ")"),
    _deep("subscripts", "a long subscript chain", "x = (a\n" + "[0]\n" * _DEEP + ")"),
    _deep("ifexp", "nested conditional expressions", "x = (\n" + "1 if a else\n" * _DEEP + "1)"),
    _deep("fstring", "an f-string field nested deep", "x = f'''{" + "-\n" * _DEEP + "1}'''"),
    _deep("huge-literal", "a 1 MB list literal", "x = [\n" + "1,\n" * 350_000 + "]"),
    _deep("long-line", "a 100,000-character line", "x = '" + "a" * 100_000 + "'"),
)

API_ABUSE: Final[tuple[Attack, ...]] = (
    _abuse(
        "undeclared-spawn",
        "spawning without world.spawn",
        _tick("ctx.world.spawn('coin')"),
        DENIED,
        capabilities=frozenset({"world.read", "log"}),
    ),
    _abuse(
        "undeclared-write",
        "moving an entity without world.write",
        _tick("ctx.entity.position = (1.0, 2.0, 3.0)"),
        DENIED,
        capabilities=frozenset({"world.read"}),
    ),
    _abuse(
        "undeclared-emit",
        "emitting without events.emit",
        _tick("ctx.events.emit('boom', {})"),
        DENIED,
        capabilities=frozenset({"world.read"}),
    ),
    _abuse(
        "undeclared-fs",
        "reading a file without fs.read",
        _tick("return ctx.fs.read('mod.toml')"),
        DENIED,
        capabilities=frozenset({"log"}),
    ),
    _abuse(
        "fs-escape",
        "reading outside the mod folder",
        _tick("return ctx.fs.read('../../../../etc/passwd')"),
        DENIED,
    ),
    _abuse(
        "undeclared-storage",
        "storage without the storage capability",
        _tick("ctx.storage.set('k', 1)"),
        DENIED,
        capabilities=frozenset({"log"}),
    ),
    _abuse(
        "forge-source",
        "emitting as another mod (source=...)",
        _tick("ctx.events.emit('x', None, source='other-mod')"),
        ERROR,
    ),
    _abuse(
        "forge-log-identity",
        "logging as another mod",
        _tick("ctx.log('hello', mod='other-mod')"),
        ERROR,
    ),
    _abuse("bad-entity-id", "a negative / forged entity id", _tick("ctx.world.despawn(-1)"), ERROR),
    _abuse(
        "payload-size",
        "an event payload over the size limit",
        _tick("ctx.events.emit('big', 'a' * 1000000)"),
        PAYLOAD,
    ),
    _abuse(
        "many-tags",
        "one entity with 1000 tags",
        _tick("ctx.world.spawn('x', tags=['t'] * 1000)"),
        PAYLOAD,
    ),
    _abuse(
        "payload-depth",
        "an event payload nested 1000 deep",
        _tick("p = []\nfor i in range(1000):\n    p = [p]\nctx.events.emit('deep', p)"),
        # The process tier refuses to carry so deep a value back to the host at all.
        (PAYLOAD, ERROR),
    ),
    _abuse(
        "event-flood",
        "thousands of events per tick",
        _tick("for i in range(300):\n    ctx.events.emit('spam', i)"),
        THROTTLED,
    ),
    _abuse(
        "log-flood",
        "thousands of log lines per tick",
        _tick("for i in range(100):\n    ctx.log('spam')"),
        THROTTLED,
    ),
)


#: The whole built-in corpus, in report order.
ATTACKS: Final[tuple[Attack, ...]] = (
    ESCAPES + RESOURCES + COMPILE_BOMBS + API_ABUSE + LANGUAGE_ATTACKS + ARITH_ATTACKS
)
