"""What the versioning pass (``_versions``) may test a name for, and which module names are
constants of a known kind. Hints only choose which test to write; a wrong hint costs a failed
test at run time, never a wrong result."""

from __future__ import annotations

import ast
import builtins
from typing import Final

from ._kinds import (
    BITWISE,
    COMPLEX,
    INEXACT,
    INT,
    NUMBER,
    OWN_SCOPE,
    Kinds,
    constant_kind,
    leaf_name,
    names,
    other_bindings,
    own_nodes,
)

#: Operators whose chains share one kind: ``i + j * 2`` is int code, ``x * 0.5 - y`` float.
_CHAIN: Final = (ast.Add, ast.Sub, ast.Mult)


class FunctionFacts:
    """One function's names: which may be tested, and for what kind.

    Never tested nor learned (:attr:`excluded`): names declared ``global`` or ``nonlocal`` in
    the function or ``nonlocal`` in a function nested in it, and ``:=`` targets inside its
    comprehensions (something else may rebind them during a call: another function, a
    closure, a generator expression consumed later), deleted names (``del``, and ``except
    ... as`` names, which Python deletes), and names used as a container, an object or a
    function (``a[i]``, ``a.x``, ``a()``).
    """

    def __init__(self, fn: ast.FunctionDef) -> None:
        excluded: set[str] = set()
        # Strong evidence (a loop count, an index, bit operations, a literal assigned) wins
        # over weak (a chain with a literal: 2.4 * y scales an int as often as a float).
        strong: dict[str, set[str]] = {INT: set(), INEXACT: set(), COMPLEX: set()}
        weak: dict[str, set[str]] = {INT: set(), INEXACT: set(), COMPLEX: set()}
        for node in own_nodes(fn):
            if isinstance(node, ast.Global | ast.Nonlocal):
                excluded.update(node.names)
            elif isinstance(node, ast.Delete):
                excluded.update(n.id for t in node.targets for n in names(t))
            elif isinstance(node, ast.ExceptHandler) and node.name:
                excluded.add(node.name)
            elif isinstance(node, ast.Subscript):
                excluded.update(_leaves(node.value, strict=True))
                strong[INT].update(_leaves(node.slice))
            elif isinstance(node, ast.Attribute) and node.attr not in ("real", "imag"):
                excluded.update(_leaves(node.value, strict=True))
            elif isinstance(node, ast.Call):
                excluded.update(_leaves(node.func, strict=True))
                if isinstance(node.func, ast.Name) and node.func.id == "range":
                    strong[INT].update(n for a in node.args for n in _leaves(a))
            elif isinstance(node, ast.For) and _counts(node.iter):
                target = node.target
                if isinstance(target, ast.Tuple) and target.elts:
                    target = target.elts[0]  # enumerate's count
                strong[INT].update(n.id for n in names(target))
            elif isinstance(node, ast.BinOp):
                _hint_operands(node, strong, weak)
            elif isinstance(node, ast.Assign):
                # A literal says what a name starts as, not what it holds later: weak.
                kind = _assigned_kind(node.value)
                if kind is not None:
                    (strong if kind == COMPLEX else weak)[kind].update(
                        t.id for t in node.targets if isinstance(t, ast.Name)
                    )
            elif (
                isinstance(node, ast.AugAssign)
                and isinstance(node.target, ast.Name)
                and constant_kind_of(node.value) != INT
            ):
                # total += x: an accumulator also holds what it adds up.
                weak[INEXACT].add(node.target.id)
        floaty = False
        for node in ast.walk(fn):
            if isinstance(node, ast.Nonlocal):
                excluded.update(node.names)
            elif isinstance(node, OWN_SCOPE) and not isinstance(node, ast.Lambda):
                # ':=' in a comprehension binds in the function, and a generator expression
                # runs it later, whenever it is consumed (a call anywhere may rebind).
                excluded.update(
                    n.target.id
                    for n in ast.walk(node)
                    if isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name)
                )
            else:
                floaty = floaty or _works_with_floats(node)
        self.excluded = frozenset(excluded)
        #: A name with no evidence is tested as a float only in a function that works with
        #: floats (a float literal or a true division somewhere in it).
        self._default = INEXACT if floaty else None
        #: Int code (counts, indices, bit operations and no float in sight): its guards test
        #: for an int before a float.
        self.int_code = not floaty and bool(strong[INT])
        self._strong = {kind: frozenset(found) for kind, found in strong.items()}
        self._weak = {kind: frozenset(found) for kind, found in weak.items()}

    def test_kind(self, name: str) -> str | None:
        """The type a test of ``name`` checks: ``INT`` for int-looking names, ``COMPLEX`` for
        complex-looking ones, ``NUMBER`` (any of int, float, complex) where the evidence says
        both int and float, else ``INEXACT`` (a float); None when it is never tested."""
        return self.evidence(name)[0]

    def evidence(self, name: str) -> tuple[str | None, int]:
        """The kind a test of ``name`` checks and how strong the evidence is (2 strong, 1
        weak, 0 none)."""
        if name in self.excluded:
            return None, 0
        for strength, evidence in ((2, self._strong), (1, self._weak)):
            kinds = {kind for kind, found in evidence.items() if name in found}
            if kinds == {INT, INEXACT}:
                return NUMBER, strength  # an int or a float: '+' and '%' need no more
            if len(kinds) > 1:
                return None, strength
            if kinds:
                return kinds.pop(), strength
        return self._default, 0


def _works_with_floats(node: ast.AST) -> bool:
    """A float literal or a true division."""
    if isinstance(node, ast.Constant):
        return type(node.value) is float
    return isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ast.Div)


def constant_kind_of(node: ast.expr) -> str | None:
    return constant_kind(node) if isinstance(node, ast.Constant) else None


def _assigned_kind(value: ast.expr) -> str | None:
    """What assigning ``value`` says about the name: ``0`` an int, ``0.0`` a float, ``0j``
    or ``complex(...)`` a complex number."""
    if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "complex":
        return COMPLEX
    if not isinstance(value, ast.Constant):
        return None
    return COMPLEX if type(value.value) is complex else constant_kind(value)


def _hint_operands(node: ast.BinOp, strong: dict[str, set[str]], weak: dict[str, set[str]]) -> None:
    if isinstance(node.op, (*BITWISE, ast.FloorDiv)):
        strong[INT].update(_leaves(node.left))
        strong[INT].update(_leaves(node.right))
    elif isinstance(node.op, ast.Mod) and constant_kind_of(node.right) == INT:
        weak[INT].update(_leaves(node.left))
    if isinstance(node.op, _CHAIN):
        parts = list(_chain(node))
        constants = {constant_kind(p) for p in parts if isinstance(p, ast.Constant)}
        leaves = {n for p in parts for n in _leaves(p)}
        if INEXACT in constants:
            weak[INEXACT].update(leaves)
        elif INT in constants:
            weak[INT].update(leaves)


def _chain(node: ast.expr) -> list[ast.expr]:
    """The operands of a chain of ``+``, ``-`` and ``*`` (``a + b * 2`` gives a, b, 2)."""
    stack, parts = [node], []
    while stack:
        current = stack.pop()
        if isinstance(current, ast.BinOp) and isinstance(current.op, _CHAIN):
            stack.extend((current.left, current.right))
        elif isinstance(current, ast.UnaryOp) and isinstance(current.op, ast.USub | ast.UAdd):
            stack.append(current.operand)
        else:
            parts.append(current)
    return parts


def _leaves(node: ast.expr, strict: bool = False) -> set[str]:
    """The names ``node`` is made of: ``x`` in ``x`` or ``-x``, and the operands of a chain
    (``a + b * 2``); with ``strict``, only a name itself."""
    name = leaf_name(node)
    if strict:
        return {name} if name else set()
    if name:
        return {name}
    if isinstance(node, ast.BinOp):
        return {n for p in _chain(node) if (n := leaf_name(p))}
    return set()


def _counts(iterable: ast.expr) -> bool:
    """``range(...)`` or ``enumerate(...)``: the loop target is (or starts with) an int."""
    return (
        isinstance(iterable, ast.Call)
        and isinstance(iterable.func, ast.Name)
        and iterable.func.id in ("range", "enumerate")
    )


def _literal_kind(node: ast.expr) -> str | None:
    """The kind of a number literal (``5``, ``-0.5``), else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    return constant_kind(node) if isinstance(node, ast.Constant) else None


_BUILTIN_NAMES: Final = frozenset(dir(builtins))


def module_constants(tree: ast.Module) -> Kinds:
    """Module names bound exactly once, to a number literal (``MASK = 0xFFFFFFFF``), and
    never bound any other way anywhere in the script (no other assignment, parameter,
    ``global``, ``del``, import, ``def``, ``except ... as`` or loop of that name): whenever
    they are bound, they hold that number. Builtins' names are left out (before its
    assignment runs, such a name would read the builtin)."""
    stores: dict[str, int] = {}
    other: set[str] = set(_BUILTIN_NAMES)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stores[node.id] = stores.get(node.id, 0) + 1
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Del):
            other.add(node.id)
        else:
            other.update(other_bindings(node))
    constants: Kinds = {}
    for stmt in tree.body:
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            name, value = stmt.targets[0].id, _literal_kind(stmt.value)
            if value is not None and stores.get(name) == 1 and name not in other:
                constants[name] = value
    return constants
