"""While loops draw their fuel in C (``for _fl_ in _fuel_``) where their shape allows: the
same output as plain Python for every shape, and the same fuel as one unit per iteration."""

from __future__ import annotations

import pytest

from tests.compat.harness import Sandboxed, run_plain

SHAPES = {
    "true-break": "n = 0\nwhile True:\n    n += 1\n    if n > 4:\n        break\nprint(n)\n",
    "condition": "n, seen = 0, []\nwhile n < 5:\n    seen.append(n)\n    n += 2\nprint(seen)\n",
    "side-effects": (
        "calls = []\ndef more(n):\n    calls.append(n)\n    return n < 3\n"
        "n = 0\nwhile more(n):\n    n += 1\nprint(n, calls)\n"
    ),
    "walrus": "xs = [3, 1, 4, 0, 5]\ni = 0\nwhile (x := xs[i]):\n    i += 1\nprint(i, x)\n",
    "continue": (
        "n, odd = 0, []\nwhile n < 7:\n    n += 1\n    if n % 2 == 0:\n        continue\n"
        "    odd.append(n)\nprint(odd)\n"
    ),
    "else": "n = 0\nwhile n < 3:\n    n += 1\nelse:\n    n = -n\nprint(n)\n",
    "break-skips-else": (
        "n = 0\nwhile n < 9:\n    n += 1\n    if n == 2:\n        break\n"
        "else:\n    n = 99\nprint(n)\n"
    ),
    "nested": (
        "out = []\ni = 0\nwhile i < 3:\n    j = 0\n    while True:\n        j += 1\n"
        "        if j > i:\n            break\n        out.append((i, j))\n    i += 1\nprint(out)\n"
    ),
    "raises-in-test": (
        "def f():\n    n = 0\n    while 10 // (2 - n):\n        n += 1\n    return n\n"
        "try:\n    f()\nexcept ZeroDivisionError:\n    print('zero')\n"
    ),
    "generator": (
        "def gen():\n    n = 0\n    while True:\n        got = yield n\n        n += got or 1\n"
        "g = gen()\nprint(next(g), g.send(5), next(g), g.send(10))\n"
    ),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_a_while_loop_prints_what_plain_python_prints(name: str) -> None:
    source = SHAPES[name]
    box = Sandboxed(source)
    try:
        assert box.lines() == run_plain(source)
    finally:
        box.close()
