"""The text of a script's values, bounded before it is made.

``repr()``, ``str()``, ``ascii()``, ``format()``, f-string fields, ``%`` formatting and
``print()`` build a value's text in one C-level operation. A value that shares its parts
makes far more text than it takes memory (``[a] * 1000``, or thirty levels of ``[x, x]``), so
each conversion of anything but a number first bounds the text's size
(:func:`host_api.text_bound`, fuel burned as it walks) against the mod's memory limit.

What the bound cannot see is text the script's own ``__repr__``, ``__str__`` and
``__format__`` return while the conversion runs: those methods are wrapped when their class
is built, and what they return is charged to the conversion in progress, so the total stays
under the same limit.
"""

from __future__ import annotations

import builtins as _py
import functools
import weakref
from collections.abc import Callable
from types import FunctionType
from typing import TYPE_CHECKING, Any, Final

from host_api import TextTooLong, text_bound

if TYPE_CHECKING:
    from ._classes import GuestTypes
    from ._guards import Guards

#: Types whose text is bounded by their own size (the int guards cap an int's digits).
PLAIN_TEXT: Final = frozenset({int, float, complex, bool, type(None)})
#: The special methods that make a script object's text, charged as they return it.
TEXT_METHODS: Final = ("__repr__", "__str__", "__format__")
_DEFAULTS: Final = {"__repr__": object.__repr__, "__str__": object.__str__}


class TextGuard:
    """The text conversions of one sandbox's scripts (``guards.text``)."""

    def __init__(self, guards: Guards, guest: GuestTypes) -> None:
        self._guards = guards
        self._guest = guest
        #: Conversions in progress (a script's ``__repr__`` may convert again).
        self._depth = 0
        #: Characters the outermost conversion in progress may still make.
        self._left = 0
        self._wrappers: weakref.WeakSet[Any] = weakref.WeakSet()
        self._classes: weakref.WeakKeyDictionary[type, int | None] = weakref.WeakKeyDictionary()

    # -- conversions -------------------------------------------------------------------------
    def convert(self, value: Any, how: Callable[[Any], str], what: str) -> Any:
        """``how(value)`` (``repr``, ``str``, ``ascii`` ...) once its text is known to fit."""
        t = type(value)
        if t in PLAIN_TEXT or (t is str and how is _py.str):
            return how(value)
        return self.run(self.bound(value, what), how, value)

    def bound(self, value: Any, what: str) -> int:
        """An upper bound on the text of ``value`` (raises the memory signal past the limit)."""
        guards = self._guards
        try:
            n = text_bound(value, guards.max_bytes, other=self._other, spend=guards.meter.burn)
        except TextTooLong as long:
            raise guards._over(long.bound, what) from None
        guards._check(n, what)
        return n

    def run(self, bound: int, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)``, a conversion whose own text was bounded by ``bound``: what the
        script's text methods return while it runs is charged against the rest."""
        if self._depth == 0:
            self._left = self._guards.max_bytes - bound
        self._depth += 1
        try:
            return fn(*args)
        finally:
            self._depth -= 1

    # -- the script's text methods -----------------------------------------------------------
    def wrap_methods(self, cls: type) -> None:
        """Wrap the text methods ``cls`` defines (a ``class`` statement of the script)."""
        for name in TEXT_METHODS:
            method = cls.__dict__.get(name)
            if type(method) is FunctionType and method not in self._wrappers:
                setattr(cls, name, self._charged(method))

    def _charged(self, method: Callable[..., Any]) -> Callable[..., Any]:
        guards = self._guards

        @functools.wraps(method)
        def charged(obj: Any, *args: Any) -> Any:
            text = method(obj, *args)
            if self._depth and type(text) is str:
                self._left -= len(text)
                if self._left < 0:
                    what = "the text the script's __repr__/__str__ returned in one conversion"
                    raise guards._over(guards.max_bytes - self._left, what)
            return text

        self._wrappers.add(charged)
        return charged

    # -- the bound of objects that are not plain data ----------------------------------------
    def _other(self, obj: Any, walk: Callable[[Any], int]) -> int:
        cls = type(obj)
        names = self._class_text(cls)
        # ``<module.Name object at 0x...>``, ``<class 'module.Name'>``, ``<function f at ...>``.
        n = 32 + len(cls.__qualname__) + len(cls.__module__)
        if names is None:
            return n  # its own methods make any other text, charged as they return it
        n += names
        # A subclass of a value type: its value, read by the builtin's own method.
        if isinstance(obj, int):
            n += walk(int.__index__(obj))
        elif isinstance(obj, str):
            n += walk(str.__str__(obj))
        elif isinstance(obj, float | complex):
            n += 54
        elif isinstance(obj, type | FunctionType):
            n += len(obj.__qualname__) + len(obj.__module__ or "")
        for value in self._guest.contents(obj) or ():
            n += walk(value) + 2
        return n

    def _class_text(self, cls: type) -> int | None:
        """None when the script's own methods (or object's) make the text of ``cls``'s
        instances; else the characters of the names a generated repr (dataclass,
        namedtuple, enum) may show. Once per class: special methods are set only in the
        class body."""
        if cls in self._classes:
            return self._classes[cls]
        own = all(
            (method := getattr(cls, name, default)) is default or method in self._wrappers
            for name, default in _DEFAULTS.items()
        )
        names = None
        if not own:
            names = len(cls.__qualname__) + len(cls.__module__)
            names += sum(
                len(name) + 3
                for klass in cls.__mro__
                if klass.__module__ != "builtins"
                for name in vars(klass)
            )
        self._classes[cls] = names
        return names
