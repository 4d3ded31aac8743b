"""The inline path of ``*``, ``**`` and ``<<`` in compiled scripts (see ``_compiler``).

Numbers of bounded size are multiplied, raised and shifted inline, with no guard call; the
bounds keep every result under ``MAX_INT_BITS``. Sequences, big ints and anything else take
the allocation guard (``_mul_``, ``_pow_``, ``_lshift_``), which checks sizes first.
"""

from __future__ import annotations

import ast
import re
from typing import Any, Final


def _load(id_: str, store: bool = False) -> ast.Name:
    return ast.Name(id_, ast.Store() if store else ast.Load())


def _invoke(func: str, *args: ast.expr) -> ast.Call:
    return ast.Call(_load(func), list(args), [])


#: ``*``, ``**`` and ``<<`` run inline (no guard call) when both operands are numbers and,
#: for two ints, both are small enough that the result stays under ``MAX_INT_BITS``:
#: ``|a|, |b| < _MB_`` (2**(MAX_INT_BITS // 2)) for ``*``; ``|a| < _PB_`` (2**1000) and
#: ``|b| < _PE_`` (100) for ``**``; ``|a| < _MB_`` and ``|b| < _SE_`` (MAX_INT_BITS // 2)
#: for ``<<``. Anything else (sequences, big ints) takes the guard.
_INT_BOUNDS: Final = (
    "(_type_(_t_) is not _int_ or _type_(_u_) is not _int_ or "
    "(_N{B} < _t_ < {B} and _N{E} < _u_ < {E}))"
)
#: Both operands numbers of bounded size; binds ``_u_`` (the right operand) first.
_BIND_RIGHT_TEST: Final = "_type_(_u_ := R) in _MN_ and _type_(_t_) in _MN_ and " + _INT_BOUNDS
#: The same, with both operands already bound.
_BOUND_TEST: Final = "_type_(_t_) in _MN_ and _type_(_u_) in _MN_ and " + _INT_BOUNDS
#: A float times a number: binds both operands, in order (``&`` evaluates both sides).
_FLOAT_TEST: Final = "(_type_(_t_ := L) is _float_) & (_type_(_u_ := R) in _MN_)"
INLINE_BOUNDS: Final[dict[type[ast.operator], tuple[str, str]]] = {
    ast.Mult: ("_MB_", "_MB_"),
    ast.Pow: ("_PB_", "_PE_"),
    ast.LShift: ("_MB_", "_SE_"),
}


def numeric_fast_path(node: ast.BinOp, guard: str, inplace: str | None = None) -> ast.expr:
    """``left OP right`` for ``*``/``**``/``<<``: inline for numbers of bounded size, else
    ``guard(left, right)``, or ``_iop_(inplace, left, right)`` for an augmented assignment
    (``inplace`` is its operator, ``"*="``: a list is then repeated in place).

    A float on the left takes the shortest path. When ``right`` is simple enough to appear
    twice in the tree (only one copy ever runs) that is one type check; otherwise both
    operands are bound once, in Python's evaluation order. Temporaries are named after the
    node's nesting height (``_t2_``, ``_u2_``): operations nested inside use lower heights,
    so they never overwrite this node's operands.
    """
    bound, exponent = INLINE_BOUNDS[type(node.op)]
    height = 1 + max((_height(n.id) for n in ast.walk(node) if isinstance(n, ast.Name)), default=0)
    t, u = f"_t{height}_", f"_u{height}_"

    def test(template: str) -> ast.expr:
        text = template.format(B=bound, E=exponent).replace("_t_", t).replace("_u_", u)
        return _Substitute(node.left, node.right).visit(ast.parse(text, mode="eval").body)

    fast = ast.BinOp(_load(t), node.op, _load(u))
    slow = (
        _invoke(guard, _load(t), _load(u))
        if inplace is None
        else _invoke("_iop_", ast.Constant(inplace), _load(t), _load(u))
    )
    if _simple(node.right):
        is_float = ast.Compare(
            _invoke("_type_", ast.NamedExpr(_load(t, store=True), node.left)),
            [ast.Is()],
            [_load("_float_")],
        )
        general = ast.IfExp(test(_BIND_RIGHT_TEST), fast, slow)
        return ast.IfExp(is_float, ast.BinOp(_load(t), node.op, node.right), general)
    general = ast.IfExp(test(_BOUND_TEST), fast, slow)
    return ast.IfExp(test(_FLOAT_TEST), ast.BinOp(_load(t), node.op, _load(u)), general)


#: The temporaries of the inline path (``_t2_``, ``_u2_``): their number is their height.
_TEMPORARY: Final = re.compile(r"_[tu](\d+)_")


def _height(name: str) -> int:
    m = _TEMPORARY.fullmatch(name)
    return int(m.group(1)) if m else 0


class _Substitute(ast.NodeTransformer):
    """Replace the placeholder names ``L`` and ``R`` with the operands."""

    def __init__(self, left: ast.expr, right: ast.expr) -> None:
        self._values = {"L": left, "R": right}

    def visit_Name(self, node: ast.Name) -> Any:
        return self._values.get(node.id, node)


_SIMPLE_NODES: Final = (
    ast.Name, ast.Constant, ast.Attribute, ast.Subscript, ast.Load, ast.UnaryOp, ast.USub,
    ast.UAdd,
)  # fmt: skip


def _simple(node: ast.expr) -> bool:
    """An operand with no calls or assignments (safe to appear twice in the tree)."""
    return all(isinstance(n, _SIMPLE_NODES) for n in ast.walk(node))
