"""Type-versioned runs of straight-line code in functions (part of pass 2, see ``_compiler``).

A guarded operator tests its operands' types each time it runs (``_arith``). In float code the
same few locals feed many operators: ``dx * dx + dy * dy + dz * dz`` tests a float five times.
This pass finds, in a run of simple statements, the point where such locals are all assigned,
tests each of them once there, and runs a copy of the rest of the run in which every operator
those tests prove safe is plain Python::

    if _type_(dx) is _float_ and _type_(dt) is _float_:
        <copy of the rest of the run: the operators proven safe carry no guard>
    else:
        <the rest of the run as it was: every operator guarded>

Why the copy is safe:

- A tested name is a local of the function: assigned in it, never declared ``global`` or
  ``nonlocal`` in it, never declared ``nonlocal`` by a function nested in it, never deleted
  (an ``except ... as`` name is deleted by Python). Nothing but the function's own statements
  can rebind it, and a run holds no ``yield``.
- It is definitely assigned where it is tested (a parameter, a target of an enclosing ``for``,
  or bound by an earlier simple statement of an enclosing block), so the test never raises
  where the original code would have run on.
- Inside the copy, what is known is updated statement by statement, in order: an assignment
  sets its name's kind from its value's kind, or forgets it; a ``:=`` anywhere in a statement
  forgets its name before the statement is looked at. Comprehensions and lambdas are not
  looked into (their names are their own).
- An operator is left unguarded only where ``_arith``'s own rules hold for the known kinds:
  ``+`` with a number on either side, ``%`` with a number on the left, ``*``/``**``/``<<``
  with a float or complex number on either side.

Both copies burn the same fuel and raise at the same lines; only the tests' cost differs.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from ._arith import safe_without_guard

#: What a value is known to be: a float or complex number, an int, or any of the three.
INEXACT: Final = "inexact"
INT: Final = "int"
NUMBER: Final = "number"
_NUMERIC: Final = frozenset({INEXACT, INT, NUMBER})
#: Set on an operator node (``BinOp``/``AugAssign``) proven safe: the instrumenter leaves it plain.
UNGUARDED: Final = "mh_unguarded"

#: Statements a run is made of (no block of their own).
_SIMPLE: Final = (
    ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return, ast.Pass, ast.Break,
    ast.Continue, ast.Assert, ast.Raise, ast.Delete,
)  # fmt: skip
#: Scopes of their own inside an expression: their names are not the function's.
_OWN_SCOPE: Final = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_GUARDED: Final = (ast.Add, ast.Mod, ast.Mult, ast.Pow, ast.LShift)
_BITWISE: Final = (ast.LShift, ast.RShift, ast.BitAnd, ast.BitOr, ast.BitXor)
#: Bounds of the work: the statements of a run looked at, the names one test checks.
MAX_RUN: Final = 32
MAX_TESTS: Final = 8
MAX_CANDIDATES: Final = 12
#: Syntax-tree nodes the search may look at in one script (see :class:`SearchBudget`).
MAX_SEARCH_NODES: Final = 400_000


@dataclass
class SearchBudget:
    """Syntax-tree nodes the search may still look at, for one script: its runs' sizes times
    the trials made on them. Compile time stays linear in the script's size; past the budget,
    the rest of the script is left as it is."""

    nodes: int = MAX_SEARCH_NODES

    def spend(self, nodes: int) -> bool:
        if nodes > self.nodes:
            self.nodes = 0
            return False
        self.nodes -= nodes
        return True


def version_function(fn: ast.FunctionDef, budget: SearchBudget) -> None:
    """Version the runs of ``fn``'s own blocks in place (nested functions are left to their
    own visit)."""
    defined = {a.arg for a in _arguments(fn.args)}
    _Blocks(_Facts(fn), budget).block(fn.body, defined)


class _Facts:
    """What one function's names may be tested for."""

    def __init__(self, fn: ast.FunctionDef) -> None:
        excluded: set[str] = set()
        hinted_int: set[str] = set()
        for node in _own_nodes(fn):
            if isinstance(node, ast.Global | ast.Nonlocal):
                excluded.update(node.names)
            elif isinstance(node, ast.Delete):
                excluded.update(n.id for t in node.targets for n in _names(t))
            elif isinstance(node, ast.ExceptHandler) and node.name:
                excluded.add(node.name)
            elif isinstance(node, ast.Subscript | ast.Attribute) and isinstance(
                node.value, ast.Name
            ):
                excluded.add(node.value.id)  # a container or an object, not a number
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                excluded.add(node.func.id)
            elif isinstance(node, ast.For) and _counts(node.iter):
                target = node.target
                if isinstance(target, ast.Tuple) and target.elts:
                    target = target.elts[0]  # enumerate's count
                hinted_int.update(n.id for n in _names(target))
            elif isinstance(node, ast.BinOp) and isinstance(node.op, (*_BITWISE, ast.FloorDiv)):
                hinted_int.update(_leaf_name(n) or "" for n in (node.left, node.right))
            elif isinstance(node, ast.Assign) and _is_int_literal(node.value):
                hinted_int.update(t.id for t in node.targets if isinstance(t, ast.Name))
        for node in ast.walk(fn):
            # A nested function that declares the name nonlocal can rebind it during a call.
            if isinstance(node, ast.Nonlocal):
                excluded.update(node.names)
        #: Names never tested (may be rebound from elsewhere, or are not numbers).
        self.excluded = excluded
        #: Names that look like ints: a float test would fail, so they are not tested.
        self.hinted_int = hinted_int - {""}


class _Blocks:
    """Walks a function's blocks, tracking the names definitely assigned at each statement."""

    def __init__(self, facts: _Facts, budget: SearchBudget) -> None:
        self._facts = facts
        self._budget = budget

    def block(self, stmts: list[ast.stmt], defined: set[str]) -> None:
        defined = set(defined)
        out: list[ast.stmt] = []
        run: list[ast.stmt] = []
        at_run = set(defined)
        for stmt in stmts:
            if isinstance(stmt, _SIMPLE):
                if not run:
                    at_run = set(defined)
                run.append(stmt)
                defined.update(_bound(stmt))
                continue
            out.extend(self._versioned(run, at_run))
            run = []
            self._compound(stmt, defined)
            out.append(stmt)
            if isinstance(stmt, ast.FunctionDef | ast.ClassDef):
                defined.add(stmt.name)
        out.extend(self._versioned(run, at_run))
        stmts[:] = out

    def _compound(self, stmt: ast.stmt, defined: set[str]) -> None:
        if isinstance(stmt, ast.For):
            self.block(stmt.body, defined | {n.id for n in _names(stmt.target)})
            self.block(stmt.orelse, defined)
        elif isinstance(stmt, ast.While | ast.If):
            self.block(stmt.body, defined)
            self.block(stmt.orelse, defined)
        elif isinstance(stmt, ast.Try):
            for part in (stmt.body, stmt.orelse, stmt.finalbody):
                self.block(part, defined)
            for handler in stmt.handlers:
                self.block(handler.body, defined)
        elif isinstance(stmt, ast.Match):
            for case in stmt.cases:
                self.block(case.body, defined)

    def _versioned(self, run: list[ast.stmt], defined: set[str]) -> list[ast.stmt]:
        """``run``, its best tail replaced by a versioned ``if`` when that saves tests."""
        if not run or len(run) > MAX_RUN or any(_has_yield(s) for s in run):
            return run
        sizes = [sum(1 for _ in _own_nodes(s)) for s in run]
        best: tuple[float, int, list[str]] | None = None
        assigned = set(defined)
        for start in range(len(run)):
            eligible = assigned - self._facts.excluded - self._facts.hinted_int
            tail = run[start:]
            cost = sum(sizes[start:])
            names = _candidates(tail, eligible)
            if names and self._budget.spend(cost * (len(names) + 2)):
                names = _needed(tail, names)
                saved = _guards(tail, {}) - _guards(tail, dict.fromkeys(names, INEXACT))
                score = saved - len(names) / 2
                if names and saved > len(names) and (best is None or score > best[0]):
                    best = (score, start, names)
            assigned.update(_bound(run[start]))
        if best is None:
            return run
        _, start, names = best
        fast = copy.deepcopy(run[start:])
        _guards(fast, dict.fromkeys(names, INEXACT), mark=True)
        tests = [_is_float(n) for n in names]
        test = ast.BoolOp(ast.And(), tests) if len(tests) > 1 else tests[0]
        branch = ast.If(test, fast, run[start:])
        return [*run[:start], ast.copy_location(branch, run[start])]


def _is_float(name: str) -> ast.expr:
    call = ast.Call(ast.Name("_type_", ast.Load()), [ast.Name(name, ast.Load())], [])
    return ast.Compare(call, [ast.Is()], [ast.Name("_float_", ast.Load())])


# -- what a run needs ------------------------------------------------------------------------
def _candidates(run: list[ast.stmt], eligible: set[str]) -> list[str]:
    """Eligible names read as arithmetic operands before the run assigns them (in order)."""
    found: list[str] = []
    assigned: set[str] = set()
    for stmt in run:
        assigned.update(_walrus_names(stmt))
        for name in _operand_names(stmt):
            if name in eligible and name not in assigned and name not in found:
                found.append(name)
        assigned.update(_bound(stmt))
    return found[:MAX_CANDIDATES]


def _needed(run: list[ast.stmt], names: list[str]) -> list[str]:
    """The names whose test removes at least one guard, at most :data:`MAX_TESTS`."""
    everything = _guards(run, dict.fromkeys(names, INEXACT))
    kept = list(names)
    for name in names:
        trial = [n for n in kept if n != name]
        if _guards(run, dict.fromkeys(trial, INEXACT)) == everything:
            kept = trial
    return kept if len(kept) <= MAX_TESTS else []


def _guards(run: list[ast.stmt], known: dict[str, str], mark: bool = False) -> int:
    """How many operators of ``run`` keep their guard given ``known`` at its start; with
    ``mark``, flag the others (:data:`UNGUARDED`)."""
    known = dict(known)
    left = 0
    for stmt in run:
        for name in _walrus_names(stmt):
            known.pop(name, None)
        kinds: dict[int, str | None] = {}
        for node in _own_nodes(stmt):
            if isinstance(node, ast.BinOp) and isinstance(node.op, _GUARDED):
                if safe_without_guard(node):
                    continue
                sides = _kind(node.left, known, kinds), _kind(node.right, known, kinds)
            elif isinstance(node, ast.AugAssign) and isinstance(node.op, _GUARDED):
                if safe_without_guard(ast.BinOp(ast.Name("_", ast.Load()), node.op, node.value)):
                    continue
                target = known.get(node.target.id) if isinstance(node.target, ast.Name) else None
                sides = target, _kind(node.value, known, kinds)
            else:
                continue
            if not _safe(node.op, *sides):
                left += 1
            elif mark:
                setattr(node, UNGUARDED, True)
        _learn(stmt, known)
    return left


def _learn(stmt: ast.stmt, known: dict[str, str]) -> None:
    """Update ``known`` past ``stmt`` (its value's kind read before its targets change)."""
    if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
        kind = _kind(stmt.value, known, {})
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for target in targets:
            if isinstance(target, ast.Name):
                _set(known, target.id, kind)
            else:
                for name in _names(target):
                    known.pop(name.id, None)
    elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        name = stmt.target.id
        _set(known, name, _result(stmt.op, known.get(name), _kind(stmt.value, known, {})))
    elif isinstance(stmt, ast.Delete):
        for target in stmt.targets:
            for name in _names(target):
                known.pop(name.id, None)


def _set(known: dict[str, str], name: str, kind: str | None) -> None:
    if kind is None:
        known.pop(name, None)
    else:
        known[name] = kind


# -- kinds -----------------------------------------------------------------------------------
def _kind(node: ast.expr, known: dict[str, str], memo: dict[int, str | None]) -> str | None:
    """What ``node``'s value is known to be, or None (``memo`` holds the kinds of one
    statement's nodes, so a long chain of operators is typed once)."""
    if id(node) not in memo:
        memo[id(node)] = _kind_of(node, known, memo)
    return memo[id(node)]


def _kind_of(node: ast.expr, known: dict[str, str], memo: dict[int, str | None]) -> str | None:
    if isinstance(node, ast.Constant):
        t = type(node.value)
        return INT if t is int else INEXACT if t is float or t is complex else None
    if isinstance(node, ast.Name):
        return known.get(node.id)
    if isinstance(node, ast.UnaryOp):
        kind = _kind(node.operand, known, memo)
        if isinstance(node.op, ast.USub | ast.UAdd):
            return kind
        return INT if isinstance(node.op, ast.Invert) and kind == INT else None
    if isinstance(node, ast.BinOp):
        return _result(node.op, _kind(node.left, known, memo), _kind(node.right, known, memo))
    if isinstance(node, ast.IfExp):
        a, b = _kind(node.body, known, memo), _kind(node.orelse, known, memo)
        if a is None or b is None:
            return None
        return a if a == b else NUMBER
    return None


def _result(op: ast.operator, a: str | None, b: str | None) -> str | None:
    """The kind of ``a op b`` when both operands are numbers of kinds ``a`` and ``b``."""
    if a is None or b is None or isinstance(op, ast.MatMult):
        return None
    if isinstance(op, _BITWISE):
        return INT if a == b == INT else None
    if INEXACT in (a, b) or isinstance(op, ast.Div):
        return INEXACT
    if isinstance(op, ast.Pow):
        return NUMBER  # an int to a negative power is a float
    return INT if a == b == INT else NUMBER


def _safe(op: ast.operator, left: str | None, right: str | None) -> bool:
    """``_arith``'s rules for an operator with no test: what its operands' kinds prove."""
    if isinstance(op, ast.Add):
        return left in _NUMERIC or right in _NUMERIC
    if isinstance(op, ast.Mod):
        return left in _NUMERIC
    return left == INEXACT or right == INEXACT


# -- syntax helpers --------------------------------------------------------------------------
def _own_nodes(root: ast.AST) -> Iterator[ast.AST]:
    """``root`` and its descendants, not entering nested scopes (functions, classes, lambdas,
    comprehensions)."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (*_OWN_SCOPE, ast.FunctionDef, ast.ClassDef)):
                stack.append(child)


def _operand_names(stmt: ast.stmt) -> list[str]:
    """Names read as operands of arithmetic in ``stmt`` (a statement's reads all come before
    its bindings, so their order within it does not matter)."""
    found: list[str] = []
    for node in _own_nodes(stmt):
        operands: tuple[ast.expr, ...] = ()
        if isinstance(node, ast.BinOp):
            operands = (node.left, node.right)
        elif isinstance(node, ast.AugAssign):
            operands = (node.target, node.value)
        for operand in operands:
            name = _leaf_name(operand)
            if name and name not in found:
                found.append(name)
    return found


def _leaf_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    return node.id if isinstance(node, ast.Name) else None


def _bound(stmt: ast.stmt) -> set[str]:
    """Names a simple statement binds when it completes (targets and ``:=``)."""
    names = _walrus_names(stmt)
    if isinstance(stmt, ast.Assign):
        names.update(n.id for t in stmt.targets for n in _names(t))
    elif isinstance(stmt, ast.AugAssign | ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        if not isinstance(stmt, ast.AnnAssign) or stmt.value is not None:
            names.add(stmt.target.id)
    elif isinstance(stmt, ast.Delete):
        names.difference_update(n.id for t in stmt.targets for n in _names(t))
    return names


def _names(target: ast.AST) -> Iterator[ast.Name]:
    """The plain names a target binds (``a``, ``a, (b, *c)``; not ``a[i]`` or ``a.x``)."""
    if isinstance(target, ast.Name):
        yield target
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from _names(element)
    elif isinstance(target, ast.Starred):
        yield from _names(target.value)


def _walrus_names(stmt: ast.AST) -> set[str]:
    # ':=' in a comprehension binds in the enclosing function: every nested node is searched.
    return {
        n.target.id
        for n in ast.walk(stmt)
        if isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name)
    }


def _has_yield(stmt: ast.stmt) -> bool:
    return any(isinstance(n, ast.Yield | ast.YieldFrom | ast.Await) for n in _own_nodes(stmt))


def _counts(iterable: ast.expr) -> bool:
    """``range(...)`` or ``enumerate(...)``: the loop target is (or starts with) an int."""
    return (
        isinstance(iterable, ast.Call)
        and isinstance(iterable.func, ast.Name)
        and iterable.func.id in ("range", "enumerate")
    )


def _is_int_literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int


def _arguments(args: ast.arguments) -> list[ast.arg]:
    extra = [a for a in (args.vararg, args.kwarg) if a is not None]
    return [*args.posonlyargs, *args.args, *args.kwonlyargs, *extra]
