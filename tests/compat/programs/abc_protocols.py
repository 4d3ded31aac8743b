"""Duck typing with collections.abc and typing.Protocol, and isinstance checks."""

from collections.abc import Iterable, Mapping, Sequence, Callable
from typing import Protocol, Union


class Shape(Protocol):
    def area(self) -> float: ...


class Square:
    def __init__(self, side: float) -> None:
        self.side = side

    def area(self) -> float:
        return self.side ** 2


def flatten(value: Union[Iterable, int]) -> list:
    if isinstance(value, (str, bytes)):
        return [value]
    if isinstance(value, Mapping):
        return [item for k in sorted(value) for item in flatten(value[k])]
    if isinstance(value, Iterable):
        return [item for v in value for item in flatten(v)]
    return [value]


def describe(x) -> str:
    kinds = []
    for name, abc in (("iterable", Iterable), ("sequence", Sequence), ("mapping", Mapping),
                      ("callable", Callable)):
        if isinstance(x, abc):
            kinds.append(name)
    return ",".join(kinds) or "scalar"


print(flatten([1, [2, (3, {"b": 5, "a": 4})], "six", b"7"]))
for thing in ([1], (1,), {"a": 1}, "s", 5, len, {1}, range(3), Square(2)):
    print(type(thing).__name__ if not callable(thing) or isinstance(thing, type) else "function",
          describe(thing))
shapes: list[Shape] = [Square(2), Square(3)]
print(sum(s.area() for s in shapes))
