"""A singly linked list and a binary search tree with iteration and containment."""

from typing import Any, Iterator, Optional


class Node:
    def __init__(self, value: Any, next: Optional["Node"] = None) -> None:
        self.value = value
        self.next = next


class LinkedList:
    def __init__(self, values=()) -> None:
        self.head: Optional[Node] = None
        self._size = 0
        for v in reversed(list(values)):
            self.push(v)

    def push(self, value: Any) -> None:
        self.head = Node(value, self.head)
        self._size += 1

    def reverse(self) -> "LinkedList":
        prev = None
        node = self.head
        while node:
            node.next, prev, node = prev, node, node.next
        self.head = prev
        return self

    def __iter__(self) -> Iterator[Any]:
        node = self.head
        while node is not None:
            yield node.value
            node = node.next

    def __len__(self) -> int:
        return self._size

    def __contains__(self, value: Any) -> bool:
        return any(v == value for v in self)

    def __repr__(self) -> str:
        return " -> ".join(map(str, self)) or "empty"


class BST:
    def __init__(self) -> None:
        self.root = None

    def insert(self, key: int) -> None:
        def go(node):
            if node is None:
                return [key, None, None]
            if key < node[0]:
                node[1] = go(node[1])
            elif key > node[0]:
                node[2] = go(node[2])
            return node

        self.root = go(self.root)

    def inorder(self) -> list[int]:
        out: list[int] = []

        def walk(node):
            if node:
                walk(node[1])
                out.append(node[0])
                walk(node[2])

        walk(self.root)
        return out

    def height(self) -> int:
        def h(node):
            return 0 if node is None else 1 + max(h(node[1]), h(node[2]))

        return h(self.root)


ll = LinkedList([1, 2, 3, 4, 5])
print(ll, len(ll), 3 in ll, 9 in ll)
print(ll.reverse(), list(ll)[:2])
t = BST()
for k in [50, 30, 70, 20, 40, 60, 80, 35, 45, 65]:
    t.insert(k)
print(t.inorder(), t.height())
