"""An LRU cache built on OrderedDict, and a rate limiter with deque; dunder-based API."""

from collections import OrderedDict, deque


class LRU:
    def __init__(self, capacity):
        self.capacity = capacity
        self.data = OrderedDict()
        self.hits = self.misses = 0

    def __getitem__(self, key):
        if key in self.data:
            self.hits += 1
            self.data.move_to_end(key)
            return self.data[key]
        self.misses += 1
        raise KeyError(key)

    def __setitem__(self, key, value):
        self.data[key] = value
        self.data.move_to_end(key)
        if len(self.data) > self.capacity:
            self.data.popitem(last=False)

    def __contains__(self, key):
        return key in self.data

    def __len__(self):
        return len(self.data)

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default


class RateLimiter:
    def __init__(self, limit, window):
        self.limit, self.window = limit, window
        self.events = deque()

    def allow(self, now):
        while self.events and self.events[0] <= now - self.window:
            self.events.popleft()
        if len(self.events) < self.limit:
            self.events.append(now)
            return True
        return False


cache = LRU(3)
for k in "abcadeb":
    if cache.get(k) is None:
        cache[k] = k.upper()
print(list(cache.data.items()), cache.hits, cache.misses, "a" in cache, len(cache))
rl = RateLimiter(3, 10)
print([rl.allow(t) for t in [0, 1, 2, 3, 9, 10, 11, 12, 25]])
