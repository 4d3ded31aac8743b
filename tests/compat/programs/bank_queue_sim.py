"""A discrete-event simulation of a bank queue with a seeded random stream."""

import random
from collections import deque
from statistics import mean


def simulate(tellers, customers, seed):
    rng = random.Random(seed)
    t = 0.0
    arrivals = []
    for _ in range(customers):
        t += rng.expovariate(1.0)
        arrivals.append((t, rng.uniform(1.5, 4.0)))
    free_at = [0.0] * tellers
    waits = []
    queue = deque(arrivals)
    while queue:
        arrive, service = queue.popleft()
        i = min(range(tellers), key=lambda k: free_at[k])
        start = max(arrive, free_at[i])
        waits.append(start - arrive)
        free_at[i] = start + service
    return round(mean(waits), 4), round(max(waits), 4), round(max(free_at), 4)


for tellers in (2, 3, 4):
    print(tellers, simulate(tellers, 200, seed=11))
