"""Dictionary and set workloads: word indexing, set algebra, dict merging and sorting."""


def run(n):
    words = [f"w{(i * 7919) % (n // 3 + 1)}" for i in range(n)]
    index = {}
    for i, w in enumerate(words):
        index.setdefault(w, []).append(i)
    counts = {w: len(v) for w, v in index.items()}
    a = {w for w in words if len(w) % 2}
    b = set(words[::3])
    merged = {**counts, **{w: -1 for w in list(b)[:10]}}
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    return len(index), len(a & b), len(a | b), len(a ^ b), len(merged), top


print(run(3000))
