"""What holds in every iteration of a loop (used by ``_versions``): the kinds a loop keeps
for its names, by induction over its bindings (see :func:`loop_kinds`)."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import Final

from ._kinds import (
    INT,
    NUMBER,
    SITES,
    Kinds,
    count_everywhere,
    kind,
    names,
    other_bindings,
    parallel,
)


def loop_kinds(
    loop: ast.For | ast.While, entry: Kinds, counting: bool, untracked: frozenset[str]
) -> Kinds:
    """What holds everywhere in ``loop``'s body (and a ``while`` test) given ``entry`` before
    it: by induction over the iterations, a name keeps its entry kind when every binding of it
    inside the loop gives it that same kind again, assuming the others hold too (``a = a *
    0.5 + b``), or ``NUMBER`` when the kinds are numbers that differ (``s = 0`` then ``s +=
    x * 0.5``). A ``for`` over ``range(...)`` binds ints when ``counting`` (the script never
    rebinds ``range``); ``a, b = b, a + b`` binds each name to its item. Any other binding
    (unpacking a value, ``:=``, ``del`` ...) drops the name."""
    facts = getattr(loop, SITES, None)
    if facts is None:  # the search asks about the same loop many times
        facts = (_binding_sites(loop, counting), _set_first(loop))
        setattr(loop, SITES, facts)
    sites, first = facts
    known = dict(entry)
    if isinstance(loop, ast.For) and counting and _is_range(loop.iter):
        counted = (n.id for n in names(loop.target) if n.id not in untracked)
        known.update(dict.fromkeys(counted, INT))
    # A name each iteration sets before it reads it (``t = a * b`` first in the body) is
    # never read with a value from before the loop: its first binding's kind is a guess the
    # rounds below confirm or drop, as for the others.
    for name, site in first:
        if name not in known and name not in untracked:
            guess = _site_kind(site, known)
            if guess is not None:
                known[name] = guess
    carried = [name for name in sites if name in known]
    for _ in range(MAX_LOOP_ROUNDS):
        changed = False
        for name in carried:
            if name not in known:
                continue
            joined = _join(known[name], (_site_kind(s, known) for s in sites[name]))
            if joined != known[name]:
                changed = True
                if joined is None:
                    del known[name]
                else:
                    known[name] = joined
        if not changed:
            return known
    # Too many rounds (a long chain of names feeding each other): what the loop binds is
    # simply not known; what it never binds still is.
    return {name: k for name, k in known.items() if name not in sites}


def _join(current: str, found: Iterable[str | None]) -> str | None:
    """The kind that covers ``current`` and each of ``found``: itself, ``NUMBER`` where ints
    and floats meet (``s = 0`` then ``s += x * 0.5``), or None (unknown)."""
    joined = current
    for other in found:
        if other is None:
            return None
        if other != joined:
            joined = NUMBER
    return joined


def _set_first(loop: ast.For | ast.While) -> list[tuple[str, ast.expr]]:
    """The names a statement of ``loop``'s body itself (not one nested in a block) binds by
    a plain assignment before anything in the loop reads them, each with its value."""
    read: set[str] = set()
    if isinstance(loop, ast.While):
        read.update(_reads(loop.test))
    else:
        read.update(n.id for n in names(loop.target))  # bound by the loop itself
    found: list[tuple[str, ast.expr]] = []
    for stmt in loop.body:
        read.update(_reads(stmt.value if isinstance(stmt, ast.Assign) else stmt))
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                pairs = parallel(target, stmt.value)
                if isinstance(target, ast.Name):
                    pairs = [(target, stmt.value)]
                for name, value in pairs or ():
                    if name.id not in read:
                        found.append((name.id, value))
                for bound in names(target):
                    read.add(bound.id)  # set once: later bindings are only sites
            read.update(_reads(*stmt.targets))  # ``a[i] = ...`` reads a
    return found


def _reads(*nodes: ast.AST) -> set[str]:
    """The names read anywhere in ``nodes`` (``x += 1`` reads ``x``)."""
    found: set[str] = set()
    for node in nodes:
        for n in ast.walk(node):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                found.add(n.id)
            elif isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
                found.add(n.target.id)
    return found


#: Rounds of :func:`loop_kinds` (each drops at least one name) before it gives up.
MAX_LOOP_ROUNDS: Final = 16


def _site_kind(site: _Site, known: Kinds) -> str | None:
    return site if site is None or isinstance(site, str) else kind(site, known, {})


#: A binding site: the expression whose kind the name takes, a kind, or None (unknown).
_Site = ast.expr | str | None


def _binding_sites(loop: ast.AST, counting: bool) -> dict[str, list[_Site]]:
    """Every binding inside ``loop`` (nested scopes included, conservatively), per name."""
    sites: dict[str, list[_Site]] = {}
    handled: set[int] = set()

    def add(name: ast.Name, site: _Site) -> None:
        handled.add(id(name))
        sites.setdefault(name.id, []).append(site)

    for node in ast.walk(loop):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                pairs = parallel(target, node.value)
                if isinstance(target, ast.Name):
                    add(target, node.value)
                elif pairs is not None:
                    for name, item in pairs:
                        add(name, item)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            add(node.target, ast.BinOp(ast.Name(node.target.id, ast.Load()), node.op, node.value))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if node.value is not None:
                add(node.target, node.value)
            else:
                handled.add(id(node.target))  # an annotation alone binds nothing
        elif isinstance(node, ast.For):  # the loop itself, and loops nested in it
            counted = INT if counting and _is_range(node.iter) else None
            for name in names(node.target):
                add(name, counted)
    for node in ast.walk(loop):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            if id(node) not in handled:
                sites.setdefault(node.id, []).append(None)
        else:
            for name in other_bindings(node):
                sites.setdefault(name, []).append(None)
    return sites


def _is_range(iterable: ast.expr) -> bool:
    return (
        isinstance(iterable, ast.Call)
        and isinstance(iterable.func, ast.Name)
        and iterable.func.id == "range"
    )


#: Set on a comprehension whose operators were marked (a nested one is marked with what its
#: enclosing one knows, before the instrumenter reaches it).
_MARKED: Final = "mh_comprehension_marked"
_COMPREHENSIONS: Final = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def mark_comprehension(
    node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp,
    known: Kinds,
    counting: bool,
) -> None:
    """Record on a comprehension's operators what is known there (``_kinds.KNOWN``): what
    holds around it (``known``: module constants, or what an enclosing comprehension knows)
    and its ``for`` targets over ``range(...)`` (ints, when ``counting``). A target is bound
    by its clause only: ``:=`` may not rebind it and nothing else can reach the
    comprehension's scope, so it holds from its clause on. Each clause's iterable and tests
    are judged with what the clauses before them bound; a target bound to anything else is
    forgotten from there on."""
    if getattr(node, _MARKED, False):
        return
    setattr(node, _MARKED, True)
    known = dict(known)
    for clause in node.generators:
        # The first iterable is evaluated around the comprehension, where ``known`` holds.
        _mark(clause.iter, known, counting)
        bound = [n.id for n in names(clause.target)]
        for name in bound:
            known.pop(name, None)
        if counting and _is_range(clause.iter) and isinstance(clause.target, ast.Name):
            known[clause.target.id] = INT
        for test in clause.ifs:
            _mark(test, known, counting)
    for part in (node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,):
        _mark(part, known, counting)


def _mark(part: ast.expr, known: Kinds, counting: bool) -> None:
    if isinstance(part, _COMPREHENSIONS):  # its own scope: its own targets shadow these
        mark_comprehension(part, known, counting)
        return
    count_everywhere([part], known, mark=True)
    for inner in _nested_comprehensions(part):
        mark_comprehension(inner, known, counting)


def _nested_comprehensions(root: ast.AST) -> list[ast.AST]:
    """The comprehensions directly inside ``root`` (not inside a lambda or another one)."""
    found, stack = [], [root]
    while stack:
        for child in ast.iter_child_nodes(stack.pop()):
            if isinstance(child, _COMPREHENSIONS):
                found.append(child)
            elif not isinstance(child, ast.Lambda):
                stack.append(child)
    return found
