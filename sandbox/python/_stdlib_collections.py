"""The sandbox's ``collections`` (see ``_stdlib`` for the rules every namespace follows):
``Counter`` and ``ChainMap`` as sandbox-local subclasses whose Python methods, which run in
the host, are charged and fed only what they can compute with; ``namedtuple`` with at most
:data:`MAX_FIELDS` fields."""

from __future__ import annotations

import collections as _collections
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from ._stdlib_kit import Kit

COLLECTIONS_NAMES: Final = frozenset(
    {"ChainMap", "Counter", "OrderedDict", "defaultdict", "deque", "namedtuple", "abc"}
)
#: The counts Counter's own arithmetic may meet (exact types: a subclass could answer with
#: its own operators in host code).
_COUNTS: Final = frozenset({int, float, bool})
#: How Counter's own methods read counts (a script's class defining one decides them).
_COUNTER_READS: Final = frozenset(
    {"items", "values", "keys", "get", "__getitem__", "__missing__", "__iter__"}
)
#: Most fields a ``namedtuple`` may have (its class is generated from source text).
MAX_FIELDS: Final = 255


def collections_ns(kit: Kit) -> SimpleNamespace:
    burn = kit.guards.meter.burn

    def _charged(name: str) -> Callable[..., Any]:
        # Counter's arithmetic and updates loop in Python over both operands: charge one
        # unit of fuel per key first, so a huge counter cannot stall a call. They add, take
        # away and compare counts in host code, unguarded: a count that is a list or a
        # string would grow there (c.update(c) doubles it), so every count is a number.
        method = getattr(_collections.Counter, name)

        def charged(self: Any, *args: Any, **kwargs: Any) -> Any:
            mappings = [a for a in args if isinstance(a, dict)]
            burn(len(self) + sum(len(a) for a in mappings) + len(kwargs))
            for counts in (dict.values(self), *map(dict.values, mappings), kwargs.values()):
                if not all(type(count) in _COUNTS for count in counts):
                    raise kit.forbid(
                        f"Counter.{name} with a count that is not a number: Counter adds "
                        "and compares counts itself (keep other values in a dict)"
                    )
            for mapping in (self, *mappings):
                # The counts checked are what a script's items(), get() or [] must hand on.
                for cls in type(mapping).__mro__:
                    if id(cls) in kit.guest.owned_ids and _COUNTER_READS & set(vars(cls)):
                        raise kit.forbid(
                            f"Counter.{name} of a class that defines how counts are read "
                            f"({', '.join(sorted(_COUNTER_READS & set(vars(cls))))}): "
                            "Counter computes with what they return"
                        )
            return method(self, *args, **kwargs)

        charged.__name__ = name
        return charged

    class Counter(_collections.Counter):  # type: ignore[type-arg]
        """A sandbox-local ``Counter``: ``elements()`` is metered (counts can be huge) and the
        Python-level methods are charged per key."""

        def elements(self) -> Iterator[Any]:
            return kit.metered(super().elements())

    for name in ("update", "subtract", "__add__", "__sub__", "__or__", "__and__", "__neg__",
                 "__pos__", "__iadd__", "__isub__", "__ior__", "__iand__", "total", "__eq__",
                 "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "most_common"):  # fmt: skip
        setattr(Counter, name, _charged(name))

    class ChainMap(_collections.ChainMap):  # type: ignore[type-arg]
        """A sandbox-local ``ChainMap``: its lookups loop over ``maps`` in host code, and
        its length and iteration over every key of every map, so each charges that many
        units of fuel first (``maps`` can hold one big dict a million times)."""

        def _charge(self, every_key: bool = False) -> None:
            maps = self.maps
            burn(len(maps))
            if every_key:
                burn(sum(len(m) for m in maps))

        def __getitem__(self, key: Any) -> Any:
            self._charge()
            return super().__getitem__(key)

        def get(self, key: Any, default: Any = None) -> Any:
            self._charge()
            return super().get(key, default)

        def __contains__(self, key: Any) -> bool:
            self._charge()
            return super().__contains__(key)

        def __bool__(self) -> bool:
            self._charge()
            return super().__bool__()

        def __len__(self) -> int:
            self._charge(every_key=True)
            return super().__len__()

        def __iter__(self) -> Iterator[Any]:
            self._charge(every_key=True)
            return super().__iter__()

        def copy(self) -> Any:
            self._charge()
            return super().copy()

    def namedtuple(typename: Any, field_names: Any, *, rename: bool = False,
                   defaults: Any = None, module: Any = None) -> Any:  # fmt: skip
        names = field_names.replace(",", " ").split() if type(field_names) is str else field_names
        names = kit.items(names)
        if len(names) > MAX_FIELDS:
            raise kit.forbid(f"namedtuple with {len(names)} fields (at most {MAX_FIELDS})")
        cls = _collections.namedtuple(typename, names, rename=rename, defaults=defaults)
        return kit.guest.adopt(cls)

    kit.guest.allow_base(Counter, ChainMap, _collections.OrderedDict, _collections.defaultdict,
                         _collections.deque)  # fmt: skip
    return SimpleNamespace(
        ChainMap=ChainMap,
        Counter=Counter,
        OrderedDict=_collections.OrderedDict,
        defaultdict=_collections.defaultdict,
        deque=_collections.deque,
        namedtuple=namedtuple,
    )
