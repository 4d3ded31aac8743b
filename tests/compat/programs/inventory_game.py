"""A tiny turn-based combat game: dataclasses, enums, seeded random and a log."""

import random
from dataclasses import dataclass, field
from enum import Enum


class Kind(Enum):
    WARRIOR = "warrior"
    MAGE = "mage"
    ROGUE = "rogue"


@dataclass
class Fighter:
    name: str
    kind: Kind
    hp: int = 30
    attack: int = 6
    log: list = field(default_factory=list)

    @property
    def alive(self) -> bool:
        return self.hp > 0

    def hit(self, other: "Fighter", rng: random.Random) -> int:
        bonus = {Kind.WARRIOR: 2, Kind.MAGE: rng.randint(0, 6), Kind.ROGUE: 1}[self.kind]
        crit = 2 if rng.random() < 0.15 else 1
        damage = (self.attack + bonus) * crit
        other.hp = max(0, other.hp - damage)
        self.log.append(damage)
        return damage


def battle(a: Fighter, b: Fighter, seed: int) -> str:
    rng = random.Random(seed)
    turn = 0
    while a.alive and b.alive:
        attacker, defender = (a, b) if turn % 2 == 0 else (b, a)
        attacker.hit(defender, rng)
        turn += 1
    winner = a if a.alive else b
    return f"{winner.name} wins after {turn} turns ({a.hp} vs {b.hp})"


for seed in range(4):
    print(battle(Fighter("Conan", Kind.WARRIOR), Fighter("Merlin", Kind.MAGE, hp=26), seed))
f = Fighter("Robin", Kind.ROGUE)
print(f, f.alive)
rng = random.Random(7)
print(rng.choice(list(Kind)).value, rng.sample(range(10), 3), round(rng.uniform(1, 2), 6))
deck = list(range(10))
rng.shuffle(deck)
print(deck, rng.randrange(0, 100, 5), round(rng.gauss(0, 1), 6))
