"""The inline path of the guarded operators in compiled scripts (see ``_compiler``).

``+``, ``%``, ``*``, ``**`` and ``<<`` (and their in-place forms) can grow a value faster than
fuel counts, so each goes through an allocation guard (``_add_``, ``_mul_`` ...) unless its
operands are numbers that cannot grow past the limits. That test is written inline in the
compiled code, so the common case runs no Python function:

- ``+`` and ``%``: the left operand is an ``int``, ``float`` or ``complex`` (a number's
  ``+``/``%`` gives a number, a ``TypeError``, or runs the script's own ``__radd__``).
- ``*``, ``**``, ``<<``: the left operand is a ``float`` or ``complex``; or it is an ``int`` and
  the right one a ``float`` or ``complex``; or both are ``int`` within bounds that keep the
  result under ``MAX_INT_BITS``: ``|a|, |b| < 2**(MAX_INT_BITS // 2)`` for ``*``,
  ``|a| < 2**1000`` and ``|b| < 100`` for ``**``, ``|a| < 2**(MAX_INT_BITS // 2)`` and
  ``|b| < MAX_INT_BITS // 2`` for ``<<``. The test compares exact types (``type(x) is int``),
  so a ``bool`` or an ``int`` subclass takes the guard.
- Two ints where one factor of ``*`` is below :data:`SMALL_FACTOR` (``i * 3``, ``h * k`` with
  ``k < 2**64``), or the count of ``<<`` below :data:`SMALL_SHIFT`, run inline at any size of
  the other: the C work is one linear pass, as for ``+`` (which is never bounded), and the
  value grows by at most 64 bits a step, so fuel, the deadline and the memory limits bound
  it as they bound repeated addition. Only products and shifts that could grow faster than
  that are held to ``MAX_INT_BITS``.

A literal operand is folded: its type and bounds are known when the script compiles, so only
the other operand is tested (``x * 2``, ``x ** 2``, ``i + 1`` with no check at all).

Each operand is evaluated exactly once, in Python's order, and never copied into the tree
twice unless it is a plain name, attribute or subscript (no calls), so nesting never grows
the code faster than the source.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any, Final

from . import _native
from ._guards import ITEM_BYTES, MAX_INT_BITS, SMALL_FACTOR_BITS, WALK_ALLOCATION
from ._nodes import call as _call
from ._nodes import name as _name

#: The number types (bound as ``_NUM_``, a sentinel no script value can be).
NUMBER_TYPES: Final = frozenset({int, float, complex})
#: ``|a|, |b|`` below this: ``a * b`` stays under ``MAX_INT_BITS``.
MUL_BOUND: Final = 1 << (MAX_INT_BITS // 2)
#: ``|a|`` below this and ``|b|`` below :data:`POW_EXPONENT`: ``a ** b`` stays under it.
POW_BASE: Final = 1 << 1000
POW_EXPONENT: Final = 100
#: ``|b|`` below this (and ``|a| < MUL_BOUND``): ``a << b`` stays under ``MAX_INT_BITS``.
SHIFT_BOUND: Final = MAX_INT_BITS // 2
#: An int factor below this makes ``a * b`` a linear pass over the other, as an addition is,
#: growing it by at most 64 bits: safe at any size of the other (what grows that way is
#: bounded by fuel, time and memory, as repeated addition is).
SMALL_FACTOR: Final = 1 << SMALL_FACTOR_BITS
#: A shift by less than this is likewise a linear pass, growing ``a`` by under 64 bits.
SMALL_SHIFT: Final = SMALL_FACTOR_BITS

#: The left operand is a number (exact types; ``is`` chains are cheaper than a set lookup, and
#: floats come first: float kernels pay the most for each check). The first check stores no
#: type (the common case passes it); the type is kept (``W``) only past it, where the slow
#: branches read it.
_IS_NUMBER: Final = "(_type_(T := L) is _float_ or (W := _type_(T)) is _int_ or W is _complex_)"
#: The same, ints first (``%``).
_IS_NUMBER_INT_FIRST: Final = (
    "(_type_(T := L) is _int_ or (W := _type_(T)) is _float_ or W is _complex_)"
)
#: Two ints' bounds for ``*``: either factor small (:data:`SMALL_FACTOR`, the right one first:
#: ``x * k``), or both within ``MUL_BOUND``.
_MULT_BOUNDS: Final = "(-F < U < F or -F < T < F or -B < T < B and -E < U < E)"
#: The left operand is a float.
_IS_FLOAT: Final = "(_type_(T := L) is _float_)"
#: The name of the sandbox's ``*`` with its number cases in C (``_fast_ops.Ops.mul``).
FAST_MUL: Final = "_cmul_"
#: The name of the slice-assignment check with its small cases in C (``_fast_ops.Ops.grow``).
FAST_GROW: Final = "_cgrow_"
#: The left operand is a float or a complex number.
_IS_INEXACT: Final = "(_type_(T := L) is _float_ or (W := _type_(T)) is _complex_)"

#: Concatenation and slice assignment of values with fewer items than this (in total) need
#: no guard: the guard would neither refuse them nor count them (under ``WALK_ALLOCATION``).
SMALL_ITEMS: Final = WALK_ALLOCATION // ITEM_BYTES

#: (left bound, right bound) of two ints on the inline path, per bounded operator.
INLINE_BOUNDS: Final[dict[type[ast.operator], tuple[int, int]]] = {
    ast.Mult: (MUL_BOUND, MUL_BOUND),
    ast.Pow: (POW_BASE, POW_EXPONENT),
    ast.LShift: (MUL_BOUND, SHIFT_BOUND),
}

#: The injected globals the inline path reads (merged into every script namespace).
ARITH_GLOBALS: Final[dict[str, Any]] = {
    "_type_": type,
    "_float_": float,
    "_complex_": complex,
    "_int_": int,
    "_NUM_": NUMBER_TYPES,
    "_list_": list,
    "_len_": len,
    "_LT_": frozenset({list, tuple}),
    # Sequences whose small '+' runs inline; in place only the immutable ones (a list's += must
    # extend the list itself, which the guard does).
    "_SQ_": frozenset({list, tuple, str}),
    "_SQI_": frozenset({tuple, str}),
}

#: Builds the guard call from the two (bound) operands.
Slow = Callable[[ast.expr, ast.expr], ast.expr]


def literal(node: ast.expr) -> int | float | None:
    """The value of an ``int`` or ``float`` literal (``2``, ``-2``, ``1.5``), else None
    (``True`` is a ``bool``, not an ``int`` here)."""
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        sign = -1 if isinstance(node.op, ast.USub) else 1
        node = node.operand
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return sign * node.value  # type: ignore[no-any-return]
    return None


def safe_without_guard(node: ast.BinOp) -> bool:
    """Whether a literal operand alone proves the operation cannot grow a value: ``+`` with a
    number literal on either side, ``%`` with one on the left, ``*``/``**``/``<<`` with a float
    literal, or two int literals within the bounds."""
    lit_left, lit_right = literal(node.left), literal(node.right)
    op = type(node.op)
    if op is ast.Add:
        return lit_left is not None or lit_right is not None
    if op is ast.Mod:
        return lit_left is not None
    if op not in INLINE_BOUNDS:
        return False
    if type(lit_left) is float or type(lit_right) is float:
        return True
    bl, br = INLINE_BOUNDS[op]
    return (
        type(lit_left) is int
        and type(lit_right) is int
        and abs(lit_left) < bl
        and abs(lit_right) < br
    )


def fast_path(
    node: ast.BinOp,
    slow: Slow,
    concat: str = "",
    *,
    ints: bool = False,
    int_first: bool = False,
    prior: tuple[str, str] | None = None,
    in_place: bool = False,
) -> ast.expr:
    """``node`` (one of the guarded operators) with its inline test: the operation itself when
    the operands pass, else ``slow(left, right)`` on the same, once-evaluated operands.

    ``concat`` (for ``+``) names the injected set of sequence types whose small
    concatenations also run inline: two values of the same exact type with fewer than
    :data:`SMALL_ITEMS` items together (the guard would neither refuse nor count them).

    ``ints`` (``*``, ``**``, ``<<`` whose operands are proven exact ints, see ``_kinds``): the
    test is only the bounds, no type test. ``int_first`` (``+`` in int code): the number test
    checks ``int`` before ``float``.

    ``prior`` (``*`` only): the names of temporaries already holding the left operand and
    its type (a number chain's, ``_chains``): the type is not asked for again.

    ``in_place`` (``*=``): ``slow`` updates a list in place, so no product goes to
    :data:`FAST_MUL` (which would build a new one).

    Temporaries are named after the node's nesting height (``_t2_``, ``_u2_`` ...):
    operations nested inside use lower heights, so they never overwrite this node's operands.
    """
    left, right, op = node.left, node.right, node.op
    height = 1 + max_height(node)
    names = {key: f"_{key.lower()}{height}_" for key in "TUVW"}
    if prior is not None and isinstance(op, ast.Mult):
        names["T"], names["W"] = prior
    else:
        prior = None

    def expr(template: str, **extra: ast.expr | int) -> ast.expr:
        values: dict[str, ast.expr] = {"L": left, "R": right}
        for key, value in extra.items():
            values[key] = value if isinstance(value, ast.expr) else ast.Constant(value)
        return from_template(template, values, names)

    def choose(test: str, a: ast.expr, b: ast.expr, **bounds: int) -> ast.expr:
        fast = ast.BinOp(a, op, b)
        return ast.IfExp(expr(test, **bounds), fast, slow(_copy(a), _copy(b)))

    t, u = _name(names["T"]), _name(names["U"])
    if type(op) not in INLINE_BOUNDS:  # + and %: the left operand decides
        # '%' of numbers is mostly int modulo; '+' is as often float.
        int_first = int_first or isinstance(op, ast.Mod)
        number = _IS_NUMBER_INT_FIRST if int_first else _IS_NUMBER
        small = f"W in {concat} and _len_(T) + _len_(U) < S" if concat else ""
        if _simple(right):
            if not small:
                return choose(number, t, right)
            sequences = choose("_type_(U := R) is W and " + small, t, u, S=SMALL_ITEMS)
            return ast.IfExp(expr(number), ast.BinOp(t, op, right), sequences)
        test = number + " & ((U := R) is not _NUM_)"
        if small:
            test += " or _type_(U) is W and " + small
        return choose(test, t, u, S=SMALL_ITEMS)
    bl, br = INLINE_BOUNDS[type(op)]
    lit_left, lit_right = literal(left), literal(right)
    if ints:
        return _bounds_path(op, (lit_left, lit_right), choose, slow, (left, right), (t, u))
    if isinstance(op, ast.LShift):
        return _shift_path(left, right, lit_left, lit_right, choose, slow, t, u)
    mult = isinstance(op, ast.Mult)
    if type(lit_right) is int:
        if mult and abs(lit_right) < SMALL_FACTOR:
            return choose(_IS_INEXACT + " or W is _int_", t, right)
        if abs(lit_right) >= br:
            return slow(left, right)
        test = _IS_INEXACT + " or W is _int_ and -B < T < B"
        return choose(test, t, right, B=bl)
    if type(lit_left) is int:
        if mult and abs(lit_left) < SMALL_FACTOR:
            return choose(
                "(V := _type_(U := R)) is _float_ or V is _complex_ or V is _int_", left, u
            )
        if abs(lit_left) >= bl:
            return slow(left, right)
        test = "(V := _type_(U := R)) is _float_ or V is _complex_ or V is _int_ and -E < U < E"
        return choose(test, left, u, E=br)
    # Two bounded ints first (the int kernels), then an int times a float or complex.
    bounded = _MULT_BOUNDS if mult else "-B < T < B and -E < U < E"
    ints = (
        "(V := _type_(U{bind})) is _int_ and W is _int_ and " + bounded + " "
        "or W is _int_ and (V is _float_ or V is _complex_)"
    )
    sizes = {"B": bl, "E": br, "F": SMALL_FACTOR}
    if prior is not None:
        # The type is known (W); a float reaches here too when the chains are off, after
        # the int tests (int code pays nothing for it).
        test = ints.format(bind=" := R") + " or W is _float_ or W is _complex_"
        return choose(test, t, u, **sizes)
    if mult and not in_place and _native.FAST_OPS:
        # A float on the left (the common case of float code) takes one test; every other
        # product goes to FAST_MUL, which decides the number cases in C (``_fast_ops``) and
        # hands the rest to the guard. (Without the extension, the inline tests below.)
        if _simple(right):
            return ast.IfExp(
                expr(_IS_FLOAT), ast.BinOp(t, op, right), _call(FAST_MUL, _copy(t), _copy(right))
            )
        test = expr(_IS_FLOAT + " & ((U := R) is not _NUM_)")
        return ast.IfExp(test, ast.BinOp(t, op, u), _call(FAST_MUL, _copy(t), _copy(u)))
    if _simple(right):
        general = choose(ints.format(bind=" := R"), t, u, **sizes)
        return ast.IfExp(expr(_IS_INEXACT), ast.BinOp(t, op, right), general)
    test = _IS_INEXACT + " & ((U := R) is not _NUM_) or " + ints.format(bind="")
    return choose(test, t, u, **sizes)


def int_product_test(right: ast.expr, names: dict[str, str]) -> ast.expr:
    """The test that ``T * R`` is a product of two exact ints within the bounds, for a left
    operand already in temporary ``T`` whose type is in ``W``: it evaluates ``R`` into ``U``
    first, whatever the outcome (a later branch reads ``U``), and keeps its type in ``V``."""
    test = (
        "((U := R) is not _NUM_) and W is _int_ and (V := _type_(U)) is _int_ and " + _MULT_BOUNDS
    )
    sizes = {"B": MUL_BOUND, "E": MUL_BOUND, "F": SMALL_FACTOR}
    values: dict[str, ast.expr] = {"R": right, **{k: ast.Constant(v) for k, v in sizes.items()}}
    return from_template(test, values, names)


def _bounds_path(
    op: ast.operator,
    literals: tuple[int | float | None, int | float | None],
    choose: Callable[..., ast.expr],
    slow: Slow,
    operands: tuple[ast.expr, ast.expr],
    temporaries: tuple[ast.Name, ast.Name],
) -> ast.expr:
    """Two operands proven exact ints: test only their bounds (both are evaluated, in order,
    before either test decides: the slow path needs both). A small literal factor of ``*``
    or count of ``<<`` needs no test at all."""
    (lit_left, lit_right), (left, right), (t, u) = literals, operands, temporaries
    bl, br = INLINE_BOUNDS[type(op)]
    mult, shift = isinstance(op, ast.Mult), isinstance(op, ast.LShift)
    if type(lit_right) is int:
        if (mult and abs(lit_right) < SMALL_FACTOR) or (shift and 0 <= lit_right < SMALL_SHIFT):
            return ast.BinOp(left, op, right)
        if abs(lit_right) >= br:
            return slow(left, right)
        return choose("-B < (T := L) < B", t, right, B=bl)
    if type(lit_left) is int:
        if mult and abs(lit_left) < SMALL_FACTOR:
            return ast.BinOp(left, op, right)
        if abs(lit_left) >= bl:
            return slow(left, right)
        return choose("-E < (U := R) < E", left, u, E=br)
    # ``(T := L) is not _NUM_`` is always true: it evaluates the left operand first.
    if mult or shift:
        # ``(T := L) is not _NUM_`` is always true: it evaluates the left operand first.
        small = "-F < (U := R) < F or -F < T < F" if mult else "-1 < (U := R) < F"
        test = f"((T := L) is not _NUM_) and {small} or -B < T < B and -E < U < E"
        return choose(test, t, u, B=bl, E=br, F=SMALL_FACTOR if mult else SMALL_SHIFT)
    return choose("(-B < (T := L) < B) & (-E < (U := R) < E)", t, u, B=bl, E=br)


def _shift_path(
    left: ast.expr,
    right: ast.expr,
    lit_left: int | float | None,
    lit_right: int | float | None,
    choose: Callable[..., ast.expr],
    slow: Slow,
    t: ast.Name,
    u: ast.Name,
) -> ast.expr:
    """``<<`` shifts ints only (a float or complex raises ``TypeError``, in the guard): the
    inline test is two exact ``int`` checks and the bounds (none for a small count)."""
    bl, br = INLINE_BOUNDS[ast.LShift]
    if type(lit_right) is int:
        if 0 <= lit_right < SMALL_SHIFT:
            return choose("_type_(T := L) is _int_", t, right)
        if not 0 <= lit_right < br:
            return slow(left, right)
        return choose("_type_(T := L) is _int_ and -B < T < B", t, right, B=bl)
    if type(lit_left) is int:
        if abs(lit_left) >= bl:
            return slow(left, right)
        return choose("_type_(U := R) is _int_ and -E < U < E", left, u, E=br)
    test = (
        "(_type_(T := L) is _int_) & (_type_(U := R) is _int_) "
        "and (-1 < U < F or -B < T < B and -E < U < E)"
    )
    return choose(test, t, u, B=bl, E=br, F=SMALL_SHIFT)


def slice_fast_path(target: str, value: ast.expr) -> ast.expr:
    """The value of ``target[i:j] = value``: ``value`` itself when ``target`` is a list and
    ``value`` a list or tuple with fewer than :data:`SMALL_ITEMS` items in all, else what the
    size check (``_grow_``) returns. Decided in C (:data:`FAST_GROW`) where it is built, else
    by an inline test."""
    if _native.FAST_OPS:
        return _call(FAST_GROW, _name(target), value)
    test = "_type_(_sv_ := R) in _LT_ and _type_(A) is _list_ and _len_(A) + _len_(_sv_) < S"
    values = {"R": value, "A": _name(target), "S": ast.Constant(SMALL_ITEMS)}
    check = from_template(test, values)
    return ast.IfExp(check, _name("_sv_"), _call("_grow_", _name(target), _name("_sv_")))


def from_template(
    template: str, values: dict[str, ast.expr], names: dict[str, str] | None = None
) -> ast.expr:
    """The expression ``template`` with its placeholders replaced: a name in ``values`` by
    that expression, a name in ``names`` by that name (the temporaries)."""
    return _Substitute(values, names or {}).visit(ast.parse(template, mode="eval").body)


def _copy(node: ast.expr) -> ast.expr:
    """A temporary is loaded again; anything else (a literal, a simple operand) is a copy."""
    return _name(node.id) if isinstance(node, ast.Name) else node


#: The inline path's temporaries (``_t2_``, ``_u2_``, ``_v2_``, ``_w2_``): the number is the height.
_TEMPORARY: Final = re.compile(r"_[tuvw](\d+)_")


def _height(name: str) -> int:
    m = _TEMPORARY.fullmatch(name)
    return int(m.group(1)) if m else 0


def max_height(node: ast.AST) -> int:
    """The highest temporary ``node`` uses (0: none); a node around it takes the next."""
    return max((_height(n.id) for n in ast.walk(node) if isinstance(n, ast.Name)), default=0)


class _Substitute(ast.NodeTransformer):
    """Replace the placeholders: ``L``/``R`` (operands), ``B``/``E`` (bounds), ``T``/``U``/``V``
    (this node's temporaries)."""

    def __init__(self, values: dict[str, ast.expr], names: dict[str, str]) -> None:
        self._values = values
        self._names = names

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id in self._values:
            return self._values[node.id]
        if node.id in self._names:
            node.id = self._names[node.id]
        return node


#: What a simple operand is made of. A guarded operator inside it has become an ``IfExp`` or a
#: call by now, so a ``BinOp`` left in the tree is an unguarded one (``j - 1``, ``i + 1``).
_SIMPLE_NODES: Final = (
    ast.Name, ast.Constant, ast.Attribute, ast.Subscript, ast.Load, ast.UnaryOp, ast.USub,
    ast.UAdd, ast.BinOp, ast.operator,
)  # fmt: skip


def _simple(node: ast.expr) -> bool:
    """An operand with no calls, conditionals or assignments: it may appear in two exclusive
    branches of the tree (only one copy runs) without compounding the code's size."""
    return all(isinstance(n, _SIMPLE_NODES) for n in ast.walk(node))
