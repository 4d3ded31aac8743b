"""Write ``demo/input.jsonl``: a player who walks to the nearest coin, eight ways, by keys.

The headless demo (``make demo`` without a display) plays this file, so it shows the game
the way a person would play it. Regenerate it after changing the example mods::

    .venv/bin/python demo/make_input.py

It plays the example mods with seed 0 in-process, decides every ``EVERY`` ticks which of
W/A/S/D to hold, and writes the key presses and releases with their ticks.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from runtime.testing import Game, ModhostFixture

ROOT = Path(__file__).resolve().parents[1]
TICKS = 1200
EVERY = 15
DEAD_ZONE = 0.4


def wanted_keys(game: Game) -> set[str]:
    """W/A/S/D towards the nearest coin (none when there is no coin)."""
    (player,) = game.entities("wanderer")
    x, y, _ = player.position
    coins = game.entities("coin")
    if not coins:
        return set()
    cx, cy, _ = min(
        coins, key=lambda c: (c.position[0] - x) ** 2 + (c.position[1] - y) ** 2
    ).position
    keys = set()
    if cx - x > DEAD_ZONE:
        keys.add("d")
    elif x - cx > DEAD_ZONE:
        keys.add("a")
    if cy - y > DEAD_ZONE:
        keys.add("w")
    elif y - cy > DEAD_ZONE:
        keys.add("s")
    return keys


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        fixture = ModhostFixture(Path(tmp))
        game = fixture.load(ROOT / "mods", seed=0)
        events: list[dict[str, object]] = []
        held: set[str] = set()
        while game.tick < TICKS:
            keys = wanted_keys(game)
            for key in sorted(held - keys):
                game.release(key)
                events.append({"tick": game.tick + 1, "type": "key_up", "key": key})
            for key in sorted(keys - held):
                game.press(key)
                events.append({"tick": game.tick + 1, "type": "key_down", "key": key})
            held = keys
            game.step(EVERY)
        score = game.hud.get("scoreboard/a-score")
        fixture.close()
    lines = [json.dumps(e) for e in events]
    header = f"# {len(events)} key events over {TICKS} ticks (seed 0); made by demo/make_input.py"
    (ROOT / "demo" / "input.jsonl").write_text("\n".join([header, *lines]) + "\n", "utf-8")
    print(f"wrote {len(events)} events; {score}")


if __name__ == "__main__":
    main()
