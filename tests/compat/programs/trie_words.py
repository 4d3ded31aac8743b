"""A trie with insert, prefix search and autocomplete; and a word-ladder BFS."""

from collections import deque
from string import ascii_lowercase


class TrieNode:
    __slots__ = ("children", "end")

    def __init__(self):
        self.children = {}
        self.end = False


class Trie:
    def __init__(self, words=()):
        self.root = TrieNode()
        self.size = 0
        for w in words:
            self.insert(w)

    def insert(self, word):
        node = self.root
        for ch in word:
            node = node.children.setdefault(ch, TrieNode())
        if not node.end:
            node.end = True
            self.size += 1

    def _walk(self, prefix):
        node = self.root
        for ch in prefix:
            node = node.children.get(ch)
            if node is None:
                return None
        return node

    def __contains__(self, word):
        node = self._walk(word)
        return bool(node and node.end)

    def complete(self, prefix):
        node = self._walk(prefix)
        out = []

        def dfs(n, acc):
            if n.end:
                out.append(acc)
            for ch in sorted(n.children):
                dfs(n.children[ch], acc + ch)

        if node:
            dfs(node, prefix)
        return out

    def __len__(self):
        return self.size


def ladder(start, goal, words):
    words = set(words)
    queue = deque([(start, [start])])
    seen = {start}
    while queue:
        word, path = queue.popleft()
        if word == goal:
            return path
        for i in range(len(word)):
            for ch in ascii_lowercase:
                nxt = word[:i] + ch + word[i + 1 :]
                if nxt in words and nxt not in seen:
                    seen.add(nxt)
                    queue.append((nxt, path + [nxt]))
    return []


WORDS = ["cold", "cord", "card", "ward", "warm", "word", "worm", "core", "care", "cart", "car",
         "cat", "cab", "cob", "cod", "code", "coder"]
t = Trie(WORDS)
print(len(t), "card" in t, "ca" in t, t.complete("ca"), t.complete("cod"), t.complete("x"))
print(ladder("cold", "warm", WORDS))
