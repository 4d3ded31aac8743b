"""Compile bombs: sources that crash or stall a recursive parser, refused at load
(``SANDBOX_COMPILE_LIMIT``) before the compiler sees them."""

from __future__ import annotations

from typing import Final

from ._corpus_attack import COMPILE, Attack, _resource

#: How deep the spread-out compile bombs nest (far past the cap, well under its size).
_DEEP: Final = 5_000


def _deep(name: str, summary: str, source: str) -> Attack:
    """``resource.compile-<name>``: a source the compiler must never see (refused at load)."""
    return _resource(f"compile-{name}", summary, source, COMPILE)


#: Sources that crash or stall a recursive parser: one construct nested far past the compile
#: cap, either on one line (100,000 deep) or spread over short lines (past the line cap).
COMPILE_BOMBS: Final[tuple[Attack, ...]] = (
    _deep("binop-line", "100,000 nested '+' on one line", "x = " + "1+" * 100_000 + "1"),
    _deep("unary-line", "100,000 nested unary '-' on one line", "x = " + "-" * 100_000 + "1"),
    _deep("binop", "nested '+' over many short lines", "x = (\n" + "1 +\n" * _DEEP + "1)"),
    _deep("unary", "nested unary '-' over many lines", "x = (\n" + "-\n" * _DEEP + "1)"),
    _deep("not", "nested 'not' over many lines", "x = (\n" + "not\n" * _DEEP + "True)"),
    _deep("parens", "nested parentheses", "x = " + "(\n" * _DEEP + "1" + ")\n" * _DEEP),
    _deep("brackets", "nested list brackets", "x = " + "[\n" * _DEEP + "]\n" * _DEEP),
    _deep("dicts", "nested dict literals", "x = " + "{1:\n" * _DEEP + "1" + "}\n" * _DEEP),
    _deep("lambdas", "nested lambdas", "f = (\n" + "lambda:\n" * _DEEP + "1)"),
    _deep(
        "lambda-defaults",
        "lambdas nested through default arguments",
        "f = (\n" + "lambda a, b=\n" * _DEEP + "0" + ": 0\n" * _DEEP + ")",
    ),
    _deep(
        "comprehensions",
        "nested comprehensions",
        "x = " + "[y for y in\n" * _DEEP + "z" + "]\n" * _DEEP,
    ),
    _deep("attributes", "a long attribute chain", "x = (a\n" + ".b\n" * _DEEP + ")"),
    _deep("calls", "a long call chain", "x = (f\n" + "()\n" * _DEEP + ")"),
    _deep("subscripts", "a long subscript chain", "x = (a\n" + "[0]\n" * _DEEP + ")"),
    _deep("ifexp", "nested conditional expressions", "x = (\n" + "1 if a else\n" * _DEEP + "1)"),
    _deep("fstring", "an f-string field nested deep", "x = f'''{" + "-\n" * _DEEP + "1}'''"),
    _deep("huge-literal", "a 1 MB list literal", "x = [\n" + "1,\n" * 350_000 + "]"),
    _deep("long-line", "a 100,000-character line", "x = '" + "a" * 100_000 + "'"),
    # Under every source cap, but the compiled form grows: each guarded operator and f-string
    # field is written out with its checks (seven seconds and 700 MB of host time, and
    # seventeen seconds and 1.3 GB, before the compiled-size cap).
    _deep(
        "expansion-arithmetic",
        "2,730 lines of 'x = a * b + c * d - e': at the token cap, all guarded arithmetic",
        "x = a * b + c * d - e\n" * 2_730,
    ),
    _deep(
        "expansion-fstring-fields",
        "sixteen f-strings of 5,000 fields each: one token apiece on Python 3.11",
        "def f(a):\n" + ("    x = f'" + "{a}" * 5_000 + "'\n") * 16,
    ),
    _deep(
        "expansion-fstring-lines",
        "32,000 f-string fields on 8,000 short lines (four tokens a line before parsing)",
        "x = f'{a}{a}{a}{a}'\n" * 8_000,
    ),
)
