"""Word statistics: frequencies, n-grams, a Caesar cipher and run-length encoding."""

import string
from collections import Counter, defaultdict

TEXT = """It was the best of times, it was the worst of times, it was the age of wisdom,
it was the age of foolishness, it was the epoch of belief, it was the epoch of incredulity,
it was the season of Light, it was the season of Darkness"""


def words(text: str) -> list[str]:
    table = str.maketrans("", "", string.punctuation)
    return text.translate(table).lower().split()


def bigrams(tokens: list[str]) -> Counter:
    return Counter(zip(tokens, tokens[1:]))


def caesar(text: str, shift: int) -> str:
    lower = string.ascii_lowercase
    upper = string.ascii_uppercase
    table = str.maketrans(lower + upper, lower[shift:] + lower[:shift] + upper[shift:] + upper[:shift])
    return text.translate(table)


def rle(text: str) -> str:
    out = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and text[j] == text[i]:
            j += 1
        out.append(f"{j - i}{text[i]}")
        i = j
    return "".join(out)


tokens = words(TEXT)
freq = Counter(tokens)
print(len(tokens), freq.most_common(4))
print(bigrams(tokens).most_common(2))
by_len = defaultdict(list)
for w in sorted(set(tokens)):
    by_len[len(w)].append(w)
print(dict(sorted(by_len.items()))[5])
secret = caesar("Hello, World!", 3)
print(secret, caesar(secret, 23))
print(rle("aaabccddddde"), string.capwords("the quick brown fox"))
print(f"{'centered':^20}|{3.14159:>10.3f}|{42:08b}|{255:#x}|{1234567:,}")
