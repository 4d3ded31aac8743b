"""A binary heap class with the container protocol, and a task scheduler on heapq."""

from __future__ import annotations

import heapq
import itertools
from typing import Any, Generic, Iterator, TypeVar

T = TypeVar("T")


class MinHeap(Generic[T]):
    def __init__(self, items: list[T] | None = None) -> None:
        self._data: list[T] = []
        for item in items or []:
            self.push(item)

    def push(self, item: T) -> None:
        self._data.append(item)
        self._up(len(self._data) - 1)

    def pop(self) -> T:
        data = self._data
        data[0], data[-1] = data[-1], data[0]
        top = data.pop()
        if data:
            self._down(0)
        return top

    def _up(self, i: int) -> None:
        while i and self._data[i] < self._data[(i - 1) // 2]:
            parent = (i - 1) // 2
            self._data[i], self._data[parent] = self._data[parent], self._data[i]
            i = parent

    def _down(self, i: int) -> None:
        n = len(self._data)
        while True:
            small = i
            for child in (2 * i + 1, 2 * i + 2):
                if child < n and self._data[child] < self._data[small]:
                    small = child
            if small == i:
                return
            self._data[i], self._data[small] = self._data[small], self._data[i]
            i = small

    def __len__(self) -> int:
        return len(self._data)

    def __bool__(self) -> bool:
        return bool(self._data)

    def __iter__(self) -> Iterator[T]:
        copy = MinHeap(list(self._data))
        while copy:
            yield copy.pop()

    def __repr__(self) -> str:
        return f"MinHeap({list(self)})"


class Scheduler:
    def __init__(self) -> None:
        self.queue: list[tuple[int, int, str]] = []
        self.counter = itertools.count()

    def add(self, priority: int, name: str) -> None:
        heapq.heappush(self.queue, (priority, next(self.counter), name))

    def run(self) -> list[Any]:
        order = []
        while self.queue:
            priority, _, name = heapq.heappop(self.queue)
            order.append((priority, name))
        return order


h = MinHeap([5, 3, 8, 1, 9, 2])
print(h, len(h))
print([h.pop() for _ in range(3)], len(h))
s = Scheduler()
for p, n in [(3, "draw"), (1, "input"), (2, "physics"), (1, "audio"), (5, "save")]:
    s.add(p, n)
print(s.run())
print(heapq.nsmallest(3, [7, 1, 8, 2, 9]), heapq.nlargest(2, "hello world"))
