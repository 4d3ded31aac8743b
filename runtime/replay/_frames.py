"""A tick's world as a :class:`~._file.Frame` of per-entity digests, and where two frames
first differ (the lowest entity id whose state differs, and the mod that owns it)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Final, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from marketplace import hash_mod_folder

from ..core import Host
from ._file import U64, Frame, RecordedMod

_MUL: Final = np.uint64(0x9E3779B97F4A7C15)
_MUL2: Final = np.uint64(0xBF58476D1CE4E5B9)


@lru_cache(maxsize=256)
def _name_hashes(names: tuple[object, ...]) -> U64:
    """A stable 64-bit hash per interned name (tuples of tags joined), independent of
    interning order. Cached: the name tables rarely change from one tick to the next."""
    out = np.zeros(max(1, len(names)), dtype=np.uint64)
    for i, name in enumerate(names):
        text = "\x1f".join(name) if isinstance(name, tuple) else str(name)
        out[i] = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
    return out


def _mix(h: U64, v: U64) -> U64:
    """One round of a splitmix-style mix (uint64 arrays wrap silently)."""
    h = (h ^ v) * _MUL
    return (h ^ (h >> np.uint64(31))) * _MUL2


def frame_of(host: Host, mod_index: dict[str, int]) -> Frame:
    """The current world as a :class:`Frame`. Cost: O(entities), vectorised, plus one
    blake2b per distinct kind, owner and tag set."""
    world = host.world
    ids = world.ids.copy()
    labels = world.labels()
    h = _mix(np.full(len(ids), 0x6D6F64686F7374, dtype=np.uint64), ids.astype(np.uint64))
    for name in ("kind", "owner", "tags"):
        codes, names = labels[name]
        h = _mix(h, _name_hashes(names)[codes])
    # + 0.0 folds -0.0 into 0.0, as world_hash does.
    for column in (world.positions + 0.0, world.velocities + 0.0):
        bits = np.ascontiguousarray(column, dtype="<f8").view(np.uint64)
        for axis in range(3):
            h = _mix(h, bits[:, axis])
    owner_codes, owner_names = labels["owner"]
    table = np.array([mod_index.get(str(o), -1) for o in owner_names] or [-1], dtype=np.int32)
    return Frame(ids, h, table[owner_codes])


def mod_set(host: Host) -> list[RecordedMod]:
    """The loaded mods, in load order, with version and digest of their folders."""
    prep = host.preparation
    out = []
    for mod_id in host.load_order:
        candidate = None if prep is None else prep.candidates.get(mod_id)
        if candidate is None:
            continue
        digest = hash_mod_folder(candidate.folder, mod_id=mod_id).digest
        out.append(RecordedMod(id=mod_id, version=candidate.manifest.version, digest=digest))
    return out


class Divergence(BaseModel):
    """Where a replay first differed from its recording."""

    model_config = ConfigDict(extra="forbid")

    tick: int
    #: The lowest entity id whose state differs.
    entity: int
    #: Its kind (from the replay, or None if it exists only in the recording).
    kind: str | None
    #: The mod that owns it.
    mod: str | None
    #: ``state`` (both have it), ``missing`` (recording only) or ``extra`` (replay only).
    difference: Literal["state", "missing", "extra"]


def first_difference(
    recorded: Frame,
    now: Frame,
    tick: int,
    mods: list[RecordedMod],
    kind_of: Callable[[int], Any],
    kind_before: Callable[[int], str | None] = lambda entity: None,
) -> Divergence | None:
    """The lowest-id difference between two frames of ``tick``, or None if they are equal.

    :param kind_of: the replay's entity view by id (None when it does not exist now).
    :param kind_before: an entity's kind at the end of the tick before, for one the replay
        despawned in ``tick`` (the recording keeps digests, not kinds).
    """
    if np.array_equal(recorded.ids, now.ids) and np.array_equal(recorded.digests, now.digests):
        return None
    all_ids = np.union1d(recorded.ids, now.ids)
    for entity in all_ids.tolist():  # stops at the first difference: the lowest id
        r = np.searchsorted(recorded.ids, entity)
        n = np.searchsorted(now.ids, entity)
        in_r = r < len(recorded.ids) and recorded.ids[r] == entity
        in_n = n < len(now.ids) and now.ids[n] == entity
        if in_r and in_n and recorded.digests[r] == now.digests[n]:
            continue
        owner = int(recorded.owners[r]) if in_r else int(now.owners[n])
        view = kind_of(entity)
        return Divergence(
            tick=tick,
            entity=int(entity),
            kind=kind_before(int(entity)) if view is None else view.kind,
            mod=mods[owner].id if 0 <= owner < len(mods) else (view.owner if view else None),
            difference="state" if in_r and in_n else ("missing" if in_r else "extra"),
        )
    return None


class KindsBefore:
    """The replay world's entity kinds as they were when it was made: for an entity that is
    gone after the next tick, so ``diverged.kind`` still names it. Cost: O(entities) copies."""

    def __init__(self, host: Host) -> None:
        self._ids = host.world.ids.copy()
        self._codes, self._names = host.world.labels()["kind"]

    def __call__(self, entity: int) -> str | None:
        at = int(np.searchsorted(self._ids, entity))
        if at < len(self._ids) and self._ids[at] == entity:
            return str(self._names[self._codes[at]])
        return None
