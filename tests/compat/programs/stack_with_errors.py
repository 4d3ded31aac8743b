"""A bounded stack in the style of algorithm collections: custom errors derived from
BaseException, ``__all__``, a benchmark that imports ``timeit`` only when it runs, an
interactive ``main()`` and a doctest runner under the main guard."""

from __future__ import annotations

from typing import Generic, TypeVar

__all__ = ["Stack", "StackOverflowError", "StackUnderflowError"]
__version__ = "1.2"

T = TypeVar("T")


class StackOverflowError(BaseException):
    pass


class StackUnderflowError(BaseException):
    pass


class Stack(Generic[T]):
    """
    >>> s = Stack(2)
    >>> s.push(1)
    >>> s.pop()
    1
    """

    def __init__(self, limit: int = 10):
        self.stack: list[T] = []
        self.limit = limit

    def __bool__(self) -> bool:
        return bool(self.stack)

    def __str__(self) -> str:
        return str(self.stack)

    def push(self, data: T) -> None:
        if len(self.stack) >= self.limit:
            raise StackOverflowError
        self.stack.append(data)

    def pop(self) -> T:
        if not self.stack:
            raise StackUnderflowError
        return self.stack.pop()

    def peek(self) -> T:
        if not self.stack:
            raise StackUnderflowError
        return self.stack[-1]


def benchmark() -> None:
    from timeit import timeit

    print(timeit("Stack(5)", setup="from __main__ import Stack"))


def main() -> None:
    size = int(input("How many items? ").strip())
    print(size)


stack: Stack[int] = Stack(3)
for i in range(3):
    stack.push(i * i)
print(stack, "version", __version__, "exports", len(__all__))
try:
    stack.push(99)
except StackOverflowError:
    print("overflow caught")
try:
    Stack().pop()
except BaseException as err:
    print("caught", type(err).__name__, isinstance(err, BaseException))
for n in range(5):
    print(n, end=" ")
print()
while stack:
    print(stack.pop(), end=" ")

if __name__ == "__main__":
    import doctest

    doctest.testmod()
    benchmark()
