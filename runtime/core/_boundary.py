"""The stage boundary: spawns and despawns queued during a stage take effect, and every
record that follows an entity learns of it.

Applied after every stage, after a mod's ``on_load`` and after each step of a hot reload.
A spawned entity of a kind a running mod scripts is *unseen* by that mod until its
``on_spawn`` runs (the next ``scripts`` stage); a despawned entity's ``ctx.state``, cached
contexts, timers and collider go with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ._book import ModBook
from ._mods import ModInstance
from ._world import World

if TYPE_CHECKING:
    from ..gameplay import Gameplay


def apply_boundary(
    world: World, book: ModBook, instances: Mapping[str, ModInstance], gameplay: Gameplay
) -> None:
    """Apply the world's queued commands and bring the records up to date."""
    born, died = world.apply_commands()
    if born:
        _note_spawns(world, book, instances, born)
    for entity_id in died:
        gameplay.forget_entity(entity_id)
        for mod_id, instance in instances.items():
            instance.forget(entity_id)
            book.entity_state.get(mod_id, {}).pop(entity_id, None)


def _note_spawns(
    world: World, book: ModBook, instances: Mapping[str, ModInstance], born: tuple[int, ...]
) -> None:
    kinds = {}
    for entity_id in born:
        view = world.get(entity_id)
        if view is not None:
            kinds[entity_id] = view.kind
    for mod_id, instance in instances.items():
        scripted = instance.entity_scripts
        if scripted and not book.ledgers[mod_id].quarantined:
            book.unseen[mod_id].extend(i for i in born if kinds.get(i) in scripted)
