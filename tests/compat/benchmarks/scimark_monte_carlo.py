"""SciMark Monte Carlo estimate of pi with a small linear congruential generator."""


class LCG:
    def __init__(self, seed):
        self.state = seed

    def next_double(self):
        self.state = (self.state * 1103515245 + 12345) % 2147483648
        return self.state / 2147483648.0


def run(n):
    rng = LCG(113)
    inside = 0
    for _ in range(n):
        x = rng.next_double()
        y = rng.next_double()
        if x * x + y * y <= 1.0:
            inside += 1
    return round(4.0 * inside / n, 6)


print(run(20000))
