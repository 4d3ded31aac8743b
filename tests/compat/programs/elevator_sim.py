"""An elevator controller: a state machine with enums, dataclasses and a request queue."""

from dataclasses import dataclass, field
from enum import Enum


class Direction(Enum):
    UP = 1
    DOWN = -1
    IDLE = 0


@dataclass
class Elevator:
    floor: int = 0
    direction: Direction = Direction.IDLE
    stops: set = field(default_factory=set)
    log: list = field(default_factory=list)

    def request(self, floor: int) -> None:
        if floor != self.floor:
            self.stops.add(floor)

    def step(self) -> None:
        if not self.stops:
            self.direction = Direction.IDLE
            return
        above = [f for f in self.stops if f > self.floor]
        below = [f for f in self.stops if f < self.floor]
        if self.direction is Direction.UP and not above:
            self.direction = Direction.DOWN
        elif self.direction is Direction.DOWN and not below:
            self.direction = Direction.UP
        elif self.direction is Direction.IDLE:
            self.direction = Direction.UP if above else Direction.DOWN
        self.floor += self.direction.value
        if self.floor in self.stops:
            self.stops.discard(self.floor)
            self.log.append(self.floor)


e = Elevator()
schedule = {0: [5, 2], 3: [1], 6: [8], 9: [0]}
for t in range(25):
    for f in schedule.get(t, []):
        e.request(f)
    e.step()
print(e.log, e.floor, e.direction, e.direction.name)
