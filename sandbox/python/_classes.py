"""The script's own classes: which bases they may have, and what ``type()`` may reveal.

A script may define ordinary classes (see :data:`_names.CLASS_DUNDERS` for the special methods
it may give them). At run time this module keeps the line between the script's objects and
everything else:

- :meth:`GuestTypes.build_class` (the script's ``__build_class__``) lets a class inherit only
  from the script's own classes, the builtin value and exception types, and the sandbox-local
  classes of the standard-library namespaces; it records every class it builds;
- :meth:`GuestTypes.own` guards every private attribute (``obj._x``): allowed on the
  script's objects only, so ``ctx._api`` stays out of reach;
- :meth:`GuestTypes.type_of` is the script's ``type()``: one argument, and only for the
  script's classes and builtin value types. Host classes are never handed out, so a script
  cannot monkey-patch a class the host or another mod uses;
- :meth:`GuestTypes.dunder` guards ``x.__init__``-style reads of special methods.
"""

from __future__ import annotations

import builtins as _py
import functools
import gc
import weakref
from collections import deque
from collections.abc import Callable, Iterable
from types import FunctionType, MappingProxyType, MemberDescriptorType, MethodType
from typing import Any, Final

from ._fuel import Meter
from ._holders import held_by
from ._names import CLASS_DUNDERS, GROWING_DUNDERS
from ._signals import ForbiddenSignal

#: Builtin types ``type()`` reveals and a class may inherit from (besides exceptions).
VALUE_TYPES: Final[tuple[type, ...]] = (
    object, int, float, complex, bool, str, bytes, tuple, list, dict, set, frozenset,
    type(None), range, slice, type(NotImplemented), type(...),
)  # fmt: skip
#: Types ``type()`` reveals but a class may not inherit from (``bool`` cannot be subclassed).
_NOT_BASES: Final = frozenset({bool, type(None), range, slice, type(NotImplemented), type(...)})


class GuestTypes:
    """The classes one sandbox's scripts built, and the classes they may build on.

    :param meter: the sandbox's meter (refusals are recorded as the call's fault).
    :param exceptions: the exception classes the scripts' builtins offer.
    """

    def __init__(self, meter: Meter, exceptions: Iterable[type]) -> None:
        exceptions = tuple(exceptions)
        self.meter = meter
        #: ids of the script's live classes; a class's weak reference drops its id when the
        #: class is collected (so a class statement run every tick does not pile up).
        self._ids: set[int] = set()
        self._refs: dict[int, weakref.ref[Any]] = {}
        #: ids of the types ``type()`` may return besides the script's own.
        self._visible: set[int] = {id(t) for t in (*VALUE_TYPES, *exceptions)}
        #: ids of the objects a class may name as a base besides the script's own classes.
        self._bases: set[int] = {id(t) for t in (*VALUE_TYPES, *exceptions) if t not in _NOT_BASES}
        self._keep_bases: list[Any] = []
        #: Builtin types whose constructor the sandbox guards: ``type()`` of their values is
        #: the stand-in the scripts' builtins name (``type(b"x") is bytes``).
        self.stand_ins: dict[type, Any] = {}
        #: ids of stand-ins a class may name as a base, and the class it inherits instead.
        self.base_for: dict[int, type] = {}
        #: Called with each class a ``class`` statement builds (after its checks).
        self.class_built: list[Callable[[type], None]] = []

    # -- registration ----------------------------------------------------------------------
    def adopt(self, cls: Any) -> Any:
        """Record ``cls`` as the script's own class (classes the stdlib builds for it)."""
        key = id(cls)
        if key not in self._ids:
            self._ids.add(key)
            self._refs[key] = weakref.ref(cls, functools.partial(self._forget, key))
        return cls

    def _forget(self, key: int, _: Any) -> None:
        self._ids.discard(key)
        self._refs.pop(key, None)

    def allow_base(self, *bases: Any) -> None:
        """Let scripts inherit from ``bases`` (sandbox-local stdlib classes) and see them."""
        for base in bases:
            self._bases.add(id(base))
            self._keep_bases.append(base)
            if isinstance(base, type):
                self._visible.add(id(base))

    def allowed_base(self, obj: Any) -> bool:
        """Whether scripts may name ``obj`` as a base (see :meth:`allow_base`)."""
        return id(obj) in self._bases

    @property
    def owned_ids(self) -> set[int]:
        """The ids of the script's live classes (the set itself, kept current: instrumented
        code tests ``id(type(obj)) in`` it before calling :meth:`own`)."""
        return self._ids

    def is_own(self, obj: Any) -> bool:
        """True for the script's classes and their instances."""
        return id(type(obj)) in self._ids or id(obj) in self._ids

    # -- the script's builtins -------------------------------------------------------------
    def build_class(self, func: Callable[..., Any], name: str, *bases: Any, **kw: Any) -> Any:
        """``__build_class__``: a ``class`` statement, checked bases, no keywords."""
        if kw:
            raise self._forbid(
                f"class {name}: class keywords ({', '.join(kw)}) are not allowed; "
                "write a plain class statement"
            )
        ids, allowed = self._ids, self._bases
        bases = tuple(self.base_for.get(id(base), base) for base in bases)
        for base in bases:
            if any(base is stand_in for stand_in in self.stand_ins.values()):
                raise self._forbid(
                    f"class {name} may not inherit from {base.__name__}: its constructor would "
                    f"build values past the sandbox's size check; keep a {base.__name__} value "
                    "in an attribute of your own class instead"
                )
            if id(base) not in ids and id(base) not in allowed:
                raise self._forbid(
                    f"class {name} may not inherit from {_describe(base)}: inherit from your "
                    "own classes, object, the builtin value and exception types, or the "
                    "sandbox's enum/typing/collections classes"
                )
        cls = self.adopt(_py.__build_class__(func, name, *bases))
        for hook in self.class_built:
            hook(cls)
        return cls

    def own(self, obj: Any) -> Any:
        """``obj`` for ``obj._x``: only the script's classes and instances have private names."""
        if id(type(obj)) in self._ids or id(obj) in self._ids:
            return obj
        if type(obj) is super and self.is_own(obj.__self__):
            return obj  # super()._helper() inside the script's own class
        raise self._forbid(
            f"private attributes (names starting with '_') of {_describe(obj)} are not "
            "available; only your own classes' objects have them"
        )

    def type_of(self, *args: Any) -> Any:
        """``type(x)``: the class of the script's objects and of builtin values only."""
        if len(args) != 1:
            raise self._forbid(
                "type() with three arguments builds classes at run time; write a class statement"
            )
        t = type(args[0])
        if id(t) in self._ids or id(t) in self._visible:
            return self.stand_ins.get(t, t)
        raise self._forbid(
            f"type() of {_describe(args[0])} is not available (host and interpreter classes "
            "stay hidden); use isinstance() or type(x).__name__ on your own objects"
        )

    def dunder(self, obj: Any, name: str) -> Any:
        """``obj.__init__`` and the other special methods of :data:`CLASS_DUNDERS`, read from
        the script's classes and instances and from builtin values only."""
        # A builtin's stand-in (the script's int, str ...) answers as the builtin.
        obj = next((real for real, stand_in in self.stand_ins.items() if stand_in is obj), obj)
        if name not in CLASS_DUNDERS or not (
            self.is_own(obj) or id(type(obj)) in self._visible or id(obj) in self._visible
        ):
            raise self._forbid(f'"{name}" of {_describe(obj)} is not available')
        return self.operator_method(obj, name)

    def operator_method(self, obj: Any, name: str) -> Any:
        """``obj.name``, refused for a growing operator's special method that is not the
        script's own Python code: ``int.__mul__``, ``str.__mul__`` (also inherited by a script's
        subclass, or reached through ``super()``) would run the operator past its allocation
        guard."""
        value = getattr(obj, name)
        if name in GROWING_DUNDERS and not isinstance(value, FunctionType | MethodType):
            raise self._forbid(
                f'"{name}" of {_describe(obj)} is not available: it would skip the size check '
                "of the operator; write the operator itself (a * b), or operator.mul(a, b)"
            )
        return value

    def contents(self, obj: Any) -> list[Any] | None:
        """What ``obj`` holds, for the retained-memory walk: the values of a script object's
        attributes and slots, the items of a builtin container subclass or of a
        standard-library container (``Counter``, ``deque`` ...), read through the builtin
        types' own C-level methods so that no script method runs, or what a builtin holder
        keeps (``_holders``). None: not the script's."""
        t = type(obj)
        held: list[Any] = []
        for base, read in _BUILTIN_CONTENTS:
            if isinstance(obj, base):
                held.extend(read(obj))
        if (id(t) in self._ids or id(t) in self._bases) and not held:
            # An instance (of the script's class, or of a standard-library class the sandbox
            # built for it: ChainMap, Random): its attribute values and slots, as the garbage
            # collector sees them. Reading __dict__ would build the dict an instance otherwise
            # keeps inline, and every later attribute access on it would be about twice as slow.
            held.extend(value for value in gc.get_referents(obj) if value is not t)
        elif id(t) in self._ids or id(obj) in self._ids:
            attributes = getattr(obj, "__dict__", None)
            if type(attributes) is dict:
                held.extend(dict.values(attributes))
            elif type(attributes) is MappingProxyType:
                held.extend(attributes.values())
            held.extend(slot_values(obj))
        elif not held:
            return held_by(obj)
        return held

    def _forbid(self, message: str) -> ForbiddenSignal:
        return self.meter.trip(ForbiddenSignal(message))  # type: ignore[return-value]


def _dict_items(obj: Any) -> list[Any]:
    return [*dict.keys(obj), *dict.values(obj)]


#: Builtin containers and how to read one without calling a subclass's methods.
_BUILTIN_CONTENTS: Final = (
    (dict, _dict_items),
    (list, list.__iter__),
    (tuple, tuple.__iter__),
    (set, set.__iter__),
    (frozenset, frozenset.__iter__),
    (deque, deque.__iter__),
)


def slot_values(obj: Any) -> list[Any]:
    """The filled slots of ``obj``, read through the slot descriptors (no properties run)."""
    out = []
    for cls in type(obj).__mro__:
        for name in cls.__dict__.get("__slots__", ()):
            descriptor = cls.__dict__.get(name)
            if type(descriptor) is MemberDescriptorType:
                try:
                    out.append(descriptor.__get__(obj, cls))
                except AttributeError:
                    continue
    return out


def _describe(obj: Any) -> str:
    """A short, safe description (never calls the object's own ``repr``)."""
    if isinstance(obj, type):
        return f"class {obj.__name__}"
    return f"a {type(obj).__name__} object"
