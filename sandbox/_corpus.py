"""The built-in attack corpus ``modhost sandbox audit`` runs (and ``tests/security`` too).

Each :class:`Attack` is one hostile script and the diagnostic code that must stop it. The
corpus is built per *class* of attack, not per known exploit: escapes (reaching the
interpreter or the host past ``ctx``), resource exhaustion (CPU, memory, recursion, time) and
API abuse (undeclared capabilities, identity forging, floods). Sources run as an entity
script: ``on_tick(ctx, dt)`` is called once per tick for ``ticks`` ticks.
"""

from __future__ import annotations

from dataclasses import dataclass
from textwrap import dedent
from typing import Final, Literal

from host_api import ALL_CAPABILITIES

AttackClass = Literal["escape", "resource", "api-abuse"]

FORBIDDEN: Final = "SANDBOX_FORBIDDEN"
FUEL: Final = "SANDBOX_FUEL_EXHAUSTED"
MEMORY: Final = "SANDBOX_MEMORY_LIMIT"
RECURSION: Final = "SANDBOX_RECURSION_LIMIT"
TIMEOUT: Final = "SANDBOX_TIMEOUT"
#: Endless work: whichever of fuel and time runs out first.
CPU: Final = ("SANDBOX_FUEL_EXHAUSTED", "SANDBOX_TIMEOUT")
ERROR: Final = "SANDBOX_ERROR"
DENIED: Final = "CAPABILITY_DENIED"
THROTTLED: Final = "MOD_THROTTLED"


@dataclass(frozen=True)
class Attack:
    """One hostile script and the code that must stop it."""

    #: A stable, unique name (``escape.generator-frame``).
    name: str
    kind: AttackClass
    #: What the attack tries, in one line.
    summary: str
    source: str
    #: The diagnostic codes that may stop it (the first is the usual one: an endless loop
    #: runs out of fuel or time, whichever comes first under the policy's limits).
    expect: tuple[str, ...]
    #: Capabilities the attacking mod holds (all by default; API-abuse cases hold fewer).
    capabilities: frozenset[str] = ALL_CAPABILITIES
    #: Ticks ``on_tick`` is called (retention and flood attacks need more than one).
    ticks: int = 1


def _a(
    name: str,
    kind: AttackClass,
    summary: str,
    source: str,
    expect: str | tuple[str, ...],
    *,
    capabilities: frozenset[str] = ALL_CAPABILITIES,
    ticks: int = 1,
) -> Attack:
    codes = (expect,) if isinstance(expect, str) else expect
    return Attack(name, kind, summary, dedent(source).strip() + "\n", codes, capabilities, ticks)


def _tick(body: str) -> str:
    """An ``on_tick`` whose body is ``body`` (indented for it)."""
    lines = dedent(body).strip().splitlines()
    return "def on_tick(ctx, dt):\n" + "\n".join("    " + line for line in lines) + "\n"


ESCAPES: Final[tuple[Attack, ...]] = (
    _a(
        "escape.subclass-walk",
        "escape",
        "().__class__.__bases__[0].__subclasses__()",
        _tick("return ().__class__.__bases__[0].__subclasses__()"),
        FORBIDDEN,
    ),
    _a(
        "escape.mro-method",
        "escape",
        "int.mro() reaches object",
        _tick("return int.mro()[-1]"),
        FORBIDDEN,
    ),
    _a(
        "escape.generator-frame",
        "escape",
        "generator gi_frame -> f_back -> f_globals",
        _tick("g = (x for x in [1])\nreturn g.gi_frame.f_back.f_globals"),
        FORBIDDEN,
    ),
    _a(
        "escape.generator-code",
        "escape",
        "generator gi_code -> co_consts",
        _tick("g = (x for x in [1])\nreturn g.gi_code"),
        FORBIDDEN,
    ),
    _a(
        "escape.yieldfrom",
        "escape",
        "gi_yieldfrom of a delegating generator",
        _tick(
            "def inner():\n    yield 1\ndef outer():\n    yield from inner()\n"
            "g = outer()\nnext(g)\nreturn g.gi_yieldfrom"
        ),
        FORBIDDEN,
    ),
    _a(
        "escape.coroutine",
        "escape",
        "async def / cr_frame",
        "async def on_tick(ctx, dt):\n    return 1\n",
        FORBIDDEN,
    ),
    _a(
        "escape.format-attr",
        "escape",
        "str.format attribute walk {0.__class__}",
        _tick("return '{0.__class__.__mro__}'.format(ctx)"),
        FORBIDDEN,
    ),
    _a(
        "escape.format-map",
        "escape",
        "str.format_map attribute walk",
        _tick("return '{x.__globals__}'.format_map({'x': on_tick})"),
        FORBIDDEN,
    ),
    _a(
        "escape.format-unbound",
        "escape",
        "str.format reached as an unbound method",
        _tick("f = str.format\nreturn f('{0.__class__}', ctx)"),
        FORBIDDEN,
    ),
    _a(
        "escape.format-getattr",
        "escape",
        "format reached through getattr with a computed name",
        _tick("f = getattr('{0.__class__}', 'for' + 'mat')\nreturn f(ctx)"),
        FORBIDDEN,
    ),
    _a(
        "escape.getattr-dunder",
        "escape",
        "getattr with a computed dunder name",
        _tick("return getattr(ctx, '__cl' + 'ass__')"),
        FORBIDDEN,
    ),
    _a(
        "escape.getattr-private",
        "escape",
        "getattr(ctx, '_api') to reach the HostAPI",
        _tick("return getattr(ctx, '_api')"),
        FORBIDDEN,
    ),
    _a(
        "escape.getattr-private-computed",
        "escape",
        "getattr with a computed private name",
        _tick("name = ''.join(['_', 'a', 'p', 'i'])\nreturn getattr(ctx.world, name)"),
        FORBIDDEN,
    ),
    _a(
        "escape.hasattr-probe",
        "escape",
        "hasattr probing a dunder",
        _tick("return hasattr(ctx, '__' + 'dict__')"),
        FORBIDDEN,
    ),
    _a(
        "escape.ctx-private",
        "escape",
        "ctx._api._world: the real world behind the facade",
        _tick("return ctx._api._world"),
        FORBIDDEN,
    ),
    _a(
        "escape.entity-private",
        "escape",
        "ctx.entity._api",
        _tick("return ctx.entity._api"),
        FORBIDDEN,
    ),
    _a(
        "escape.traceback-frame",
        "escape",
        "exception __traceback__.tb_frame",
        _tick("try:\n    1 / 0\nexcept Exception as e:\n    return e.__traceback__.tb_frame"),
        FORBIDDEN,
    ),
    _a(
        "escape.tb-frame-attr",
        "escape",
        "tb_frame spelled without dunders",
        _tick("try:\n    1 / 0\nexcept Exception as e:\n    t = e.args\n    return t.tb_frame"),
        FORBIDDEN,
    ),
    _a(
        "escape.try-star",
        "escape",
        "try/except* (exception groups)",
        _tick("try:\n    pass\nexcept* Exception as g:\n    return g"),
        FORBIDDEN,
    ),
    _a(
        "escape.catch-base",
        "escape",
        "except BaseException to swallow limit signals",
        _tick("try:\n    while True:\n        pass\nexcept BaseException:\n    return 1"),
        FORBIDDEN,
    ),
    _a(
        "escape.type-three-args",
        "escape",
        "type(name, bases, dict) builds a class",
        _tick("return type('X', (), {})"),
        FORBIDDEN,
    ),
    _a(
        "escape.object-root",
        "escape",
        "object: the root every walk starts from",
        _tick("return object"),
        FORBIDDEN,
    ),
    _a("escape.vars", "escape", "vars(ctx)", _tick("return vars(ctx)"), FORBIDDEN),
    _a("escape.dir", "escape", "dir(ctx)", _tick("return dir(ctx)"), FORBIDDEN),
    _a("escape.globals", "escape", "globals()", _tick("return globals()"), FORBIDDEN),
    _a("escape.locals", "escape", "locals()", _tick("return locals()"), FORBIDDEN),
    _a(
        "escape.builtins-dict",
        "escape",
        "__builtins__['open']",
        _tick("return __builtins__['open']"),
        FORBIDDEN,
    ),
    _a(
        "escape.dunder-import",
        "escape",
        "__import__('os')",
        _tick("return __import__('os')"),
        FORBIDDEN,
    ),
    _a("escape.import", "escape", "import os", "import os\n" + _tick("return os"), FORBIDDEN),
    _a(
        "escape.import-from",
        "escape",
        "from subprocess import run",
        "from subprocess import run\n" + _tick("return run"),
        FORBIDDEN,
    ),
    _a(
        "escape.import-in-function",
        "escape",
        "import sys inside a hook",
        _tick("import sys\nreturn sys.modules"),
        FORBIDDEN,
    ),
    _a("escape.exec", "escape", "exec() of a string", _tick("exec('x = 1')"), FORBIDDEN),
    _a("escape.eval", "escape", "eval() of a string", _tick("return eval('1')"), FORBIDDEN),
    _a(
        "escape.compile",
        "escape",
        "compile()",
        _tick("return compile('1', 'x', 'eval')"),
        FORBIDDEN,
    ),
    _a(
        "escape.open",
        "escape",
        "open() a host file",
        _tick("return open('/etc/passwd')"),
        FORBIDDEN,
    ),
    _a(
        "escape.class",
        "escape",
        "a class with dunder methods",
        "class X:\n    pass\n" + _tick("return X"),
        FORBIDDEN,
    ),
    _a(
        "escape.metaclass",
        "escape",
        "a metaclass",
        "class M(type):\n    pass\n" + _tick("return M"),
        FORBIDDEN,
    ),
    _a(
        "escape.function-globals",
        "escape",
        "a function's __globals__",
        _tick("return on_tick.__globals__"),
        FORBIDDEN,
    ),
    _a(
        "escape.func-globals-alias",
        "escape",
        "func_globals spelled the Python 2 way",
        _tick("return on_tick.func_globals"),
        FORBIDDEN,
    ),
    _a(
        "escape.code-object",
        "escape",
        "__code__.co_consts",
        _tick("return (lambda: 0).__code__"),
        FORBIDDEN,
    ),
    _a(
        "escape.fstring-dunder",
        "escape",
        "an attribute walk inside an f-string",
        _tick("return f'{ctx.__class__}'"),
        FORBIDDEN,
    ),
    _a(
        "escape.match-class-pattern",
        "escape",
        "match/case class patterns read attributes",
        _tick("match ctx:\n    case object(__class__=c):\n        return c"),
        FORBIDDEN,
    ),
    _a(
        "escape.fullwidth-underscore",
        "escape",
        "fullwidth underscores normalise to dunders",
        _tick("return ctx.\uff3f\uff3fclass\uff3f\uff3f"),
        FORBIDDEN,
    ),
    _a(
        "escape.rebind-fuel",
        "escape",
        "rebind the injected fuel counter",
        _tick("_fuel_ = iter([True] * 10)\nwhile True:\n    pass"),
        FORBIDDEN,
    ),
    _a(
        "escape.walrus-fuel",
        "escape",
        "rebind the fuel counter with :=",
        _tick("(_fuel_ := 0)"),
        FORBIDDEN,
    ),
    _a(
        "escape.with-statement",
        "escape",
        "with statements (__enter__/__exit__)",
        _tick("with ctx:\n    pass"),
        FORBIDDEN,
    ),
    _a(
        "escape.setattr",
        "escape",
        "setattr() on the facade",
        _tick("setattr(ctx, '_api', 1)"),
        FORBIDDEN,
    ),
    _a("escape.breakpoint", "escape", "breakpoint()", _tick("breakpoint()"), FORBIDDEN),
    _a(
        "escape.iter-sentinel",
        "escape",
        "iter(callable, sentinel): a C loop without fuel",
        _tick("return sum(iter(int, 1))"),
        FORBIDDEN,
    ),
)

RESOURCES: Final[tuple[Attack, ...]] = (
    _a(
        "resource.while-true",
        "resource",
        "an endless while loop",
        _tick("while True:\n    pass"),
        CPU,
    ),
    _a(
        "resource.endless-generator",
        "resource",
        "iterating an endless generator",
        "def forever():\n    while True:\n        yield 1\n"
        + _tick("for x in forever():\n    pass"),
        CPU,
    ),
    _a(
        "resource.nested-comprehension",
        "resource",
        "a comprehension with a huge product",
        _tick("return [x * y for x in range(1000) for y in range(1000)]"),
        CPU,
    ),
    _a(
        "resource.catch-and-continue",
        "resource",
        "bare except around an endless loop",
        _tick(
            "while True:\n    try:\n        while True:\n            pass\n    except:\n"
            "        pass"
        ),
        CPU,
    ),
    _a(
        "resource.finally-return",
        "resource",
        "finally: return swallows the fuel signal",
        _tick("try:\n    while True:\n        pass\nfinally:\n    return 1"),
        CPU,
    ),
    _a(
        "resource.shadow-next",
        "resource",
        "rebinding next() to skip the fuel check",
        "next = lambda it: True\n" + _tick("while True:\n    pass"),
        CPU,
    ),
    _a(
        "resource.eager-builtin",
        "resource",
        "sum()/sorted() over a huge iterable in C",
        _tick("big = [1] * 1000000\nwhile True:\n    sorted(big)"),
        CPU,
    ),
    _a(
        "resource.map-in-c",
        "resource",
        "map() of a builtin consumed in C",
        _tick("big = [1] * 1000000\nwhile True:\n    max(map(abs, big))"),
        CPU,
    ),
    _a(
        "resource.recursion",
        "resource",
        "unbounded recursion",
        "def f(n):\n    return f(n + 1)\n" + _tick("f(0)"),
        RECURSION,
    ),
    _a(
        "resource.mutual-recursion",
        "resource",
        "lambdas calling each other",
        _tick("a = {}\na['f'] = lambda n: a['g'](n)\na['g'] = lambda n: a['f'](n)\na['f'](0)"),
        RECURSION,
    ),
    _a(
        "resource.repr-recursion",
        "resource",
        "repr() of a deeply nested list",
        _tick("x = []\nfor i in range(5000):\n    x = [x]\nreturn repr(x)"),
        RECURSION,
    ),
    _a("resource.list-repeat", "resource", "[0] * 10**9", _tick("return [0] * 10**9"), MEMORY),
    _a("resource.str-repeat", "resource", "'a' * 10**10", _tick("return 'a' * 10**10"), MEMORY),
    _a(
        "resource.repeat-reversed",
        "resource",
        "10**9 * [0] (int on the left)",
        _tick("n = 10**9\nreturn n * [0]"),
        MEMORY,
    ),
    _a("resource.pow", "resource", "2 ** 10**8", _tick("return 2 ** 10**8"), MEMORY),
    _a(
        "resource.pow-builtin", "resource", "pow(10, 10**8)", _tick("return pow(10, 10**8)"), MEMORY
    ),
    _a(
        "resource.pow-tower",
        "resource",
        "repeated squaring of a big int",
        _tick("x = 3\nfor i in range(40):\n    x = x * x"),
        MEMORY,
    ),
    _a("resource.lshift", "resource", "1 << 10**10", _tick("return 1 << 10**10"), MEMORY),
    _a("resource.inplace-pow", "resource", "x **= 10**8", _tick("x = 7\nx **= 10**8"), MEMORY),
    _a(
        "resource.str-of-int",
        "resource",
        "str() of a 5000-digit int",
        _tick("return str(10 ** 5000)"),
        MEMORY,
    ),
    _a(
        "resource.int-of-str",
        "resource",
        "int() of a 100000-digit string",
        _tick("return int('9' * 100000)"),
        MEMORY,
    ),
    _a(
        "resource.range-huge",
        "resource",
        "list(range(10**12))",
        _tick("return list(range(10**12))"),
        MEMORY,
    ),
    _a("resource.bytes-n", "resource", "bytes(10**10)", _tick("return bytes(10**10)"), MEMORY),
    _a(
        "resource.join",
        "resource",
        "str.join of many large parts",
        _tick("part = 'a' * 1000000\nreturn ''.join([part] * 100)"),
        MEMORY,
    ),
    _a(
        "resource.join-unbound",
        "resource",
        "str.join reached unbound",
        _tick("part = 'a' * 1000000\nreturn str.join('', [part] * 100)"),
        MEMORY,
    ),
    _a(
        "resource.ljust", "resource", "'a'.ljust(10**10)", _tick("return 'a'.ljust(10**10)"), MEMORY
    ),
    _a(
        "resource.center-getattr",
        "resource",
        "center() reached through getattr",
        _tick("return getattr('a', 'center')(10**10)"),
        MEMORY,
    ),
    _a(
        "resource.zfill", "resource", "'1'.zfill(10**10)", _tick("return '1'.zfill(10**10)"), MEMORY
    ),
    _a(
        "resource.expandtabs",
        "resource",
        "tabs expanded to a huge width",
        _tick("return ('\\t' * 100000).expandtabs(100000)"),
        MEMORY,
    ),
    _a(
        "resource.replace",
        "resource",
        "replace('') inserts between every character",
        _tick("return ('a' * 100000).replace('', 'b' * 1000)"),
        MEMORY,
    ),
    _a(
        "resource.to-bytes",
        "resource",
        "(1).to_bytes(10**10)",
        _tick("return (1).to_bytes(10**10, 'big')"),
        MEMORY,
    ),
    _a(
        "resource.percent-width",
        "resource",
        "'%*d' % (10**10, 1)",
        _tick("return '%*d' % (10**10, 1)"),
        MEMORY,
    ),
    _a(
        "resource.percent-literal-width",
        "resource",
        "'%999999999d' % 1",
        _tick("return '%999999999d' % 1"),
        MEMORY,
    ),
    _a(
        "resource.fstring-width",
        "resource",
        "f'{1:>{10**10}}'",
        _tick("n = 10**10\nreturn f'{1:>{n}}'"),
        MEMORY,
    ),
    _a(
        "resource.fstring-precision",
        "resource",
        "f'{1.0:.999999999f}'",
        _tick("return f'{1.0:.999999999f}'"),
        MEMORY,
    ),
    _a(
        "resource.doubling-add",
        "resource",
        "s = s + s, 64 times",
        _tick("s = 'ab'\nfor i in range(64):\n    s = s + s"),
        MEMORY,
    ),
    _a(
        "resource.doubling-iadd",
        "resource",
        "l += l, 64 times",
        _tick("l = [1]\nfor i in range(64):\n    l += l"),
        MEMORY,
    ),
    _a(
        "resource.doubling-extend",
        "resource",
        "l.extend(l), 64 times",
        _tick("l = [1]\nfor i in range(64):\n    l.extend(l)"),
        MEMORY,
    ),
    _a(
        "resource.doubling-slice",
        "resource",
        "l[len(l):] = l, 64 times",
        _tick("l = [1]\nfor i in range(64):\n    l[len(l):] = l"),
        MEMORY,
    ),
    _a(
        "resource.doubling-state",
        "resource",
        "ctx.state['s'] += ctx.state['s']",
        _tick("ctx.state['s'] = 'ab'\nfor i in range(64):\n    ctx.state['s'] += ctx.state['s']"),
        MEMORY,
    ),
    _a(
        "resource.doubling-percent",
        "resource",
        "s = '%s%s' % (s, s)",
        _tick("s = 'ab'\nfor i in range(64):\n    s = '%s%s' % (s, s)"),
        MEMORY,
    ),
    _a(
        "resource.doubling-fstring",
        "resource",
        "s = f'{s}{s}' with a format spec",
        _tick("s = 'ab'\nfor i in range(64):\n    s = f'{s:<{2 * len(s)}}'"),
        MEMORY,
    ),
    _a(
        "resource.state-growth",
        "resource",
        "ctx.state grows 1 MB per tick",
        _tick("ctx.state.setdefault('junk', []).append('x' * 1000000)"),
        MEMORY,
        ticks=48,
    ),
    _a(
        "resource.module-growth",
        "resource",
        "module-level data grows 1 MB per tick",
        "junk = []\n" + _tick("junk.append('y' * 1000000)"),
        MEMORY,
        ticks=48,
    ),
    _a(
        "resource.closure-growth",
        "resource",
        "data kept in a default argument",
        "def keep(x, store=[]):\n    store.append(x)\n" + _tick("keep('z' * 1000000)"),
        MEMORY,
        ticks=48,
    ),
    _a(
        "resource.modpow",
        "resource",
        "pow(a, huge, huge): modular exponentiation in C",
        _tick("m = (1 << 99000) + 1\nreturn pow(3, m - 2, m)"),
        CPU,
    ),
    _a(
        "resource.slow-steps",
        "resource",
        "a loop whose steps are slow C work (list scans)",
        _tick("big = [0] * 1000000\nwhile True:\n    x = 1 in big"),
        TIMEOUT,
    ),
)

API_ABUSE: Final[tuple[Attack, ...]] = (
    _a(
        "api.undeclared-spawn",
        "api-abuse",
        "spawning without world.spawn",
        _tick("ctx.world.spawn('coin')"),
        DENIED,
        capabilities=frozenset({"world.read", "log"}),
    ),
    _a(
        "api.undeclared-write",
        "api-abuse",
        "moving an entity without world.write",
        _tick("ctx.entity.position = (1.0, 2.0, 3.0)"),
        DENIED,
        capabilities=frozenset({"world.read"}),
    ),
    _a(
        "api.undeclared-emit",
        "api-abuse",
        "emitting without events.emit",
        _tick("ctx.events.emit('boom', {})"),
        DENIED,
        capabilities=frozenset({"world.read"}),
    ),
    _a(
        "api.undeclared-fs",
        "api-abuse",
        "reading a file without fs.read",
        _tick("return ctx.fs.read('mod.toml')"),
        DENIED,
        capabilities=frozenset({"log"}),
    ),
    _a(
        "api.fs-escape",
        "api-abuse",
        "reading outside the mod folder",
        _tick("return ctx.fs.read('../../../../etc/passwd')"),
        DENIED,
    ),
    _a(
        "api.undeclared-storage",
        "api-abuse",
        "storage without the storage capability",
        _tick("ctx.storage.set('k', 1)"),
        DENIED,
        capabilities=frozenset({"log"}),
    ),
    _a(
        "api.forge-source",
        "api-abuse",
        "emitting as another mod (source=...)",
        _tick("ctx.events.emit('x', None, source='other-mod')"),
        ERROR,
    ),
    _a(
        "api.forge-log-identity",
        "api-abuse",
        "logging as another mod",
        _tick("ctx.log('hello', mod='other-mod')"),
        ERROR,
    ),
    _a(
        "api.bad-entity-id",
        "api-abuse",
        "a negative / forged entity id",
        _tick("ctx.world.despawn(-1)"),
        ERROR,
    ),
    _a(
        "api.payload-size",
        "api-abuse",
        "an event payload over the size limit",
        _tick("ctx.events.emit('big', 'a' * 1000000)"),
        ERROR,
    ),
    _a(
        "api.payload-depth",
        "api-abuse",
        "an event payload nested 1000 deep",
        _tick("p = []\nfor i in range(1000):\n    p = [p]\nctx.events.emit('deep', p)"),
        ERROR,
    ),
    _a(
        "api.event-flood",
        "api-abuse",
        "thousands of events per tick",
        _tick("for i in range(300):\n    ctx.events.emit('spam', i)"),
        THROTTLED,
    ),
    _a(
        "api.log-flood",
        "api-abuse",
        "thousands of log lines per tick",
        _tick("for i in range(100):\n    ctx.log('spam')"),
        THROTTLED,
    ),
)

#: The whole built-in corpus, in report order.
ATTACKS: Final[tuple[Attack, ...]] = ESCAPES + RESOURCES + API_ABUSE
