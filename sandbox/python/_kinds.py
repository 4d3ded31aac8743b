"""What the compiler can prove about a value's type, and which guarded operators that proof
makes safe (used by ``_versions``).

A kind is what a value is known to be: ``INEXACT`` (a float or complex number), ``INT`` (an
``int``, never a ``bool`` or a subclass) or ``NUMBER`` (one of the three). Kinds come from
literals, from tests written into the code (``type(x) is float``), from module constants, and
from arithmetic on values of known kinds; anything else is unknown (``None``).

Where the code has tested the sandbox's chain flag (``_chains``: no script of the mod defines
a reflected arithmetic method), what is known holds :data:`FLAG` too, and a number's ``+``,
``-``, ``/``, ``//`` and ``%`` (and a float's ``*``) with *any* right operand has a known kind
(:func:`absorbed`): ``float.__add__`` handles ints and floats, a complex number answers with
its own reflected method, and anything else has no reflected method of a script's (the flag)
and none of a builtin's that answers a number (``str.__rmod__`` and ``set.__rsub__`` return
``NotImplemented`` for one; ``NormalDist``'s give a ``NormalDist``, whose own operators are
bounded Python): a number, or a ``TypeError``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from ._arith import safe_without_guard

INEXACT: Final = "inexact"
INT: Final = "int"
NUMBER: Final = "number"
NUMERIC: Final = frozenset({INEXACT, INT, NUMBER})
#: What a test of a name may check besides ``INT`` and ``INEXACT`` (``type(x) is float``): a
#: complex number (``type(z) is complex``). Once passed, the name's kind is ``INEXACT``.
COMPLEX: Final = "complex"

#: Set on an operator node (``BinOp``/``AugAssign``) whose operands' kinds are known: ``SAFE``
#: (plain Python, no test) or ``INTS`` (two ints: only the size bounds are tested).
KNOWN: Final = "mh_known"
#: Set (True) on a ``+``/``%`` operator of int code: its inline test checks ``int`` first.
INT_FIRST: Final = "mh_int_first"
SAFE: Final = "safe"
INTS: Final = "ints"
#: Set on a guarded ``BinOp`` whose left operand's kind is known: the (left, right) kinds
#: (right may be None), read by ``_chains`` (a run may start after it without a test).
OPERANDS: Final = "mh_operands"

GUARDED: Final = (ast.Add, ast.Mod, ast.Mult, ast.Pow, ast.LShift)
BITWISE: Final = (ast.LShift, ast.RShift, ast.BitAnd, ast.BitOr, ast.BitXor)
#: Statements without a block of their own.
SIMPLE: Final = (
    ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return, ast.Pass, ast.Break,
    ast.Continue, ast.Assert, ast.Raise, ast.Delete,
)  # fmt: skip
#: Scopes of their own inside an expression: their names are not the function's.
OWN_SCOPE: Final = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)

Kinds = dict[str, str]

#: The key of :data:`Kinds` (never a name: it is no identifier) saying the chain flag was
#: tested true where the knowledge holds; written as the flag itself in a version test.
FLAG: Final = "<flag>"
#: Set (True) on an operator inside code that tested the flag (its chain needs no test of it).
FLAGGED: Final = "mh_flagged"


def count_guards(
    run: list[ast.stmt], known: Kinds, untracked: frozenset[str], mark: bool = False
) -> float:
    """The cost of ``run``'s guards given ``known`` at its start (a full guard 1, a bounds
    test 0.5); with ``mark``, record what is known on each operator (:data:`KNOWN`). Names
    in ``untracked`` (something else may rebind them: see ``_hints.FunctionFacts``) are never
    learned from an assignment."""
    known = dict(known)
    cost = 0.0
    for stmt in run:
        facts = statement_facts(stmt)
        for name in facts.killed:
            known.pop(name, None)
        cost += _judge(facts.operators, known, mark)
        learn(stmt, known, untracked)
    return cost


def _judge(operators: Iterable[ast.AST], known: Kinds, mark: bool) -> float:
    """The cost of ``operators``' guards given ``known``; with ``mark``, record verdicts."""
    cost = 0.0
    memo: dict[int, str | None] = {}
    for node in operators:
        if isinstance(node, ast.BinOp):
            left, right = kind(node.left, known, memo), kind(node.right, known, memo)
            verdict = _verdict(node.op, left, right)
        else:
            assert isinstance(node, ast.AugAssign)
            target = known.get(node.target.id) if isinstance(node.target, ast.Name) else None
            verdict = _verdict(node.op, target, kind(node.value, known, memo))
        cost += 1.0 if verdict is None else 0.5 if verdict == INTS else 0.0
        if mark and FLAG in known:
            setattr(node, FLAGGED, True)
        if mark and verdict is not None:
            setattr(node, KNOWN, verdict)
        if mark and isinstance(node, ast.BinOp) and left is not None:
            setattr(node, OPERANDS, (left, right))
    return cost


@dataclass(frozen=True)
class StatementFacts:
    """What the versioning pass reads of one statement (see :func:`statement_facts`)."""

    #: Its ``:=`` targets (in a comprehension too: they bind in the function).
    walrus: frozenset[str]
    #: Names whose kind is forgotten before the statement: its ``:=`` targets; for a block
    #: (which may run its parts in any order, any number of times), every name it binds.
    killed: frozenset[str]
    #: Names a simple statement binds when it completes (targets and ``:=``).
    bound: frozenset[str]
    #: Names read as operands of arithmetic in it, in order (a statement's reads all come
    #: before its bindings, so their order within it does not matter).
    operands: tuple[str, ...]
    #: Its guarded operators that no literal already makes safe (own scope only).
    operators: tuple[ast.BinOp | ast.AugAssign, ...]


def statement_facts(stmt: ast.stmt) -> StatementFacts:
    """What the versioning pass needs of ``stmt``, computed once: its search looks at the
    same statements many times (kept on the node; the pass never edits a statement it has
    looked at, and a copy carries the facts of its own nodes)."""
    facts = getattr(stmt, _FACTS, None)
    if facts is None:
        walrus = frozenset(walrus_names(stmt))
        killed = walrus if isinstance(stmt, SIMPLE) else frozenset(bound_anywhere(stmt))
        nodes = list(own_nodes(stmt))
        facts = StatementFacts(
            walrus,
            killed,
            frozenset(_bound(stmt, walrus)),
            tuple(_operand_names(nodes)),
            tuple(n for n in nodes if _needs_guard(n)),  # type: ignore[misc]
        )
        setattr(stmt, _FACTS, facts)
    return facts


_FACTS: Final = "mh_facts"


def forget_facts(root: ast.AST) -> None:
    """Drop the facts kept on ``root``'s statements. An augmented assignment's facts hold
    the statement itself (it is its own operator): left on the tree, that cycle would keep
    the whole tree for the cyclic garbage collector, a pause in some later call."""
    for node in ast.walk(root):
        for kept in (_FACTS, SITES):
            if kept in node.__dict__:
                delattr(node, kept)


#: A loop's binding sites (``_loop_kinds``), kept on the loop while the search runs (one
#: function's search uses one ``counting``).
SITES: Final = "mh_sites"


def subtree_size(node: ast.AST) -> int:
    """How many syntax-tree nodes ``node`` holds (counted once, kept on each node)."""
    stack: list[tuple[ast.AST, bool]] = [(node, False)]
    while stack:
        current, children_done = stack.pop()
        if children_done:
            children = ast.iter_child_nodes(current)
            setattr(current, _SIZE, 1 + sum(getattr(c, _SIZE) for c in children))
        elif getattr(current, _SIZE, None) is None:
            stack.append((current, True))
            stack.extend((child, False) for child in ast.iter_child_nodes(current))
    return getattr(node, _SIZE)  # type: ignore[no-any-return]


_SIZE: Final = "mh_size"


def _operand_names(nodes: list[ast.AST]) -> list[str]:
    found: list[str] = []
    for node in nodes:
        operands: tuple[ast.expr, ...] = ()
        if isinstance(node, ast.BinOp):
            operands = (node.left, node.right)
        elif isinstance(node, ast.AugAssign):
            operands = (node.target, node.value)
        for operand in operands:
            if isinstance(operand, ast.Attribute) and operand.attr in ("real", "imag"):
                operand = operand.value
            name = leaf_name(operand)
            if name and name not in found:
                found.append(name)
    return found


def _bound(stmt: ast.stmt, walrus: frozenset[str]) -> set[str]:
    bound = set(walrus)
    if isinstance(stmt, ast.Assign):
        bound.update(n.id for t in stmt.targets for n in names(t))
    elif isinstance(stmt, ast.AugAssign | ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        if not isinstance(stmt, ast.AnnAssign) or stmt.value is not None:
            bound.add(stmt.target.id)
    elif isinstance(stmt, ast.Delete):
        bound.difference_update(n.id for t in stmt.targets for n in names(t))
    return bound


def _needs_guard(node: ast.AST) -> bool:
    if isinstance(node, ast.BinOp) and isinstance(node.op, GUARDED):
        return not safe_without_guard(node)
    if isinstance(node, ast.AugAssign) and isinstance(node.op, GUARDED):
        return not safe_without_guard(ast.BinOp(ast.Name("_", ast.Load()), node.op, node.value))
    return False


def learn(stmt: ast.stmt, known: Kinds, untracked: frozenset[str]) -> None:
    """Update ``known`` past ``stmt`` (its value's kind read before its targets change); a
    name in ``untracked`` is forgotten instead."""
    if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
        memo: dict[int, str | None] = {}
        value = kind(stmt.value, known, memo)
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        # Every value is read before any target is bound (``a, b = b, a``).
        learned: list[tuple[str, str | None]] = []
        for target in targets:
            pairs = parallel(target, stmt.value)
            if isinstance(target, ast.Name):
                learned.append((target.id, value))
            elif pairs is not None:
                learned.extend((name.id, kind(item, known, memo)) for name, item in pairs)
            else:
                learned.extend((name.id, None) for name in names(target))
        for name, found in learned:
            _set(known, name, None if name in untracked else found)
    elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        name = stmt.target.id
        value = combined(stmt.op, known.get(name), kind(stmt.value, known, {}), known)
        _set(known, name, None if name in untracked else value)
    elif isinstance(stmt, ast.Delete):
        for target in stmt.targets:
            for name in names(target):
                known.pop(name.id, None)


def parallel(target: ast.expr, value: ast.expr) -> list[tuple[ast.Name, ast.expr]] | None:
    """``a, b = x, y``: each name with the item it is bound to, or None for any other shape
    (a starred item, a nested target, lengths that differ)."""
    if not isinstance(target, ast.Tuple | ast.List) or not isinstance(value, ast.Tuple | ast.List):
        return None
    if len(target.elts) != len(value.elts) or any(
        isinstance(item, ast.Starred) for item in value.elts
    ):
        return None
    if not all(isinstance(name, ast.Name) for name in target.elts):
        return None
    return list(zip(target.elts, value.elts, strict=True))  # type: ignore[arg-type]


def _set(known: Kinds, name: str, value: str | None) -> None:
    if value is None:
        known.pop(name, None)
    else:
        known[name] = value


def kind(node: ast.expr, known: Kinds, memo: dict[int, str | None]) -> str | None:
    """What ``node``'s value is known to be, or None (``memo`` holds the kinds of one
    statement's nodes, so a long chain of operators is typed once)."""
    if id(node) not in memo:
        memo[id(node)] = _kind_of(node, known, memo)
    return memo[id(node)]


def _kind_of(node: ast.expr, known: Kinds, memo: dict[int, str | None]) -> str | None:
    if isinstance(node, ast.Constant):
        return constant_kind(node)
    if isinstance(node, ast.Name):
        return known.get(node.id)
    if isinstance(node, ast.UnaryOp):
        operand = kind(node.operand, known, memo)
        if isinstance(node.op, ast.USub | ast.UAdd):
            return operand
        # ~ of a float or complex number raises TypeError.
        return INT if isinstance(node.op, ast.Invert) and operand in NUMERIC else None
    if isinstance(node, ast.BinOp):
        left, right = kind(node.left, known, memo), kind(node.right, known, memo)
        return combined(node.op, left, right, known)
    if isinstance(node, ast.Attribute) and node.attr in ("real", "imag"):
        # Of an exact int, float or complex: the builtin attribute, never a script's property.
        value = kind(node.value, known, memo)
        return INEXACT if value == INEXACT else value
    if isinstance(node, ast.IfExp):
        a, b = kind(node.body, known, memo), kind(node.orelse, known, memo)
        if a is None or b is None:
            return None
        return a if a == b else NUMBER
    return None


def constant_kind(node: ast.Constant) -> str | None:
    t = type(node.value)
    return INT if t is int else INEXACT if t is float or t is complex else None


def result(op: ast.operator, a: str | None, b: str | None) -> str | None:
    """The kind of ``a op b`` when both operands are numbers of kinds ``a`` and ``b``."""
    if a is None or b is None or isinstance(op, ast.MatMult):
        return None
    if isinstance(op, BITWISE):
        # Of two numbers, only ints shift and mask (a float or complex one raises TypeError).
        return INT
    if INEXACT in (a, b) or isinstance(op, ast.Div):
        return INEXACT
    if isinstance(op, ast.Pow):
        return NUMBER  # an int to a negative power is a float
    return INT if a == b == INT else NUMBER


def combined(op: ast.operator, a: str | None, b: str | None, known: Kinds) -> str | None:
    """The kind of ``a op b`` where ``known`` holds: :func:`result`, or past a test of the
    flag, :func:`absorbed` when only ``a`` is known."""
    value = result(op, a, b)
    if value is None and a is not None and FLAG in known:
        return absorbed(op, a)
    return value


def absorbed(op: ast.operator, a: str) -> str | None:
    """The kind of ``a op x`` for any ``x`` while the chain flag holds (see the module's
    docstring): ``*`` only from a float or complex number (an int repeats a sequence)."""
    if isinstance(op, ast.Div):
        return INEXACT
    if isinstance(op, ast.Mult):
        return INEXACT if a == INEXACT else None
    if isinstance(op, ast.Add | ast.Sub | ast.FloorDiv | ast.Mod):
        return INEXACT if a == INEXACT else NUMBER
    return None


def _verdict(op: ast.operator, left: str | None, right: str | None) -> str | None:
    """``_arith``'s rules for what known operand kinds prove: ``+`` with a number on either
    side, ``%`` with one on the left, ``*``/``**``/``<<`` with a float or complex number on
    either side are safe; ``*``/``**``/``<<`` of two ints need only their bounds tested."""
    if isinstance(op, ast.Add):
        return SAFE if left in NUMERIC or right in NUMERIC else None
    if isinstance(op, ast.Mod):
        return SAFE if left in NUMERIC else None
    if INEXACT in (left, right):
        return SAFE
    return INTS if left == right == INT else None


# -- syntax helpers --------------------------------------------------------------------------
def own_nodes(root: ast.AST) -> Iterator[ast.AST]:
    """``root`` and its descendants, not entering nested scopes (functions, classes, lambdas,
    comprehensions)."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (*OWN_SCOPE, ast.FunctionDef, ast.ClassDef)):
                stack.append(child)


def names(target: ast.AST) -> Iterator[ast.Name]:
    """The plain names a target binds (``a``, ``a, (b, *c)``; not ``a[i]`` or ``a.x``)."""
    if isinstance(target, ast.Name):
        yield target
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from names(element)
    elif isinstance(target, ast.Starred):
        yield from names(target.value)


def bound_anywhere(stmt: ast.AST) -> set[str]:
    """Every name ``stmt`` binds or deletes anywhere in it, nested scopes included (more than
    it binds in the function: forgetting a kind is always safe)."""
    found: set[str] = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            found.add(node.id)
        else:
            found.update(other_bindings(node))
    return found


def other_bindings(node: ast.AST) -> Iterator[str]:
    """Names ``node`` binds other than as a plain target: a parameter, a ``def`` or
    ``class``, an ``except ... as``, an import, a ``global``/``nonlocal``, a match capture."""
    if isinstance(node, ast.arg):
        yield node.arg
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) or (
        isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name
    ):
        yield node.name
    elif isinstance(node, ast.alias):
        yield (node.asname or node.name).split(".")[0]
    elif isinstance(node, ast.Global | ast.Nonlocal):
        yield from node.names
    elif isinstance(node, ast.MatchMapping) and node.rest:
        yield node.rest


def walrus_names(stmt: ast.AST) -> set[str]:
    """Names bound by ``:=`` in ``stmt`` (in a comprehension too: it binds in the function)."""
    return {
        n.target.id
        for n in ast.walk(stmt)
        if isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name)
    }


def leaf_name(node: ast.expr) -> str | None:
    """The name under any unary ``-``/``+`` (``x``, ``-x``), else None."""
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    return node.id if isinstance(node, ast.Name) else None


def count_everywhere(parts: list[ast.AST], known: Kinds, mark: bool = False) -> float:
    """:func:`count_guards` for code where ``known`` holds at every point (a loop body under
    ``_loop_kinds.loop_kinds``)."""
    operators = (node for part in parts for node in own_nodes(part) if _needs_guard(node))
    return _judge(operators, known, mark)
