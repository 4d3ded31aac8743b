"""The C fuel stream (``_fuel_stream``): the same units, order and stops as ``compress`` over
the ``itertools`` stream, and no state a failed or hostile refill can break."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterator
from itertools import chain, compress, repeat
from typing import Any

import pytest

from sandbox.python import _fuel

if _fuel.Stream is None:  # pragma: no cover - built without a C compiler
    pytest.skip("the C fuel stream is not built here", allow_module_level=True)

Stream: Any = _fuel.Stream
fueled: Any = _fuel.fueled


class Refills:
    """Chunk sizes handed out in turn (then ``size`` forever), and how many were asked."""

    def __init__(self, *sizes: int, size: int = 3) -> None:
        self.sizes = list(sizes)
        self.size = size
        self.asked = 0

    def __call__(self) -> int:
        self.asked += 1
        return self.sizes.pop(0) if self.sizes else self.size


def _python_stream(refills: Refills) -> Iterator[bool]:
    return chain.from_iterable(map(lambda _: repeat(True, refills()), repeat(None)))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 100])
@pytest.mark.parametrize("stop", [None, 0, 1, 4])
def test_fueled_draws_what_compress_draws(n: int, stop: int | None) -> None:
    c_refills, py_refills = Refills(1, 2), Refills(1, 2)
    c_stream, py_stream = Stream(c_refills), _python_stream(py_refills)
    got: list[list[int]] = [[], []]
    loops = (fueled(range(n), c_stream), compress(range(n), py_stream))
    for out, loop in zip(got, loops, strict=True):
        for i in loop:
            if i == stop:
                break
            out.append(i)
    assert got[0] == got[1] == [i for i in range(n) if stop is None or i < stop]
    assert c_refills.asked == py_refills.asked
    # The same units left in the chunk: the next refill comes at the same pull.
    assert [next(c_stream) for _ in range(5)] == [next(py_stream) for _ in range(5)]
    assert c_refills.asked == py_refills.asked


def test_an_exhausted_iterable_takes_no_unit() -> None:
    stream = Stream(Refills(size=10))
    assert list(fueled([1, 2, 3], stream)) == [1, 2, 3]
    assert stream.remaining() == 7
    assert list(fueled((), stream)) == []
    assert stream.remaining() == 7


def _raising(kind: type[BaseException], then: int = 2) -> Callable[[], int]:
    calls = [0]

    def refill() -> int:
        calls[0] += 1
        if calls[0] % 2:
            raise kind("tripped")
        return then

    return refill


@pytest.mark.parametrize("kind", [RuntimeError, RecursionError, MemoryError, KeyboardInterrupt])
def test_a_failed_refill_raises_at_the_pull_and_the_stream_goes_on(kind: type) -> None:
    stream = Stream(_raising(kind))
    with pytest.raises(kind):
        next(stream)
    assert stream.remaining() == 0
    assert next(stream) is True  # asked again: the stream was not ended by the error
    assert stream.remaining() == 1


def test_a_loop_loses_the_item_its_unit_failed_for_as_compress_does() -> None:
    stream = Stream(_raising(RuntimeError, then=5))
    drawn = iter([10, 20, 30])
    with pytest.raises(RuntimeError):
        next(fueled(drawn, stream))
    assert list(fueled(drawn, stream)) == [20, 30]


@pytest.mark.parametrize(
    ("size", "error"),
    [
        (0, ValueError),
        (-5, ValueError),
        (2**70, OverflowError),
        ("3", TypeError),
        (None, TypeError),
    ],
)
def test_a_refill_of_the_wrong_size_is_an_error_not_a_stream(size: Any, error: type) -> None:
    stream = Stream(lambda: size)
    for _ in range(2):
        with pytest.raises(error):
            next(stream)
        with pytest.raises(error):
            list(fueled([1], stream))
        assert stream.remaining() == 0


def test_drop_empties_the_chunk() -> None:
    refills = Refills(size=50)
    stream = Stream(refills)
    next(stream)
    assert stream.remaining() == 49
    stream.drop()
    assert stream.remaining() == 0
    next(stream)
    assert (refills.asked, stream.remaining()) == (2, 49)


@pytest.mark.parametrize(
    "args",
    [(), ([1],), ([1], iter([True])), ([1], Stream(int), 3), (5, Stream(lambda: 1))],
)
def test_fueled_refuses_what_is_not_an_iterable_and_a_stream(args: tuple[Any, ...]) -> None:
    with pytest.raises(TypeError):
        fueled(*args)


def test_stream_needs_a_callable() -> None:
    with pytest.raises(TypeError):
        Stream(3)
    with pytest.raises(TypeError):
        Stream()


def test_cycles_through_a_loop_are_collected() -> None:
    class Held:
        pass

    held = Held()
    ref = weakref.ref(held)
    items: list[Any] = [held]
    stream = Stream(lambda: 4)
    items.append(fueled(items, stream))
    items.append(stream)
    del items, held, stream
    gc.collect()
    assert ref() is None


def test_a_meter_on_the_c_stream_counts_as_on_the_itertools_one() -> None:
    used = []
    for native in (True, False):
        meter = _fuel.Meter(fuel=10_000, timeout_ms=10_000, native=native)
        meter.begin()
        for _ in meter.loop(range(1234), meter.stream):
            pass
        next(meter.stream)
        meter.burn(100)
        used.append((meter.used(), meter.spent()))
    assert used[0] == used[1] == (1335, 1335)


def test_step_uses_one_unit_as_a_pull_does() -> None:
    refills = Refills(2, size=4)
    stream = Stream(refills)
    assert stream.step() is None
    assert stream.remaining() == 1
    stream.step()
    stream.step()
    assert (refills.asked, stream.remaining()) == (2, 3)
    with pytest.raises(TypeError):
        stream.step(1)
    failing = Stream(_raising(RuntimeError))
    with pytest.raises(RuntimeError):
        failing.step()
    failing.step()  # asked again, and given a chunk
    assert failing.remaining() == 1


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 9, 10, 11, 40])
def test_take_uses_what_as_many_pulls_would(n: int) -> None:
    taken, pulled = Refills(1, 2, size=4), Refills(1, 2, size=4)
    a, b = Stream(taken), Stream(pulled)
    next(a)
    next(b)
    a.take(n)
    for _ in range(n):
        next(b)
    assert (taken.asked, a.remaining()) == (pulled.asked, b.remaining())


def test_take_stops_where_a_refill_fails_and_refuses_what_is_no_count() -> None:
    stream = Stream(_raising(RuntimeError, then=3))
    with pytest.raises(RuntimeError):
        stream.take(5)
    stream.take(-3)  # nothing to use
    with pytest.raises(TypeError):
        stream.take("5")
    with pytest.raises(OverflowError):
        stream.take(2**70)
