"""Event delivery order: load order of the emitter, then entity id, then emission order."""

from __future__ import annotations

from runtime.core._events import EventQueue, for_receiver


def test_drain_sorts_by_load_rank_then_entity_then_emission() -> None:
    queue = EventQueue()
    rank = {"a": 0, "b": 1}
    queue.emit("b", None, "b-mod", None, 1)
    queue.emit("a", 7, "a-7-first", None, 1)
    queue.emit("a", 3, "a-3", None, 1)
    queue.emit("a", None, "a-mod", None, 1)
    queue.emit("a", 7, "a-7-second", None, 1)
    queue.emit("gone", None, "unknown-mod", None, 1)
    queue.emit("b", 1, "b-1", None, 1)
    events, dropped = queue.drain(lambda m: rank.get(m, len(rank)))
    assert [e.name for e in events] == [
        "a-mod",
        "a-3",
        "a-7-first",
        "a-7-second",
        "b-mod",
        "b-1",
        "unknown-mod",
    ]
    assert dropped == {}
    assert len(queue) == 0


def test_a_flood_beyond_the_tick_cap_is_dropped_and_counted(monkeypatch) -> None:
    monkeypatch.setattr("runtime.core._events.MAX_EVENTS_PER_TICK", 3)
    queue = EventQueue()
    for n in range(5):
        queue.emit("noisy", None, f"e{n}", None, 1)
    events, dropped = queue.drain(lambda m: 0)
    assert [e.name for e in events] == ["e0", "e1", "e2"]
    assert dropped == {"noisy": 2}


def test_each_receiver_gets_its_own_payload() -> None:
    queue = EventQueue()
    queue.emit("a", None, "e", {"list": [1, {"x": 2}]}, 1)
    (event,), _ = queue.drain(lambda m: 0)
    one, two = for_receiver(event), for_receiver(event)
    one.payload["list"][1]["x"] = 99  # type: ignore[index]
    assert two.payload == {"list": [1, {"x": 2}]}
    assert event.payload == {"list": [1, {"x": 2}]}
