"""Classic comparison sorts, checked against sorted()."""

from __future__ import annotations

import random


def bubble_sort(items: list[int]) -> list[int]:
    data = list(items)
    n = len(data)
    for i in range(n):
        swapped = False
        for j in range(n - i - 1):
            if data[j] > data[j + 1]:
                data[j], data[j + 1] = data[j + 1], data[j]
                swapped = True
        if not swapped:
            break
    return data


def insertion_sort(items: list[int]) -> list[int]:
    data = list(items)
    for i in range(1, len(data)):
        key = data[i]
        j = i - 1
        while j >= 0 and data[j] > key:
            data[j + 1] = data[j]
            j -= 1
        data[j + 1] = key
    return data


def merge_sort(items: list[int]) -> list[int]:
    if len(items) <= 1:
        return list(items)
    mid = len(items) // 2
    left, right = merge_sort(items[:mid]), merge_sort(items[mid:])
    out: list[int] = []
    i = j = 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            out.append(left[i])
            i += 1
        else:
            out.append(right[j])
            j += 1
    out.extend(left[i:])
    out.extend(right[j:])
    return out


def quick_sort(items: list[int]) -> list[int]:
    if len(items) < 2:
        return list(items)
    pivot, *rest = items
    return quick_sort([x for x in rest if x < pivot]) + [pivot] + quick_sort(
        [x for x in rest if x >= pivot]
    )


def heap_sort(items: list[int]) -> list[int]:
    data = list(items)

    def sift(start: int, end: int) -> None:
        root = start
        while 2 * root + 1 < end:
            child = 2 * root + 1
            if child + 1 < end and data[child] < data[child + 1]:
                child += 1
            if data[root] < data[child]:
                data[root], data[child] = data[child], data[root]
                root = child
            else:
                return

    for start in range(len(data) // 2 - 1, -1, -1):
        sift(start, len(data))
    for end in range(len(data) - 1, 0, -1):
        data[0], data[end] = data[end], data[0]
        sift(0, end)
    return data


rng = random.Random(42)
sample = [rng.randint(-500, 500) for _ in range(300)]
expected = sorted(sample)
for sort in (bubble_sort, insertion_sort, merge_sort, quick_sort, heap_sort):
    print(f"{sort.__name__:>15}: {sort(sample) == expected}")
print(expected[:10])
