"""What one mod may make: entities, spawns per tick, colliders, and tags per entity.

The cost of many host operations grows with the world, and the world is shared, so each mod's
share is capped. :class:`EntityQuota` keeps one mod's running counts (upper bounds, recounted
from the world only when a cap is reached, at most once a tick) and raises
:class:`EntityLimit` (``MOD_ENTITY_LIMIT``) past a cap; too many tags on one entity is a
``MOD_PAYLOAD_LIMIT``.
"""

from __future__ import annotations

from typing import Any, Final

from ._diagnostics import DiagnosticCode
from ._errors import ModFault
from ._values import BadArgument, PayloadTooLarge
from ._world_port import WorldPort

#: Tags one entity may carry (``MOD_PAYLOAD_LIMIT`` beyond).
MAX_TAGS: Final = 32
#: Live entities one mod may own (``MOD_ENTITY_LIMIT`` beyond): the cost of many host
#: operations grows with the world, and the world is shared.
MAX_ENTITIES_PER_MOD: Final = 20_000
#: Spawns one mod may make in one tick (``MOD_ENTITY_LIMIT`` beyond).
MAX_SPAWNS_PER_TICK: Final = 2_000
#: Entities of one mod with a collider at once (``MOD_ENTITY_LIMIT`` beyond): contact
#: detection costs grow with the colliders in a pile.
MAX_COLLIDERS_PER_MOD: Final = 2_000


class EntityLimit(ModFault):
    """A mod asked for more entities, spawns or colliders than its documented cap."""

    code = DiagnosticCode.MOD_ENTITY_LIMIT


class EntityQuota:
    """One mod's entity, spawn and collider counts against the caps above.

    :param world: the world the mod's entities live in (recounted at a cap).
    :param mod_id: the mod counted.
    """

    __slots__ = ("_colliders", "_counts", "_mod_id", "_world")

    def __init__(self, world: WorldPort, mod_id: str) -> None:
        self._world = world
        self._mod_id = mod_id
        #: [tick of the spawn count, spawns this tick, entities owned (an upper bound: it is
        #: recounted from the world at the cap), tick of the last recount]
        self._counts = [-1, 0, 0, -1]
        #: Ids this mod gave a collider (an upper bound, recounted at the cap).
        self._colliders: set[int] = set()

    def charge_spawn(self) -> None:
        """Count one spawn against :data:`MAX_SPAWNS_PER_TICK` and
        :data:`MAX_ENTITIES_PER_MOD` (recounting the mod's entities at most once a tick, when
        the running count reaches the cap)."""
        counts, tick = self._counts, self._world.tick
        if counts[0] != tick:
            counts[0], counts[1] = tick, 0
        if counts[1] >= MAX_SPAWNS_PER_TICK:
            raise self._limit(f"at most {MAX_SPAWNS_PER_TICK} spawns per tick", "spawns")
        if counts[2] >= MAX_ENTITIES_PER_MOD and counts[3] != tick:
            counts[3] = tick
            count = getattr(self._world, "count_owned", None)
            if count is not None:
                counts[2] = int(count(self._mod_id))
        if counts[2] >= MAX_ENTITIES_PER_MOD:
            raise self._limit(f"at most {MAX_ENTITIES_PER_MOD} live entities", "entities")
        counts[1] += 1

    def spawned(self) -> None:
        """One more entity owned (the spawn went through)."""
        self._counts[2] += 1

    def charge_collider(self, entity_id: int) -> None:
        """Count ``entity_id``'s collider against :data:`MAX_COLLIDERS_PER_MOD`."""
        colliders = self._colliders
        if entity_id in colliders:
            return
        if len(colliders) >= MAX_COLLIDERS_PER_MOD:
            # Drop ids that are gone (despawned by anyone) before refusing.
            world = self._world
            colliders.intersection_update([i for i in colliders if world.get(i) is not None])
        if len(colliders) >= MAX_COLLIDERS_PER_MOD:
            raise self._limit(f"at most {MAX_COLLIDERS_PER_MOD} colliders", "colliders")
        colliders.add(entity_id)

    def drop_collider(self, entity_id: int) -> None:
        """``entity_id`` no longer has a collider."""
        self._colliders.discard(entity_id)

    def _limit(self, what: str, kind: str) -> EntityLimit:
        return EntityLimit(
            f"a mod may have {what}",
            mod_id=self._mod_id,
            hint="despawn entities you no longer need; spread spawns over ticks",
            details={"limit": kind},
        )


def tag_list(value: Any, mod_id: str) -> tuple[Any, ...]:
    """The tags a spawn asks for, as a tuple (not yet checked one by one).

    :raises BadArgument: not a list or tuple.
    :raises PayloadTooLarge: more than :data:`MAX_TAGS`.
    """
    if type(value) not in (list, tuple):
        raise BadArgument(
            "tags must be a list or tuple of strings", mod_id=mod_id, hint="pass tags=['a', 'b']"
        )
    tags = tuple(value)
    if len(tags) > MAX_TAGS:
        raise PayloadTooLarge(
            f"an entity may have at most {MAX_TAGS} tags ({len(tags)} given)",
            mod_id=mod_id,
            hint="use fewer tags; keep per-entity data in ctx.state",
            details={"what": "tags", "limit": MAX_TAGS},
        )
    return tags
