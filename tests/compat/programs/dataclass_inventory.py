"""An inventory built from dataclasses, with ordering, defaults and derived fields."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import ClassVar, List


@dataclass(order=True)
class Item:
    sort_key: tuple = field(init=False, repr=False)
    name: str
    weight: float
    value: int = 0
    tags: List[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sort_key = (-self.value, self.name)


@dataclass
class Inventory:
    capacity: float
    items: List[Item] = field(default_factory=list)
    MAX_ITEMS: ClassVar[int] = 10

    @property
    def weight(self) -> float:
        return sum(i.weight for i in self.items)

    def add(self, item: Item) -> bool:
        if self.weight + item.weight > self.capacity or len(self.items) >= self.MAX_ITEMS:
            return False
        self.items.append(item)
        return True

    def best(self, n: int) -> list[str]:
        return [i.name for i in sorted(self.items)[:n]]


inv = Inventory(capacity=25.0)
for it in [Item("sword", 8.0, 30, ["weapon"]), Item("shield", 10.0, 25), Item("potion", 0.5, 12),
           Item("gem", 0.1, 100, ["valuable"]), Item("anvil", 50.0, 5)]:
    print(it.name, inv.add(it))
print(round(inv.weight, 2), inv.best(3))
print(asdict(inv.items[0]))
print(replace(inv.items[2], value=15))
print(Item("a", 1.0) == Item("a", 1.0), Item("a", 1.0, 5) < Item("b", 1.0, 1))
