"""The documented caps on what one host call or one mod may ask of the host (README "Limits").

They live in ``host_api``, shared by scripts and components: JSON text from a component is
bounded in bytes and depth before it is parsed; payloads from scripts in bytes, depth and
items; spawns in tags, per tick and per mod; colliders per mod.
"""

from __future__ import annotations

from typing import Any

import pytest

from host_api import (
    MAX_PAYLOAD_BYTES,
    BadArgument,
    DiagnosticCode,
    EntityLimit,
    HostAPI,
    PayloadTooLarge,
    parse_json_text,
)
from host_api._quota import (
    MAX_COLLIDERS_PER_MOD,
    MAX_ENTITIES_PER_MOD,
    MAX_SPAWNS_PER_TICK,
    MAX_TAGS,
)
from host_api._values import MAX_DEPTH
from host_api.testing import FakeWorld, recording_api


def _parse(text: str) -> Any:
    return parse_json_text(text, mod_id="m", what="event payload")


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5_000, 100_000])
def test_deep_json_text_is_refused_before_parsing(depth: int) -> None:
    with pytest.raises(PayloadTooLarge) as info:
        _parse("[" * depth + "]" * depth)
    assert info.value.code == DiagnosticCode.MOD_PAYLOAD_LIMIT
    assert f"nested deeper than {MAX_DEPTH}" in info.value.message


def test_json_at_the_depth_cap_parses_and_brackets_in_strings_do_not_count() -> None:
    assert _parse("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    assert _parse('{"a": "' + "[" * 100 + '\\"", "b": [1, {"c": "]]]"}]}')["b"][1] == {"c": "]]]"}


def test_json_text_is_bounded_in_utf8_bytes() -> None:
    euro = "\u20ac"  # three bytes in UTF-8
    assert _parse('"' + euro * (MAX_PAYLOAD_BYTES // 3 - 1) + '"')
    with pytest.raises(PayloadTooLarge, match="longer than"):
        _parse('"' + euro * (MAX_PAYLOAD_BYTES // 3 + 1) + '"')
    with pytest.raises(PayloadTooLarge, match="longer than"):
        _parse(" " * (MAX_PAYLOAD_BYTES + 1))


def test_text_that_is_not_json_is_a_bad_argument() -> None:
    with pytest.raises(BadArgument) as info:
        _parse("[1, 2")
    assert info.value.code == DiagnosticCode.SANDBOX_ERROR
    with pytest.raises(BadArgument):
        _parse("1" * 10_000)  # past Python's int-conversion limit: refused, not a crash


def test_a_script_payload_is_bounded_in_total_bytes() -> None:
    api, world, _ = recording_api()
    chunk = "x" * 60_000  # under the per-string cap; five of them are over the payload cap
    with pytest.raises(PayloadTooLarge) as info:
        api.emit("big", [chunk] * 5)
    assert info.value.code == DiagnosticCode.MOD_PAYLOAD_LIMIT
    assert world.events == []
    api.emit("fine", [chunk] * 4)
    assert len(world.events) == 1


def test_tags_per_entity() -> None:
    api, world, _ = recording_api()
    api.spawn("k", tags=["t"] * MAX_TAGS)
    with pytest.raises(PayloadTooLarge) as info:
        api.spawn("k", tags=["t"] * (MAX_TAGS + 1))
    assert info.value.code == DiagnosticCode.MOD_PAYLOAD_LIMIT
    assert len(world.entities) == 1


def test_spawns_per_tick_reset_with_the_tick() -> None:
    api, world, _ = recording_api()
    for _ in range(MAX_SPAWNS_PER_TICK):
        api.spawn("k")
    with pytest.raises(EntityLimit) as info:
        api.spawn("k")
    assert info.value.code == DiagnosticCode.MOD_ENTITY_LIMIT
    world.tick += 1
    api.spawn("k")
    assert len(world.entities) == MAX_SPAWNS_PER_TICK + 1


def test_entities_per_mod_are_recounted_at_the_cap() -> None:
    api, world, _ = recording_api()
    while len(world.entities) < MAX_ENTITIES_PER_MOD:
        world.tick += 1
        for _ in range(min(MAX_SPAWNS_PER_TICK, MAX_ENTITIES_PER_MOD - len(world.entities))):
            api.spawn("k")
    world.tick += 1
    with pytest.raises(EntityLimit, match="live entities"):
        api.spawn("k")
    # Entities that went away (despawned by anyone) make room again, from the next tick.
    for eid in list(world.entities)[:10]:
        world.despawn(eid)
    world.tick += 1
    api.spawn("k")
    # Other mods' entities do not count against this one.
    other, _, _ = recording_api("other", world=world)
    other.spawn("k")


class _Colliders:
    """The collider part of a gameplay port: who got which collider."""

    def __init__(self) -> None:
        self.set: dict[int, object] = {}

    def set_collider(self, mod_id: str, entity_id: int, collider: object) -> None:
        if collider is None:
            self.set.pop(entity_id, None)
        else:
            self.set[entity_id] = collider


def test_colliders_per_mod() -> None:
    from host_api import grant
    from host_api._capabilities import ALL_CAPABILITIES

    world = FakeWorld()
    port = _Colliders()
    api = HostAPI(
        grant("m", ALL_CAPABILITIES, ALL_CAPABILITIES),
        world,
        mod_root=__import__("pathlib").Path("."),
        seed=0,
        gameplay=port,  # type: ignore[arg-type]
    )
    sphere = {"shape": "sphere", "radius": 1.0}
    ids = []
    for i in range(MAX_COLLIDERS_PER_MOD):
        world.tick = i // MAX_SPAWNS_PER_TICK
        ids.append(api.spawn("k", collider=sphere))
    world.tick += 1
    extra = api.spawn("k")
    with pytest.raises(EntityLimit, match="colliders"):
        api.set_collider(extra, sphere)
    api.set_collider(ids[0], None)  # removing one makes room
    api.set_collider(extra, sphere)
    assert len(port.set) == MAX_COLLIDERS_PER_MOD


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('"\\ud800"', "not valid Unicode text"),
        ('{"\\udfff": 1}', "not valid Unicode text"),
        ("[" + "9" * 400 + "]", "outside the 64-bit range"),
        ("-9223372036854775809", "outside the 64-bit range"),
    ],
)
def test_json_text_holds_no_more_than_a_script_payload_may(text: str, why: str) -> None:
    # A component's JSON can spell, in escapes and digits, what a script's payload cannot hold.
    with pytest.raises(BadArgument, match=why):
        _parse(text)
    assert _parse("9223372036854775807") == 2**63 - 1
