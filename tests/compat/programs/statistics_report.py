"""Descriptive statistics of a seeded sample with the statistics module."""

import random
import statistics

rng = random.Random(2024)
data = [round(rng.gauss(50, 12), 2) for _ in range(200)]
print(round(statistics.mean(data), 6), round(statistics.median(data), 6))
print(round(statistics.stdev(data), 6), round(statistics.pvariance(data), 6))
print(statistics.mode([1, 2, 2, 3, 3, 3, 4]), statistics.multimode("aabbbcccc"))
print([round(q, 4) for q in statistics.quantiles(data, n=4)])
print(round(statistics.fmean([1.5, 2.5, 3.5]), 6), statistics.median_low([1, 3, 5, 7]))
print(round(statistics.geometric_mean([1, 10, 100]), 6), round(statistics.harmonic_mean([40, 60]), 6))
xs = list(range(10))
ys = [2 * x + 1 + (x % 3) for x in xs]
print(round(statistics.correlation(xs, ys), 6), statistics.linear_regression(xs, ys))
nd = statistics.NormalDist(100, 15)
print(round(nd.cdf(130), 6), round(nd.inv_cdf(0.5), 6))
try:
    statistics.mean([])
except statistics.StatisticsError as exc:
    print("error:", exc)
