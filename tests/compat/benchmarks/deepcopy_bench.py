"""copy.deepcopy of nested game state (after pyperformance's deepcopy)."""

import copy
from dataclasses import dataclass, field


@dataclass
class Unit:
    name: str
    hp: int
    pos: tuple
    inventory: list = field(default_factory=list)


def make_state():
    return {
        "units": [Unit(f"u{i}", 100 - i, (i, i * 2), [{"item": "potion", "n": i % 3}] * 2) for i in range(20)],
        "map": [[(x * y) % 5 for x in range(10)] for y in range(10)],
        "meta": {"turn": 7, "flags": {"fog", "night"}, "name": "level"},
    }


def run(n):
    state = make_state()
    total = 0
    for _ in range(n):
        c = copy.deepcopy(state)
        total += len(c["units"]) + c["units"][3].hp
    return total, c == state


print(run(20))
