"""A traffic light and a door as enum-driven state machines."""

from enum import Enum, IntEnum, auto


class Light(Enum):
    RED = auto()
    GREEN = auto()
    YELLOW = auto()

    def next(self) -> "Light":
        order = list(Light)
        return order[(order.index(self) + 1) % len(order)]


class Priority(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3


class Door(Enum):
    OPEN = "open"
    CLOSED = "closed"
    LOCKED = "locked"


TRANSITIONS = {
    (Door.OPEN, "close"): Door.CLOSED,
    (Door.CLOSED, "open"): Door.OPEN,
    (Door.CLOSED, "lock"): Door.LOCKED,
    (Door.LOCKED, "unlock"): Door.CLOSED,
}


def run(state: Door, actions: list[str]) -> list[str]:
    trail = [state.value]
    for action in actions:
        state = TRANSITIONS.get((state, action), state)
        trail.append(state.value)
    return trail


light = Light.RED
seq = []
for _ in range(5):
    seq.append(light.name)
    light = light.next()
print(seq)
print(sorted([Priority.HIGH, Priority.LOW, Priority.MEDIUM]), Priority.HIGH > Priority.LOW)
print(Priority(2), Priority.HIGH + 1, Light.GREEN.value, Door("locked"))
print(run(Door.OPEN, ["lock", "close", "lock", "open", "unlock", "open"]))
print(Light.RED in Light, len(Door), [d.name for d in Door])
