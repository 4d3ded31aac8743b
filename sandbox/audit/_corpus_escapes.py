"""Escapes: scripts that try to reach the interpreter or the host past ``ctx`` (introspection,
imports, dynamic code, frames, format strings, rebinding injected names). Every one is
refused (``SANDBOX_FORBIDDEN``), at load or at run time."""

from __future__ import annotations

from typing import Final

from ._corpus_attack import ERROR, FUEL, RECURSION, Attack, _attack, _escape, _tick

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
        "private-after-own",
        "ctx._api read right after a script object's private attribute passed the inline check",
        "class A:\n    def __init__(self):\n        self._v = 1\n"
        + _tick("a = A()\nreturn [a._v, ctx._api][1]"),
    ),
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
    # BaseException is Exception in scripts, so the catch-all compiles and the loop still
    # ends at its fuel limit: the signal is not caught.
    _attack(
        "escape.catch-base",
        "escape",
        "except BaseException to swallow limit signals",
        _tick("try:\n    while True:\n        pass\nexcept BaseException:\n    return 1"),
        FUEL,
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
    _escape("import-in-function", "import os inside a hook", _tick("import os\nreturn os.system")),
    # sys is offered as constants: the interpreter's state behind it stays out of reach.
    _escape(
        "sys-modules",
        "sys.modules, the host's loaded modules",
        "import sys\n" + _tick("return sys.modules"),
    ),
    _escape(
        "sys-exc-info",
        "sys.exc_info() for a traceback's frames",
        "from sys import exc_info\n" + _tick("return exc_info()"),
    ),
    _escape(
        "sys-record-type",
        "the class of sys.float_info, called",
        "import sys\n" + _tick("return type(sys.float_info)((1,) * 11)"),
    ),
    _escape(
        "sys-function-globals",
        "sys.exit.__globals__",
        "import sys\n" + _tick("return sys.exit.__globals__"),
    ),
    # type(b"x") answers with the guarded stand-in: its real class stays out of reach.
    _escape(
        "stand-in-real",
        "the real bytes class behind type(b'') by a computed private name",
        _tick("return getattr(type(b''), '_re' + 'al')(10 ** 10)"),
    ),
    _escape(
        "stand-in-mro",
        "the real range class through type(range(1)).mro()",
        _tick("return getattr(type(range(1)), 'mr' + 'o')()[0](10 ** 12)"),
    ),
    _attack(
        "escape.sys-getattr",
        "escape",
        "getattr(sys, 'mod' + 'ules') past the load-time name check",
        "import sys\n" + _tick("return getattr(sys, 'mod' + 'ules')"),
        ERROR,
    ),
    _attack(
        "resource.sys-recursion-limit",
        "resource",
        "sys.setrecursionlimit(10**9), then recursion without end",
        "import sys\nsys.setrecursionlimit(10**9)\ndef dive(n):\n    return dive(n + 1)\n"
        + _tick("return dive(0)"),
        RECURSION,
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
    # Ported files: what compiles so that they load must still never reach the host.
    # The import never binds the name: the script fails on its own NameError.
    _attack(
        "escape.deferred-import",
        "escape",
        "import os inside a try, its ModuleNotFoundError caught, then the name used",
        _tick("try:\n    import os\nexcept ImportError:\n    pass\nreturn os.system"),
        ERROR,
    ),
    _escape(
        "deferred-import-uncaught",
        "from sys import modules inside a hook",
        _tick("from sys import modules\nreturn modules"),
    ),
    _escape(
        "main-guard-else",
        "dynamic code in the else: branch of a skipped main guard",
        "if __name__ == '__main__':\n    pass\nelse:\n    eval('1')\n" + _tick("return 1"),
    ),
    _escape(
        "main-guard-rebind",
        "rebinding __name__ to make a main guard run",
        "__name__ = '__main__'\n" + _tick("return __name__"),
    ),
    _escape(
        "metadata-builtins",
        "__all__ used to reach __builtins__",
        "__all__ = ['x']\n" + _tick("return __all__.__class__.__mro__"),
    ),
    _escape(
        "base-exception-bases",
        "walking from BaseException to the real base of every exception",
        _tick("return BaseException.__bases__"),
    ),
    _escape(
        "terminal-builtin-globals",
        "input() stand-in's function globals",
        _tick("return input.__globals__"),
    ),
    # The host describes an uncaught exception after the call: a script's own exception class
    # must not run there (its args property, __str__), nor break the description.
    _attack(
        "escape.exception-args-property",
        "escape",
        "an uncaught exception whose args property loops: the host reads args to describe it",
        "class E(Exception):\n    @property\n    def args(self):\n        while True:\n"
        "            pass\n" + _tick("raise E()"),
        ERROR,
    ),
    _attack(
        "escape.exception-args-attribute",
        "escape",
        "an uncaught exception whose class sets args = 5 (not a tuple)",
        "class E(Exception):\n    args = 5\n" + _tick("raise E('x')"),
        ERROR,
    ),
    _attack(
        "escape.exception-str-value-error",
        "escape",
        "a ValueError subclass whose __str__ loops: the host checked the text of ValueErrors",
        "class E(ValueError):\n    def __str__(self):\n        while True:\n            pass\n"
        + _tick("raise E()"),
        ERROR,
    ),
    _attack(
        "escape.exception-str-recursion-error",
        "escape",
        "a RecursionError subclass whose __str__ loops: its fault message quoted str(exc)",
        "class E(RecursionError):\n    def __str__(self):\n        while True:\n"
        "            pass\n" + _tick("raise E('deep')"),
        RECURSION,
    ),
)
