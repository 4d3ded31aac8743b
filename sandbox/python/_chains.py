"""Number chains: one type test for a run of arithmetic (part of pass 2, see ``_instrument``).

In ``a + b + c + d`` each guarded operator tests its left operand (``_arith``), but the left
operand of every operator after the first is the result of the one before it. When ``a`` is
an exact ``int``, ``float`` or ``complex``, ``a + b`` is a number or a ``TypeError``, unless
``b``'s class answers with a reflected method (``__radd__``). No builtin or standard-library
type a script can reach returns a value that can grow from a number's reflected operator
(a sequence's ``__rmul__`` needs an ``int`` on the left, which never takes ``*`` here); a
script's own class can. So while no script of the mod defines a reflected arithmetic method
(:data:`REFLECTED`), the flag :data:`FLAG` is true, and one test of ``a`` proves every later
left operand a number::

    (_t5_ + b + c + d) if ((_w5_ := _type_(_t5_ := a)) is _int_ or ...) and _CHAIN_
    else <the same operators, each with its own test, on _t5_>

The flag is the sandbox's (``RestrictedSandbox``): false before the first line of any script
whose code names a reflected method runs, and never true again, so no class with one exists
while it is true. It is read once per chain; the operands after ``a`` run in Python's order in
either branch.

Which operators a chain covers: ``+``, ``-``, ``//`` and ``%`` keep the left operand's kind
(a number of any type, or a ``float``/``complex`` one), ``/`` makes it ``float``/``complex``,
and ``*`` is covered only after a ``float`` or ``complex`` (an ``int`` may repeat a sequence
or grow past the int bounds). A chain starting with ``*`` tests for ``float``/``complex``.

Each right operand is in both branches; one holding another chain, or larger than
:data:`MAX_COPIED_NODES`, ends the chain before it, so nesting never compounds the copies.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable
from types import CodeType
from typing import Final

from ._arith import from_template, int_product_test, literal, max_height, safe_without_guard
from ._kinds import FLAGGED, INEXACT, INT_FIRST, KNOWN, NUMERIC, OPERANDS, SAFE, subtree_size

#: The injected flag (per sandbox): no script of the mod defines a reflected method.
FLAG: Final = "_CHAIN_"
#: The reflected methods a number's operator can reach (the operators a chain covers).
REFLECTED: Final = frozenset(
    {"__radd__", "__rsub__", "__rmul__", "__rtruediv__", "__rfloordiv__", "__rmod__"}
)
#: Set (True) on the expression a chain compiles to.
CHAIN: Final = "mh_chain"
#: A right operand copied into both branches has at most this many syntax-tree nodes.
MAX_COPIED_NODES: Final = 160
#: The int branch (a chain opening with a product of two ints) copies the operands after
#: the product a third time: only names, attributes, items and literals this small.
MAX_INT_COPY_NODES: Final = 8

_KEEPS: Final = (ast.Add, ast.Sub, ast.FloorDiv, ast.Mod)
_TESTED: Final = (ast.Add, ast.Mult, ast.Mod)
_NUMBER: Final = "number"
_INEXACT: Final = "inexact"

#: The guarded form of one operator whose operands are already instrumented (and the names of
#: the temporaries holding its left operand and that operand's type, when a test has).
Guard = Callable[[ast.BinOp, tuple[str, str] | None], ast.expr]


def spine(node: ast.BinOp) -> tuple[ast.expr, list[ast.BinOp]]:
    """``node``'s leftmost operand and its operators, innermost first: ``a + b - c`` is
    ``a`` and ``[a + b, (a + b) - c]``. Only operators a chain covers are followed down."""
    links = [node]
    while isinstance(links[-1].left, ast.BinOp) and _covered_op(links[-1].left.op):
        links.append(links[-1].left)
    links.reverse()
    return links[0].left, links


def _covered_op(op: ast.operator) -> bool:
    return isinstance(op, (*_KEEPS, ast.Div, ast.Mult))


def build(leaf: ast.expr, links: list[ast.BinOp], guard: Guard, flag: bool = True) -> ast.expr:
    """The instrumented spine (``leaf`` and the links' right operands already instrumented):
    chains where they save tests, each operator's own guard elsewhere (only the guards when
    ``flag`` is false: the script turns the flag off itself, see :func:`writes_reflected`)."""
    value, i = leaf, 0
    known = _constant_kind(literal(leaf))
    while i < len(links):
        run = _run(links, i, known) if flag else 0
        if run:
            value = _chain(value, links[i : i + run], guard, known)
            i += run
            known = None
        else:
            value = guard(_relinked(links[i], value, links[i].right), None)
            known = _proven(links[i])
            i += 1
    return value


def _proven(link: ast.BinOp) -> str | None:
    """The kind of ``link``'s value while the flag holds, when the compiler proved its left
    operand a number (``_kinds.OPERANDS``: a float times anything is a float or a TypeError
    while no reflected method exists)."""
    operands = getattr(link, OPERANDS, None)
    if operands is None or not _covered_op(link.op):
        return None
    left, right = operands
    if left not in NUMERIC or (isinstance(link.op, ast.Mult) and INEXACT not in (left, right)):
        return None
    inexact = INEXACT in (left, right) or isinstance(link.op, ast.Div)
    return _INEXACT if inexact else _NUMBER


def _run(links: list[ast.BinOp], start: int, known: str | None) -> int:
    """How many links from ``start`` one chain should cover (0: none worth a chain), given
    the kind ``known`` of the value they start from (None: it is tested)."""
    opening = links[start]
    if isinstance(opening.op, ast.Mult) and known is None and type(literal(opening.right)) is int:
        return 0  # ``i * 7 + j``: int code, where a float test at the start would only fail
    kind = known or (_INEXACT if isinstance(opening.op, ast.Mult) else _NUMBER)
    n = tested = 0
    for link in links[start:]:
        if not _covered_op(link.op):
            break
        right = literal(link.right)
        if isinstance(link.op, ast.Mult) and kind != _INEXACT and type(right) is not float:
            break
        if not _copyable(link.right):
            break
        if _tested_today(link):
            tested += 1
        if isinstance(link.op, ast.Div) or type(right) is float or isinstance(link.op, ast.Mult):
            kind = _INEXACT
        n += 1
    # A tested start costs one test: a chain pays off when it replaces two or more.
    return n if tested >= (1 if known is not None else 2) else 0


def _constant_kind(value: int | float | None) -> str | None:
    if value is None:
        return None
    return _INEXACT if type(value) is float else _NUMBER


def _tested_today(link: ast.BinOp) -> bool:
    if not isinstance(link.op, _TESTED) or getattr(link, KNOWN, None) == SAFE:
        return False
    return not safe_without_guard(link)


def _copyable(node: ast.expr) -> bool:
    if subtree_size(node) > MAX_COPIED_NODES:
        return False
    return not any(getattr(n, CHAIN, False) for n in ast.walk(node))


def _chain(leaf: ast.expr, links: list[ast.BinOp], guard: Guard, known: str | None) -> ast.expr:
    height = 1 + max(max_height(leaf), *(max_height(link.right) for link in links))
    temp, kind_name = f"_t{height}_", f"_w{height}_"
    lit = literal(leaf)
    # Inside code that tested the flag (``_versions``; no statement there changes it), a
    # start the compiler knows needs no test at all.
    flagged = any(getattr(link, FLAGGED, False) for link in links)
    plain = flagged and (lit is not None or known is not None)
    first = leaf if lit is not None or plain else ast.Name(temp, ast.Load())
    fast: ast.expr = first
    for link in links:
        fast = ast.BinOp(fast, link.op, link.right)
    if plain:
        return ast.copy_location(fast, links[-1])
    slow: ast.expr = copy.deepcopy(first)
    # Past a failed float test, a leading '*' tests only for ints (the type is kept).
    prior = (temp, kind_name) if known is None else None
    ints: tuple[ast.expr, ast.expr] | None = None
    if prior is not None and _int_product_leads(links):
        # A product of two ints within the bounds is an int: the rest of the chain then runs
        # plain as well (a number's '+', '-', '//', '%', '/' with the flag on), on the right
        # operand the test evaluated.
        names = {"T": temp, "W": kind_name, "U": f"_u{height}_", "V": f"_v{height}_"}
        product = int_product_test(links[0].right, names)
        right = ast.Name(names["U"], ast.Load())
        links = [_relinked(links[0], links[0].left, right), *links[1:]]
        fast_int: ast.expr = ast.Name(temp, ast.Load())
        for link in links:
            fast_int = ast.BinOp(fast_int, link.op, copy.deepcopy(link.right))
        ints = (product, fast_int)
    for link in links:
        slow = guard(_relinked(link, slow, copy.deepcopy(link.right)), prior)
        prior = None
    tests: list[ast.expr] = []
    if known is not None and lit is None:
        # Proven, not tested: evaluated once into the temporary (``t is t`` holds).
        bound = ast.NamedExpr(ast.Name(temp, ast.Store()), leaf)
        tests.append(ast.Compare(bound, [ast.Is()], [ast.Name(temp, ast.Load())]))
    elif lit is None:
        inexact = isinstance(links[0].op, ast.Mult)
        int_first = any(getattr(link, INT_FIRST, False) for link in links)
        tests.append(_kind_test(leaf, temp, kind_name, inexact, int_first))
    if not flagged:
        tests.append(ast.Name(FLAG, ast.Load()))
    test = tests[0] if len(tests) == 1 else ast.BoolOp(ast.And(), tests)
    if ints is not None:
        product, fast_int = ints
        if not flagged:
            product = ast.BoolOp(ast.And(), [product, ast.Name(FLAG, ast.Load())])
        slow = ast.IfExp(product, fast_int, slow)
    result = ast.IfExp(test, fast, slow)
    setattr(result, CHAIN, True)
    return ast.copy_location(result, links[-1])


def _int_product_leads(links: list[ast.BinOp]) -> bool:
    """Whether a chain opens with a ``*`` after which an int keeps a number's kind: the
    links up to the first ``/`` are ``+``, ``-``, ``//`` or ``%`` (an int's ``*`` could
    repeat a sequence). Their right operands are written a third time, so each must be
    small (:data:`MAX_INT_COPY_NODES`): the compiled code never grows by more than a
    constant per operator."""
    if not isinstance(links[0].op, ast.Mult) or literal(links[0].right) is not None:
        return False
    if any(subtree_size(link.right) > MAX_INT_COPY_NODES for link in links[1:]):
        return False
    for link in links[1:]:
        if isinstance(link.op, ast.Div):
            return True
        if not isinstance(link.op, _KEEPS):
            return False
    return True


#: The chain's first test (T: the first operand's temporary, W: its type's): ``(inexact,
#: int_first)`` to template. The type is always kept: a failed float test hands it on.
_KIND_TESTS: Final = {
    (True, False): "(W := _type_(T := L)) is _float_ or W is _complex_",
    (False, False): "(W := _type_(T := L)) is _float_ or W is _int_ or W is _complex_",
    (False, True): "(W := _type_(T := L)) is _int_ or W is _float_ or W is _complex_",
}


def _kind_test(
    leaf: ast.expr, temp: str, kind_name: str, inexact: bool, int_first: bool
) -> ast.expr:
    """The first operand's number test (float or complex only, for a leading ``*``)."""
    template = _KIND_TESTS[inexact, int_first and not inexact]
    return from_template(template, {"L": leaf}, {"T": temp, "W": kind_name})


def _relinked(link: ast.BinOp, left: ast.expr, right: ast.expr) -> ast.BinOp:
    """A copy of ``link`` (what the kinds pass marked on it included) on new operands."""
    new = copy.copy(link)
    new.left, new.right = left, right
    return new


def writes_reflected(tree: ast.AST) -> bool:
    """Whether a script's syntax tree holds any of :data:`REFLECTED` (a name, an attribute,
    a parameter, a string ...): its code will turn the flag off before it runs
    (:func:`names_reflected` reads the same from the code), so nothing in it is compiled
    to test the flag. A miss here costs speed, never safety: the flag is still tested."""
    return any(
        isinstance(value, str) and value in REFLECTED
        for node in ast.walk(tree)
        for _, value in ast.iter_fields(node)
    )


def names_reflected(code: object) -> bool:
    """Whether a compiled script (its code objects, names and string constants, nested
    ones included) names any of :data:`REFLECTED`: a class body binds a method by name."""
    stack: list[object] = [code]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            if current in REFLECTED:
                return True
        elif isinstance(current, tuple | frozenset):
            stack.extend(current)
        elif isinstance(current, CodeType):
            stack.extend(current.co_names)
            stack.extend(current.co_varnames)
            stack.extend(current.co_cellvars)
            stack.extend(current.co_freevars)
            stack.append(current.co_name)
            stack.extend(current.co_consts)
    return False
