"""Generator-based coroutines: a pipeline of producer, filters and a consumer using send()."""


def consumer(results):
    total = 0
    while True:
        item = yield
        if item is None:
            break
        total += item
    results.append(total)


def filter_even(target):
    while True:
        item = yield
        if item is None:
            break
        if item % 2 == 0:
            target.send(item)


def scale(target, k):
    while True:
        item = yield
        if item is None:
            break
        target.send(item * k)


def run(n):
    results = []
    sink = consumer(results)
    next(sink)
    mid = scale(sink, 3)
    next(mid)
    head = filter_even(mid)
    next(head)
    for i in range(n):
        head.send(i)
    for g in (head, mid):
        try:
            g.send(None)
        except StopIteration:
            pass
    try:
        sink.send(None)
    except StopIteration:
        pass
    return results


print(run(2000))
