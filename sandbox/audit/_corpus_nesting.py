"""Lazy iterators built in C wrapped in one another: each ``next`` then runs as many C frames
as there are wrappers, where the interpreter's recursion check never runs. A hundred thousand
of them (built over ticks, kept in a global) overflowed the in-process host's C stack. The
sandbox's ``map``, ``filter``, ``zip``, ``enumerate`` and ``itertools`` record how deep they
nest and refuse past a thousand (``SANDBOX_RECURSION_LIMIT``)."""

from __future__ import annotations

from typing import Final

from ._corpus_attack import CPU, RECURSION, Attack, _cls, _resource


def _nested(name: str, summary: str, wrap: str) -> Attack:
    return _resource(
        name,
        summary,
        _cls(
            "import itertools\nit = iter([1, 2, 3])",
            f"global it\nfor i in range(2000):\n    it = {wrap}\nreturn next(it, 0)",
        ),
        (RECURSION, *CPU),
        ticks=60,
    )


NESTING_ATTACKS: Final[tuple[Attack, ...]] = (
    _nested("iter-nesting-map", "map(abs, it) wrapped 120,000 deep over ticks", "map(abs, it)"),
    _nested(
        "iter-nesting-filter-zip",
        "filter, zip and enumerate around one another, 120,000 deep",
        "enumerate(zip(filter(None, it)))",
    ),
    _nested(
        "iter-nesting-walrus",
        "map(abs, (it := map(abs, it))): the argument rebinds the name the direct route tests",
        "map(abs, (it := map(abs, it)))",
    ),
    _nested(
        "iter-nesting-lambda-zip",
        "map of a lambda and zip of two, over the last one (the forms built directly over lists)",
        "zip(map(lambda x: x, it), it)",
    ),
    _nested(
        "iter-nesting-itertools",
        "itertools.islice and chain around one another, 120,000 deep",
        "itertools.chain(itertools.islice(it, 10))",
    ),
    _nested(
        "iter-nesting-tee",
        "one branch of itertools.tee of the last one, 120,000 deep",
        "itertools.tee(it)[0]",
    ),
    _nested(
        "iter-nesting-groupby",
        "a group of itertools.groupby of the last one (it pulls from it in C), 120,000 deep",
        "next(itertools.groupby(itertools.chain([0], it)))[1]",
    ),
)
