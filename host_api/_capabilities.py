"""Capability names and the granted set a mod instance holds.

A :class:`CapabilitySet` has no public constructor: only :func:`grant` (called by the
runtime's load step with the manifest's request and the host policy) mints one, so nothing a
mod holds can widen it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import Any, Final, NoReturn, final


class Capability(StrEnum):
    """The names a manifest may request. Extend in the same ``area.verb`` style."""

    WORLD_READ = "world.read"
    WORLD_WRITE = "world.write"
    WORLD_SPAWN = "world.spawn"
    EVENTS_EMIT = "events.emit"
    EVENTS_LISTEN = "events.listen"
    LOG = "log"
    FS_READ = "fs.read"
    STORAGE = "storage"
    #: Reserved: no network function exists; always denied whatever the policy says.
    NET = "net"
    INPUT_READ = "input.read"
    UI_WRITE = "ui.write"
    TIMERS = "timers"


ALL_CAPABILITIES: Final[frozenset[str]] = frozenset(c.value for c in Capability)
#: Never granted, whatever manifest and policy say.
ALWAYS_DENIED: Final[frozenset[str]] = frozenset({Capability.NET.value})


class _NoPublicConstructor(type):
    """Metaclass: calling the class raises; the module mints instances with ``_create``."""

    def __call__(cls, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(f"{cls.__module__}.{cls.__qualname__} has no public constructor")

    def _create(cls, *args: Any, **kwargs: Any) -> Any:
        return super().__call__(*args, **kwargs)


@final
class CapabilitySet(metaclass=_NoPublicConstructor):
    """The effective, immutable capabilities of one mod instance."""

    __slots__ = ("_names", "mod_id")

    def __init__(self, mod_id: str, names: frozenset[str]) -> None:
        self.mod_id: Final = mod_id
        self._names: Final = names

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._names))

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"CapabilitySet({self.mod_id!r}, {sorted(self._names)!r})"

    def __setattr__(self, name: str, value: object) -> None:
        if hasattr(self, name):
            raise AttributeError("CapabilitySet is immutable")
        object.__setattr__(self, name, value)


def grant(mod_id: str, requested: Iterable[str], allowed: Iterable[str]) -> CapabilitySet:
    """Mint the effective set: what the manifest requested AND the policy allows.

    :param mod_id: the mod the set is bound to.
    :param requested: capability names from the manifest.
    :param allowed: capability names the host policy allows for this mod.
    """
    names = frozenset(requested) & frozenset(allowed) & ALL_CAPABILITIES
    return CapabilitySet._create(mod_id, names - ALWAYS_DENIED)  # type: ignore[no-any-return]
