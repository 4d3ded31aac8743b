"""How large a script's compiled form grows, bounded before and after instrumenting.

The token cap (``_source_limits``) bounds the source, but the instrumented tree is larger by
a factor that depends on what the source holds: a guarded operator becomes its inline test
and its guard (about 160 syntax-tree nodes, copied into a run's branches), an f-string field
its size check (about 45; on Python 3.11 a whole f-string is one token, however many fields
it holds). A script at the token cap written only of arithmetic (``x = a * b + c * d - e``,
2,730 times) compiled to 1.4 million nodes: seven seconds of host time and 700 MB, and 240
KB of f-string fields took seventeen seconds and 1.3 GB. So the compiler estimates the
instrumented size from the checked tree before it instruments (:func:`check_estimate`, one
walk of the source's own tree), and counts the real size after (:func:`check_compiled`,
stopping at the cap): past :data:`MAX_COMPILED_NODES` either way the script is refused with
``SANDBOX_COMPILE_LIMIT``. Ordinary scripts stay far below it (the largest of the
compatibility corpus compiles to about 11,000 nodes).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from itertools import islice
from typing import Final

from ._arith import safe_without_guard

#: The most syntax-tree nodes a script's instrumented form may have (about a second and a
#: half of host time and 200 MB to build and compile at the cap).
MAX_COMPILED_NODES: Final = 300_000
#: Nodes one guarded operator (``+``, ``*``, ``%``, ``**``, ``<<`` and in place) adds.
OPERATOR_NODES: Final = 160
#: Nodes one f-string field adds (its width and text checks).
FIELD_NODES: Final = 45

_GUARDED: Final = (ast.Add, ast.Mult, ast.Mod, ast.Pow, ast.LShift)


class CompileBudgetExceeded(Exception):
    """The script's compiled form would be, or is, over :data:`MAX_COMPILED_NODES`."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        #: The line where the compiled form passes the cap.
        self.line = line


def node_weight(node: ast.AST) -> int:
    """Nodes ``node`` stands for once instrumented: itself, plus its checks (none for an
    operator a literal operand makes safe: ``i + 1``)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, _GUARDED):
        return 1 if safe_without_guard(node) else 1 + OPERATOR_NODES
    if isinstance(node, ast.AugAssign) and isinstance(node.op, _GUARDED):
        alone = ast.BinOp(ast.Name("_", ast.Load()), node.op, node.value)
        return 1 if safe_without_guard(alone) else 1 + OPERATOR_NODES
    return 1 + FIELD_NODES if isinstance(node, ast.FormattedValue) else 1


def estimated_nodes(tree: ast.AST) -> int:
    """An estimate of the instrumented size of ``tree`` (a checked, not yet instrumented
    module): its own nodes, plus what each guarded operator and f-string field adds."""
    return sum(map(node_weight, ast.walk(tree)))


def check_estimate(tree: ast.AST) -> None:
    """Refuse, before any instrumenting, a tree whose compiled form would be too large."""
    estimate = estimated_nodes(tree)
    if estimate > MAX_COMPILED_NODES:
        line = _crossing(tree, node_weight)
        raise CompileBudgetExceeded(_message(f"about {estimate:,}"), line)


def check_compiled(tree: ast.AST) -> None:
    """Refuse an instrumented tree over the cap (counted up to one past it)."""
    if sum(1 for _ in islice(ast.walk(tree), MAX_COMPILED_NODES + 1)) > MAX_COMPILED_NODES:
        line = _crossing(tree, lambda node: 1)
        raise CompileBudgetExceeded(_message(f"more than {MAX_COMPILED_NODES:,}"), line)


def _crossing(tree: ast.AST, weigh: Callable[[ast.AST], int]) -> int | None:
    """The line, in source order, where the weights of ``tree``'s nodes add up past the cap
    (the last line seen: the instrumenter's own nodes have none yet)."""
    total, line = 0, None
    stack = [tree]
    while stack:
        node = stack.pop()
        line = getattr(node, "lineno", None) or line
        total += weigh(node)
        if total > MAX_COMPILED_NODES:
            return line
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return line


def _message(size: str) -> str:
    return (
        f"the script would compile to {size} syntax-tree nodes (the limit is "
        f"{MAX_COMPILED_NODES:,}): arithmetic and f-string fields are checked where they run, "
        "so they weigh the most; split the script into several"
    )
