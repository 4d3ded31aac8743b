"""The builtins a script sees: deny by default, each allowance (and each refusal) written down.

Built per sandbox, so no two mods share a mutable object through their builtins: a script
that rebinds ``len`` or sets an attribute on the ``math`` namespace changes only its own mod.
"""

from __future__ import annotations

import builtins as _py
from typing import Any, Final

from ._classes import GuestTypes
from ._guards import Guards
from ._int_parse import int_base, int_maker
from ._method_guards import GUARDED_METHODS, check_decode, check_encode, method_guard
from ._names import forbidden_attribute, is_dunder, is_private
from ._nesting import tracked
from ._signals import ForbiddenSignal
from ._text import TextGuard

#: Builtins handed over as they are: pure functions and value types over bounded input.
PLAIN: Final[tuple[str, ...]] = (
    "abs",  # numbers only
    "bool",
    "callable",
    "chr",
    "divmod",  # ints are size-capped by the '*'/'**'/'<<' guards
    "enumerate",  # lazy; its consumer counts fuel
    "filter",  # lazy
    "float",
    "frozenset",  # a value type; copying a bounded iterable
    "hash",
    "isinstance",
    "issubclass",
    "len",
    "list",
    "dict",
    "set",
    "tuple",
    "map",  # lazy
    "next",
    "ord",
    "reversed",  # lazy
    "slice",
    "bin",
    "hex",
    "oct",
    "complex",
    "object",  # the root class: its dunders are unreachable, so it leads nowhere
    "property",
    "staticmethod",
    "classmethod",
    "super",  # only special methods of CLASS_DUNDERS are read through it
)

#: Builtins that consume a whole iterable in C: each item burns a unit of fuel.
EAGER: Final[tuple[str, ...]] = ("sum", "min", "max", "sorted", "any", "all")

#: Exceptions a script may raise and catch (all below ``Exception``: none of them can catch
#: the sandbox's limit signals).
EXCEPTIONS: Final[tuple[str, ...]] = (
    "Exception",
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "IndexError",
    "KeyError",
    "LookupError",
    "NameError",
    "NotImplementedError",
    "OverflowError",
    "RecursionError",
    "RuntimeError",
    "StopIteration",
    "TypeError",
    "ValueError",
    "ZeroDivisionError",
    "UnboundLocalError",
    "FloatingPointError",
    "UnicodeError",
    "EOFError",
    "ImportError",
    "ModuleNotFoundError",
    "IndentationError",
    "SyntaxError",
    "Warning",
    "UserWarning",
    "DeprecationWarning",
    "RuntimeWarning",
)

#: Names refused at load time, each with the reason a script author reads.
REFUSED: Final[dict[str, str]] = {
    "vars": "vars() exposes namespaces; read the attributes you need",
    "dir": "dir() lists interpreter internals; keep a list of the names you need",
    "globals": "globals() exposes the module namespace; use a module-level dict",
    "locals": "locals() exposes frames; build a dict of the values you need",
    "compile": "no code may be compiled at run time; write the code in the script",
    "exec": "no code may be compiled at run time; write the code in the script",
    "eval": "no code may be compiled at run time; write the code in the script",
    "open": "files are read with ctx.fs.read()",
    "breakpoint": "there is no debugger",
    "id": "object addresses differ between runs (not deterministic); use `is` or give "
    "objects an explicit key",
    "memoryview": "raw memory views are not available",
    "bytearray": "mutable byte buffers are not available; use bytes",
    "aiter": "async is not available",
    "anext": "async is not available",
    "printed": "print() writes to the mod's log; there is no printed buffer",
    "BaseExceptionGroup": "exception groups are not available",
    "ExceptionGroup": "exception groups are not available",
    "GeneratorExit": "only Exception and its subclasses may be caught; catch Exception",
    "KeyboardInterrupt": "only Exception and its subclasses may be caught; catch Exception",
    "SystemExit": "only Exception and its subclasses may be caught; catch Exception",
    "copyright": "not available",
    "credits": "not available",
    "license": "not available",
}

#: Characters one ``print()`` may write (a line longer than the log keeps is cut there).
MAX_PRINT: Final = 64 * 1024


def build_builtins(guards: Guards, guest: GuestTypes, printer: Printer) -> dict[str, Any]:
    """The ``__builtins__`` mapping of one sandbox's scripts."""
    table: dict[str, Any] = {name: getattr(_py, name) for name in PLAIN + EXCEPTIONS}
    for name in EAGER:
        table[name] = guards.eager(getattr(_py, name))
    table["range"] = _stand_in(range, _guarded_range(guards))
    table["pow"], table["round"] = guards.pow, guards.round
    table["bytes"] = _guarded_bytes(guards)
    table["getattr"] = _guarded_getattr(guards, guest)
    table["hasattr"] = _guarded_hasattr(guards, guest)
    table["setattr"] = _guarded_setattr(guards, guest)
    table["delattr"] = _guarded_delattr(guards, guest)
    table["type"] = _stand_in(type, guest.type_of)
    text = guards.text = TextGuard(guards, guest)
    guest.class_built.append(text.wrap_methods)
    table["repr"] = _converter("repr", text)
    table["ascii"] = _converter("ascii", text)
    table["str"] = _stand_in(str, _guarded_str(text, guards))
    table["int"] = _stand_in(int, int_maker(guards))
    guest.allow_base(int_sub := int_base(guards))  # class Mine(int): Mine(text, 2) sized too
    guest.base_for[id(table["int"])] = int_sub
    # type(b"x") is bytes, as in Python: type() answers with the stand-in the script names.
    guest.stand_ins.update({t: table[t.__name__] for t in (bytes, range, str, int)})
    # class Name(str, Enum) inherits a str whose constructor checks the text's size.
    str_base = _str_base(text, guards)
    guest.allow_base(str_base)
    guest.base_for[id(table["str"])] = str_base
    table["__build_class__"] = guest.build_class
    table["iter"] = _one_argument_iter(guards)
    table["format"] = _guarded_format(guards)
    # Lazy iterators a script can wrap in one another record how deep they nest.
    table.update(
        {t.__name__: tracked(t, skip=t is not enumerate) for t in (map, filter, enumerate)}
    )
    table["zip"] = tracked(zip, lambda args: guards.zipped(args, "zip()"))
    table["print"] = _print(guards, printer)
    table.update(_NO_TERMINAL)
    # The sandbox's stops (fuel, deadline, memory) are the only exceptions outside Exception;
    # a catch-all or a custom error class written against BaseException gets Exception.
    table["BaseException"] = Exception
    table.update({"None": None, "True": True, "False": False})
    table["NotImplemented"] = NotImplemented
    table["Ellipsis"] = Ellipsis
    return table


class Printer:
    """Where ``print()`` goes: the mod's log, through the ``ctx`` of the running call
    (``ctx.log``: the ``log`` capability and its per-tick budget apply). Lines printed while
    no call has a ``ctx`` (a module body) wait for the next call that has one.

    :param max_pending: lines kept while waiting (older ones are dropped).
    """

    def __init__(self, max_pending: int = 100) -> None:
        #: The ``ctx`` of the call running now (None: a module body or no ``ctx``).
        self.ctx: Any = None
        self.pending: list[str] = []
        self._partial = ""
        self._max = max_pending

    def write(self, text: str) -> None:
        """Add ``text``; every completed line goes to the log."""
        text = self._partial + text
        *lines, self._partial = text.split("\n")
        self._partial = self._partial[:MAX_PRINT]
        for line in lines:
            self._line(line)

    def finish_line(self) -> None:
        """Send an unfinished line as it is (a module body ended, as at a program's exit)."""
        if self._partial:
            line, self._partial = self._partial, ""
            self._line(line)

    def flush(self) -> None:
        """Send the lines that waited (and an unfinished line) through the current ``ctx``."""
        self.finish_line()
        if self.ctx is not None and self.pending:
            lines, self.pending = self.pending, []
            for line in lines:
                self.ctx.log(line)

    def _line(self, line: str) -> None:
        log = getattr(self.ctx, "log", None)
        if log is not None:
            log(line)
        else:
            self.pending.append(line)
            del self.pending[: -self._max]


def _print(guards: Guards, printer: Printer) -> Any:
    def print(*values: Any, sep: Any = None, end: Any = None, file: Any = None,
              flush: bool = False) -> None:  # fmt: skip
        if file is not None:
            raise TypeError("print(file=...) is not available: print() writes to the mod's log")
        sep = " " if sep is None else sep
        end = "\n" if end is None else end
        if type(sep) is not str or type(end) is not str:
            raise TypeError("print(): sep and end must be str")
        guards.meter.burn(len(values))
        text = sep.join([guards.text.convert(v, _py.str, "print()") for v in values]) + end
        guards._check(len(text), "print()")
        printer.write(text[:MAX_PRINT])

    return print


def _no_terminal(name: str, error: type[Exception], why: str) -> Any:
    """A builtin that needs a terminal: it compiles (a ``main()`` that asks for input may sit
    unused in a ported file) and raises ``error`` when called."""

    def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise error(f"{name}(): {why}")

    unavailable.__name__ = unavailable.__qualname__ = name
    return unavailable


#: Builtins that need a terminal or a process to stop, and raise when a script calls them.
_NO_TERMINAL: Final[dict[str, Any]] = {
    # EOFError is what input() raises when standard input is closed.
    "input": _no_terminal(
        "input", EOFError, "scripts have no terminal; read input through ctx.input"
    ),
    "help": _no_terminal("help", RuntimeError, "scripts have no terminal"),
    "exit": _no_terminal(
        "exit", RuntimeError, "scripts cannot stop the host; return from the hook instead"
    ),
    "quit": _no_terminal(
        "quit", RuntimeError, "scripts cannot stop the host; return from the hook instead"
    ),
}


def _one_argument_iter(guards: Guards) -> Any:
    def iter(obj: Any, *sentinel: Any) -> Any:
        if sentinel:
            why = "iter(callable, sentinel) loops in C without fuel; write a while loop instead"
            raise guards.meter.trip(ForbiddenSignal(why))
        return _py.iter(obj)

    return iter


def _guarded_format(guards: Guards) -> Any:
    def format(value: Any, spec: Any = "") -> str:
        if type(spec) is not str:
            raise TypeError("format() spec must be str")
        return guards.fmt(value, spec, -1)

    return format


def _converter(name: str, text: TextGuard) -> Any:
    how = getattr(_py, name)
    what = f"{name}()"

    def convert(obj: Any) -> str:
        return text.convert(obj, how, what)  # type: ignore[no-any-return]

    convert.__name__ = convert.__qualname__ = name
    return convert


def _guarded_str(text: TextGuard, guards: Guards) -> Any:
    def make(*args: Any, **kwargs: Any) -> str:
        if len(args) == 1 and not kwargs:
            return text.convert(args[0], _py.str, "str()")  # type: ignore[no-any-return]
        if args:  # str(b, encoding) decodes: the size bytes.decode would check
            check_decode(guards, *args, **kwargs)
        return _py.str(*args, **kwargs)

    return make


def _str_base(text: TextGuard, guards: Guards) -> type:
    """The base a script's ``str`` subclass gets: its constructor checks the text's size
    (a subclass's own ``__new__`` reaches it through ``super()``)."""

    class str(_py.str):
        __slots__ = ()

        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            make = _py.str.__new__
            if len(args) == 1 and not kwargs:
                return text.convert(args[0], lambda v: make(cls, v), "str()")
            if args:
                check_decode(guards, *args, **kwargs)
            return make(cls, *args, **kwargs)

    str.__module__ = "builtins"
    return str


def _guarded_range(guards: Guards) -> Any:
    too_long = range_refusal(guards)

    def range(*args: Any) -> Any:
        r = _py.range(*args)
        # A range costs nothing to build but can feed C consumers (list(), set()) that
        # materialise it: its length is capped by what the memory limit could hold.
        if len(r) > guards.max_bytes // 8:
            too_long(r)
        return r

    return range


def range_refusal(guards: Guards) -> Any:
    """``_rbig_``: refuse a range longer than the memory limit could hold (``len(r) >
    max_bytes // 8``, the inline check's ``_RCAP_``)."""

    def too_long(r: Any) -> Any:
        n = len(r)
        raise guards._over(n * 8, f"range of {n} items")

    return too_long


def loop_range(guarded: Any) -> Any:
    """``_lrange_``: the range a ``for`` loop or comprehension iterates, uncapped.

    Only the compiler calls it, with the name ``range`` as the script sees it: the real range
    when that is the sandbox's own (the loop pays fuel per item), whatever the script bound
    otherwise.
    """

    def lrange(fn: Any, *args: Any) -> Any:
        return _py.range(*args) if fn is guarded else fn(*args)

    return lrange


class _GuardedType(type):
    """Metaclass of a builtin type's stand-in whose constructor checks sizes first: calling
    it builds the real type, ``isinstance`` and class attributes (``bytes.fromhex``) answer
    for the real type."""

    _real: type
    _make: Any

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls._make(*args, **kwargs)

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, cls._real)

    def __subclasscheck__(cls, sub: Any) -> bool:
        if isinstance(sub, _GuardedType):
            sub = sub._real
        return issubclass(sub, cls._real)

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(cls._real, name)


def _stand_in(real: type, make: Any) -> Any:
    # Prints as the real one (<class 'bytes'>); a subclass of it: `case int(n):` binds n.
    namespace = {"_real": real, "_make": staticmethod(make), "__module__": "builtins"}
    bases = (real,) if real in (int, str, bytes) else ()
    return _GuardedType(real.__name__, bases, namespace)


def _guarded_bytes(guards: Guards) -> Any:
    def make(source: Any = b"", *args: Any, **kwargs: Any) -> bytes:
        if type(source) is int:
            guards._check(source, "bytes(n)")
        elif args or kwargs:  # bytes(text, encoding) encodes: the size str.encode would check
            check_encode(guards, source, *args, **kwargs)
        return _py.bytes(source, *args, **kwargs)

    return _stand_in(bytes, make)


def _forbidden(name: Any) -> ForbiddenSignal | None:
    if type(name) is not str:
        return ForbiddenSignal("attribute names must be str")
    why = forbidden_attribute(name)
    return None if why is None else ForbiddenSignal(f"getattr(): {why}", attribute=name)


def _checked(guards: Guards, guest: GuestTypes, obj: Any, name: Any, *, store: bool) -> Any:
    """``obj`` when the script may touch ``obj.name`` (raises the sandbox's refusal)."""
    signal = _forbidden(name)
    if signal is None and store and is_dunder(name):
        signal = ForbiddenSignal(f'"{name}" may only be set in the class body', attribute=name)
    if signal is not None:
        raise guards.meter.trip(signal)
    return guest.own(obj) if is_private(name) else obj


def _guarded_getattr(guards: Guards, guest: GuestTypes) -> Any:
    method = method_guard(guards)

    def getattr(obj: Any, name: Any, *default: Any) -> Any:
        obj = _checked(guards, guest, obj, name, store=False)
        if name in GUARDED_METHODS:
            return method(obj, name)
        return _py.getattr(obj, name, *default)

    return getattr


def _guarded_hasattr(guards: Guards, guest: GuestTypes) -> Any:
    def hasattr(obj: Any, name: Any) -> bool:
        return _py.hasattr(_checked(guards, guest, obj, name, store=False), name)

    return hasattr


def _guarded_setattr(guards: Guards, guest: GuestTypes) -> Any:
    def setattr(obj: Any, name: Any, value: Any) -> None:
        _py.setattr(_checked(guards, guest, obj, name, store=True), name, value)

    return setattr


def _guarded_delattr(guards: Guards, guest: GuestTypes) -> Any:
    def delattr(obj: Any, name: Any) -> None:
        _py.delattr(_checked(guards, guest, obj, name, store=True), name)

    return delattr
