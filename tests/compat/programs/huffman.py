"""Huffman coding: build the tree with heapq, encode, decode, and compare sizes."""

import heapq
from collections import Counter
from itertools import count


def build(text):
    tick = count()
    heap = [(n, next(tick), ch) for ch, n in sorted(Counter(text).items())]
    heapq.heapify(heap)
    while len(heap) > 1:
        n1, _, a = heapq.heappop(heap)
        n2, _, b = heapq.heappop(heap)
        heapq.heappush(heap, (n1 + n2, next(tick), (a, b)))
    codes = {}

    def walk(node, prefix):
        if isinstance(node, str):
            codes[node] = prefix or "0"
        else:
            walk(node[0], prefix + "0")
            walk(node[1], prefix + "1")

    walk(heap[0][2], "")
    return codes, heap[0][2]


def decode(bits, tree):
    out, node = [], tree
    for b in bits:
        node = node[int(b)]
        if isinstance(node, str):
            out.append(node)
            node = tree
    return "".join(out)


text = "this is an example of a huffman tree built in a sandbox"
codes, tree = build(text)
bits = "".join(codes[c] for c in text)
print(sorted(codes.items())[:6])
print(len(bits), len(text) * 8, round(len(bits) / (len(text) * 8), 4))
print(decode(bits, tree) == text)
