"""String algorithms: KMP search, palindromes, anagrams, longest common prefix."""

from collections import Counter
from itertools import permutations


def kmp_table(pattern):
    table = [0] * len(pattern)
    k = 0
    for i in range(1, len(pattern)):
        while k and pattern[i] != pattern[k]:
            k = table[k - 1]
        if pattern[i] == pattern[k]:
            k += 1
        table[i] = k
    return table


def kmp_search(text, pattern):
    table, k, hits = kmp_table(pattern), 0, []
    for i, ch in enumerate(text):
        while k and ch != pattern[k]:
            k = table[k - 1]
        if ch == pattern[k]:
            k += 1
        if k == len(pattern):
            hits.append(i - k + 1)
            k = table[k - 1]
    return hits


def longest_palindrome(s):
    best = ""
    for center in range(2 * len(s) - 1):
        lo, hi = center // 2, center // 2 + center % 2
        while lo >= 0 and hi < len(s) and s[lo] == s[hi]:
            lo, hi = lo - 1, hi + 1
        if hi - lo - 1 > len(best):
            best = s[lo + 1 : hi]
    return best


def group_anagrams(words):
    groups = {}
    for w in words:
        groups.setdefault("".join(sorted(w)), []).append(w)
    return sorted(groups.values(), key=lambda g: (-len(g), g))


def common_prefix(words):
    if not words:
        return ""
    lo, hi = min(words), max(words)
    i = 0
    while i < len(lo) and lo[i] == hi[i]:
        i += 1
    return lo[:i]


print(kmp_table("abacabab"), kmp_search("abababcabababab", "abab"))
print(longest_palindrome("forgeeksskeegfor"), longest_palindrome("abacdfgdcaba"))
print(group_anagrams(["eat", "tea", "tan", "ate", "nat", "bat"]))
print(common_prefix(["interspecies", "interstellar", "interstate"]), common_prefix(["a", "b"]))
print(Counter("mississippi").most_common(2), sorted({"".join(p) for p in permutations("aab")}))
print("racecar"[::-1] == "racecar", "Hello World".swapcase(), "a-b-c".rsplit("-", 1))
