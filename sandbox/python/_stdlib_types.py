"""The type-building modules a script may import: ``typing``, ``collections``,
``collections.abc``, ``enum`` and ``dataclasses`` (see ``_stdlib`` for the rules;
``collections`` itself is built in ``_stdlib_collections``).

Type hints are inert here: ``typing`` names are placeholders that accept subscripts and
``|`` (so ``List[int]`` and ``Optional[Node]`` evaluate where Python evaluates them) but lead
nowhere. The ``collections.abc`` names are sandbox-local classes whose ``isinstance`` asks
the real abstract class. Every class-building helper (``dataclass``, ``namedtuple``,
``NamedTuple``, ``Enum``) records the classes it builds as the script's own.
"""

from __future__ import annotations

import collections.abc as _abc
import contextlib
import dataclasses as _dataclasses
import enum as _enum
import sys
import typing as _typing
from collections.abc import Callable, Iterator
from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING, Any, Final

from ._stdlib_collections import COLLECTIONS_NAMES, MAX_FIELDS, collections_ns

if TYPE_CHECKING:
    from ._stdlib_kit import Kit


class _Hint:
    """An inert type hint: subscript it, ``|`` it, call it (``NewType``): it stays a hint."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __getitem__(self, _: Any) -> _Hint:
        return _Hint(self.name)

    def __or__(self, _: Any) -> _Hint:
        return _Hint(self.name)

    __ror__ = __or__

    def __call__(self, *args: Any, **_: Any) -> Any:
        # NewType("UserId", int)(5) and TypeVar("T") both end up here.
        return args[0] if len(args) == 1 else _Hint(self.name)

    def __repr__(self) -> str:
        return f"typing.{self.name}"


class _AbcView(type):
    """Metaclass of the sandbox-local ``collections.abc`` classes: ``isinstance(x, Iterable)``
    asks the real abstract class; a script's subclass of one is an ordinary class."""

    _real: type

    def __instancecheck__(cls, obj: Any) -> bool:
        if "_real" in cls.__dict__:
            return isinstance(obj, cls.__dict__["_real"])
        return type.__instancecheck__(cls, obj)

    def __subclasscheck__(cls, sub: Any) -> bool:
        if "_real" in cls.__dict__:
            return issubclass(sub, cls.__dict__["_real"])
        return type.__subclasscheck__(cls, sub)

    def __getitem__(cls, _: Any) -> Any:
        return cls


ABC_NAMES: Final = tuple(
    n for n in _abc.__all__ if not n.startswith(("Async", "Await", "Coroutine", "Buffer"))
)


def _abc_ns(kit: Kit) -> SimpleNamespace:
    ns = SimpleNamespace()
    for name in ABC_NAMES:
        view = _AbcView(name, (), {"_real": getattr(_abc, name), "__slots__": ()})
        kit.guest.allow_base(view)
        setattr(ns, name, view)
    return ns


class _Generic:
    """Base of the sandbox-local ``Generic`` and ``Protocol``: ``Generic[T]`` is the class."""

    __slots__ = ()

    def __class_getitem__(cls, _: Any) -> Any:
        return cls


_REAL_TYPING: Final = ("ClassVar",)
_DECORATORS: Final = (
    "final", "overload", "no_type_check", "runtime_checkable", "dataclass_transform",
    "no_type_check_decorator", "type_check_only",
)  # fmt: skip
TYPING_NAMES: Final = frozenset(
    {
        *(n for n in _typing.__all__ if n not in ("get_type_hints", "ForwardRef")),
        "TYPE_CHECKING",
    }
)


def _typing_ns(kit: Kit) -> SimpleNamespace:
    abc = kit.modules("collections.abc")
    ns = SimpleNamespace()
    for name in TYPING_NAMES:
        setattr(ns, name, getattr(abc, name, None) or _Hint(name))
    for name in _REAL_TYPING:
        setattr(ns, name, getattr(_typing, name))
    for name in _DECORATORS:
        setattr(ns, name, _identity)
    ns.TYPE_CHECKING = False
    ns.cast = lambda _type, value: value
    ns.NamedTuple = _class_maker(kit, _typing.NamedTuple, _typing._NamedTuple)  # type: ignore[attr-defined]
    ns.TypedDict = _class_maker(kit, _typing.TypedDict, _typing._TypedDict)  # type: ignore[attr-defined]
    ns.assert_type = lambda value, _type: value
    ns.reveal_type = lambda value: value
    ns.get_args = lambda _: ()
    ns.get_origin = lambda _: None
    ns.Generic = type("Generic", (_Generic,), {"__slots__": ()})
    ns.Protocol = type("Protocol", (_Generic,), {"__slots__": ()})
    kit.guest.allow_base(ns.Generic, ns.Protocol, ns.NamedTuple, ns.TypedDict)
    return ns


def _class_maker(kit: Kit, real: Any, base: Any) -> Any:
    """A per-sandbox stand-in for ``NamedTuple``/``TypedDict`` (functions a class statement
    may name as its base: their ``__mro_entries__`` picks the real machinery). The functional
    form (``NamedTuple("P", [("x", int)])``) takes at most ``MAX_FIELDS`` fields, as
    ``namedtuple`` does: the host builds the class field by field, unmetered."""

    def maker(typename: Any, fields: Any = None, /, *args: Any, **kwargs: Any) -> Any:
        if fields is not None and type(fields) is not dict:
            fields = kit.items(fields)
        count = len(kwargs) + (0 if fields is None else len(fields))
        if count > MAX_FIELDS:
            raise kit.forbid(f"{real.__name__} with {count} fields (at most {MAX_FIELDS})")
        if fields is None:
            return real(typename, *args, **kwargs)
        return real(typename, fields, *args, **kwargs)

    maker.__name__ = maker.__qualname__ = real.__name__
    maker.__mro_entries__ = lambda bases: (base,)  # type: ignore[attr-defined]
    return maker


def _identity(fn: Any = None, *_: Any, **__: Any) -> Any:
    return fn if fn is not None else _identity


# -- enum -------------------------------------------------------------------------------------
ENUM_NAMES: Final = frozenset({"Enum", "IntEnum", "Flag", "IntFlag", "StrEnum", "auto", "unique"})


#: The most members one enum class may have: the host's enum machinery compares each new
#: member's value with every earlier one when values are unhashable (``[i]``), in host code
#: no fuel meters (4,000 members took 0.5 s of a module body limited to 50 ms).
MAX_ENUM_MEMBERS: Final = 1024


def _enum_ns(kit: Kit) -> SimpleNamespace:
    # Fresh, member-less subclasses per sandbox: the enum machinery (its metaclass included)
    # stays the host's, but a script can only touch its own copies.
    class Members(_enum.EnumType):
        """The host's enum metaclass, counting a class's members before it builds them."""

        def __new__(mcls, cls: str, bases: Any, classdict: Any, **kwds: Any) -> Any:
            count = len(getattr(classdict, "_member_names", ()))
            if count > MAX_ENUM_MEMBERS:
                raise kit.forbid(
                    f"enum {cls} has {count} members (at most {MAX_ENUM_MEMBERS} in one enum): "
                    "split it, or keep the values in a dict"
                )
            kit.guards.meter.burn(count)  # one unit per member, as for the values of a dict
            return super().__new__(mcls, cls, bases, classdict, **kwds)

    class Enum(_enum.Enum, metaclass=Members):
        pass

    class IntEnum(_enum.IntEnum, metaclass=Members):
        pass

    class Flag(_enum.Flag, metaclass=Members):
        pass

    class IntFlag(_enum.IntFlag, metaclass=Members):
        pass

    class StrEnum(_enum.StrEnum, metaclass=Members):
        pass

    class auto(_enum.auto):
        pass

    bases = (Enum, IntEnum, Flag, IntFlag, StrEnum)
    for base in bases:
        # The functional form (Enum("Name", {...})) builds a class from a dict, where special
        # names such as __del__ would become methods unchecked: only class statements.
        base._create_ = classmethod(_no_functional_enum)  # type: ignore[attr-defined]
    kit.guest.allow_base(*bases)
    return SimpleNamespace(
        Enum=Enum, IntEnum=IntEnum, Flag=Flag, IntFlag=IntFlag, StrEnum=StrEnum, auto=auto,
        unique=_enum.unique,
    )  # fmt: skip


def _no_functional_enum(cls: Any, *_: Any, **__: Any) -> Any:
    raise TypeError(
        "the functional Enum API (Enum('Name', ...)) is not available in scripts; "
        "write a class statement"
    )


# -- dataclasses ------------------------------------------------------------------------------
DATACLASSES_NAMES: Final = frozenset(
    {"dataclass", "field", "fields", "asdict", "astuple", "replace", "is_dataclass",
     "FrozenInstanceError", "MISSING", "InitVar", "KW_ONLY"}
)  # fmt: skip


def _raising(real: Callable[..., None], local: type[Exception]) -> Callable[..., None]:
    """``real`` (a frozen dataclass's ``__setattr__`` or ``__delattr__``), raising the mod's
    own ``FrozenInstanceError`` instead of the host's."""

    def guarded(self: Any, *args: Any) -> None:
        try:
            real(self, *args)
        except _dataclasses.FrozenInstanceError as err:
            if type(err) is not _dataclasses.FrozenInstanceError:
                raise
            raise local(*err.args) from None

    return guarded


def _read_only(self: Any, name: str, value: Any = None) -> None:
    raise AttributeError(
        f"{type(self).__name__.strip('_')} is shared by every mod and the host: "
        "its attributes are read-only"
    )


# dataclasses compares these sentinels by identity, so scripts get the host's own objects;
# nothing may be set on them (it would reach every other mod, and stay after a reload).
for _sentinel in (type(_dataclasses.MISSING), type(_dataclasses.KW_ONLY)):
    _sentinel.__setattr__ = _read_only  # type: ignore[assignment]
    _sentinel.__delattr__ = _read_only  # type: ignore[assignment]


#: What each value asdict/astuple reaches may cost in what they build (a small container).
_REBUILT_BYTES: Final = 64


def _dataclasses_ns(kit: Kit) -> SimpleNamespace:
    copy = kit.modules("copy")

    class FrozenInstanceError(_dataclasses.FrozenInstanceError):
        """The mod's own: the host's class is shared by every mod, and a name a script set
        on it would reach them all. A frozen dataclass of the script raises this one."""

    kit.guest.allow_base(FrozenInstanceError)

    def frozen(cls: Any) -> Any:
        if not cls.__dataclass_params__.frozen:
            return cls
        for name in ("__setattr__", "__delattr__"):
            real = cls.__dict__.get(name)
            if real is not None:
                setattr(cls, name, _raising(real, FrozenInstanceError))
        return cls

    def dataclass(cls: Any = None, /, **options: Any) -> Any:
        def wrap(c: Any) -> Any:
            kit.guest.own(c)
            with _module_stub(c.__module__):
                return kit.guest.adopt(frozen(_dataclasses.dataclass(c, **options)))

        return wrap if cls is None else wrap(cls)

    def rebuilt(obj: Any, what: str) -> None:
        # asdict and astuple rebuild every container each time they reach it (no memo): a
        # list shared twice at each of thirty levels is a billion of them. Count the visits
        # first, a unit of fuel each, and size what they build.
        copy.deepcopy(obj)  # the same check: plain data and the script's own objects
        stream, nodes, stack = kit.guards.meter.stream, 0, [obj]
        while stack:
            value = stack.pop()
            next(stream)
            nodes += 1
            if _dataclasses.is_dataclass(value) and not isinstance(value, type):
                stack.extend(getattr(value, f.name) for f in _dataclasses.fields(value))
            elif isinstance(value, list | tuple):
                stack.extend(value)
            elif isinstance(value, dict):
                stack.extend(value.keys())
                stack.extend(value.values())
        kit.guards._check(nodes * _REBUILT_BYTES, what)

    def asdict(obj: Any, *, dict_factory: Callable[..., Any] = dict) -> Any:
        rebuilt(obj, "dataclasses.asdict")
        return _dataclasses.asdict(obj, dict_factory=dict_factory)

    def astuple(obj: Any, *, tuple_factory: Callable[..., Any] = tuple) -> Any:
        rebuilt(obj, "dataclasses.astuple")
        return _dataclasses.astuple(obj, tuple_factory=tuple_factory)

    def fields(obj: Any) -> Any:
        kit.guest.own(obj)
        return _dataclasses.fields(obj)

    def replace(obj: Any, /, **changes: Any) -> Any:
        kit.guest.own(obj)
        return _dataclasses.replace(obj, **changes)

    return SimpleNamespace(
        dataclass=dataclass,
        field=_dataclasses.field,
        fields=fields,
        asdict=asdict,
        astuple=astuple,
        replace=replace,
        is_dataclass=_dataclasses.is_dataclass,
        FrozenInstanceError=FrozenInstanceError,
        MISSING=_dataclasses.MISSING,
        InitVar=_Hint("InitVar"),
        KW_ONLY=_dataclasses.KW_ONLY,
    )


@contextlib.contextmanager
def _module_stub(name: str) -> Iterator[None]:
    """A stand-in module for a script while ``dataclass`` processes one of its classes.

    ``dataclasses`` reads string annotations (``from __future__ import annotations``) by
    looking ``ClassVar`` and ``InitVar`` up in the class's module, from ``sys.modules``. A
    script is no module: for the length of the call it gets a stub holding just those two
    names (never the script's namespace), then the stub is gone.
    """
    if name in sys.modules:  # pragma: no cover - a script's path is never a module's name
        raise ValueError(name)
    stub = ModuleType(name)
    stub.ClassVar = _typing.ClassVar  # type: ignore[attr-defined]
    stub.InitVar = _dataclasses.InitVar  # type: ignore[attr-defined]
    sys.modules[name] = stub
    try:
        yield
    finally:
        del sys.modules[name]


TYPE_MODULES: Final[dict[str, Callable[[Kit], SimpleNamespace]]] = {
    "typing": _typing_ns,
    "collections": collections_ns,
    "collections.abc": _abc_ns,
    "enum": _enum_ns,
    "dataclasses": _dataclasses_ns,
}
TYPE_NAMES: Final[dict[str, frozenset[str]]] = {
    "typing": TYPING_NAMES,
    "collections": COLLECTIONS_NAMES,
    "collections.abc": frozenset(ABC_NAMES),
    "enum": ENUM_NAMES,
    "dataclasses": DATACLASSES_NAMES,
}
