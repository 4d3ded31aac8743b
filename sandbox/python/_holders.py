"""Builtin objects that hold a script's data without being containers, for the retained walk.

A script can keep data in more than lists and dicts: an exception's ``args`` and attributes,
a suspended generator's locals, a ``functools.partial``'s arguments, an iterator's sequence,
a bound method's ``self`` (``[].append`` holds its list), an ``lru_cache``'s entries. None
of these runs script code when read, and :func:`held_by` lists what they hold the way the
garbage collector sees it, so the memory limit counts it.

The sandbox's own objects (its builtins, the imported modules, their functions and classes)
are not the mod's, but a script may store data in them: :func:`stored_in` lists what a script
could have put there, without walking the host's own functions and classes.

What is never followed: code objects, frames and tracebacks (the interpreter's and the host's
state: a traceback's frames hold the host's locals) and modules; of a class, only its own
attributes (never its bases or subclasses).
"""

from __future__ import annotations

import functools
import gc
import itertools
import types
from collections import deque
from collections.abc import Iterable
from typing import Any, Final

from ._names import FUEL

_EMPTY: Final[dict[Any, Any]] = {}


def _iterator_types() -> set[type]:
    samples: list[Any] = [[], (), "", b"", set(), frozenset(), range(0), deque()]
    found = {type(iter(s)) for s in samples}
    found |= {type(iter(_EMPTY)), type(iter(_EMPTY.values())), type(iter(_EMPTY.items()))}
    found |= {type(reversed([])), type(reversed(range(0))), type(reversed(_EMPTY))}
    found |= {type(_EMPTY.keys()), type(_EMPTY.values()), type(_EMPTY.items())}
    return found


_ITERTOOLS: Final = {
    t for t in vars(itertools).values() if isinstance(t, type) and t.__module__ == "itertools"
} | {type(itertools.tee(())[0])}

#: Types whose referents are the data they hold.
HOLDER_TYPES: Final[frozenset[type]] = frozenset(
    {
        *_iterator_types(),
        *_ITERTOOLS,
        enumerate, zip, map, filter, reversed, slice, property, staticmethod, classmethod, super,
        functools.partial, types.MethodType, types.CellType, types.GeneratorType,
        types.BuiltinMethodType,  # [].append holds its list
        functools._lru_cache_wrapper,  # its cache: the arguments and results it keeps
        type(functools.cmp_to_key(min)(0)),  # the wrapped value
    }
)  # fmt: skip
#: Referents never followed (see the module docs).
_NOT_HELD: Final = (types.CodeType, types.FrameType, types.TracebackType, types.ModuleType, type)


#: ``type.__flags__`` bit of a class whose attributes cannot be set (builtin types).
_IMMUTABLE_TYPE: Final = 1 << 8


def held_by(obj: Any) -> list[Any] | None:
    """What ``obj`` holds, or None when it is not a builtin holder of data.

    A class the sandbox built for the mod (a stand-in such as ``range``, a standard-library
    class such as ``Counter`` or ``Enum``) holds the public attributes a script may set.
    """
    if type(obj) in HOLDER_TYPES or isinstance(obj, BaseException):
        return [r for r in gc.get_referents(obj) if not isinstance(r, _NOT_HELD)]
    if _mutable_class(obj):
        # A script sets only public names on a class not its own (private and special names
        # are refused), so the host's own machinery (_real, __doc__, _abc_impl) is skipped.
        return [v for k, v in vars(obj).items() if k[:1] != "_" and not _host_method(v)]
    return None


def _host_method(value: Any) -> bool:
    """A function the host defined in a class, holding nothing a script set: not the mod's."""
    if type(value) in _WRAPPERS:
        value = value.__func__
    return type(value) is types.FunctionType and not _scripts(value) and not value.__dict__


def _scripts(function: types.FunctionType) -> bool:
    """Whether ``function`` is a script's (it runs in a namespace holding the fuel stream)."""
    return FUEL in function.__globals__


def _mutable_class(value: Any) -> bool:
    """A class a script can set attributes on (not a builtin type)."""
    return isinstance(value, type) and not value.__flags__ & _IMMUTABLE_TYPE


_WRAPPERS: Final = (staticmethod, classmethod)


def stored_in(values: Iterable[Any]) -> list[Any]:
    """What a script may have stored among ``values`` (the sandbox's builtins, a module's
    names): data it set (``sys.argv``, a name set on ``math``), and the attributes it set on
    the host's functions and classes; the host's functions and classes themselves are not
    the mod's and are not walked."""
    out: list[Any] = []
    for value in values:
        if type(value) is types.FunctionType:
            if _scripts(value):
                out.append(value)  # the script's own function, bound into a module
            elif value.__dict__:
                out.extend(value.__dict__.values())
        elif _mutable_class(value):
            out.extend(held_by(value) or ())
        elif type(value) not in _NOT_STORED and not isinstance(value, type):
            out.append(value)
    return out


def settable(values: Iterable[Any]) -> list[Any]:
    """The objects among ``values`` a script can set attributes on (Python functions and
    classes that are not builtin types): the sandbox's builtins never change, so this is
    worked out once and :func:`stored_in` looks only at these."""
    return [v for v in values if type(v) is types.FunctionType or _mutable_class(v)]


#: Builtin functions (and methods: the same type) and bound methods hold nothing a script
#: can set.
_NOT_STORED: Final = frozenset({types.BuiltinFunctionType, types.MethodType, types.ModuleType})
