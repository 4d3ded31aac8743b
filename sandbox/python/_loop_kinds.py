"""What holds in every iteration of a loop (used by ``_versions``): the kinds a loop keeps
for its names, by induction over its bindings (see :func:`loop_kinds`)."""

from __future__ import annotations

import ast
from typing import Final

from ._kinds import INT, SITES, Kinds, kind, names, other_bindings


def loop_kinds(
    loop: ast.For | ast.While, entry: Kinds, counting: bool, untracked: frozenset[str]
) -> Kinds:
    """What holds everywhere in ``loop``'s body (and a ``while`` test) given ``entry`` before
    it: by induction over the iterations, a name keeps its entry kind when every binding of it
    inside the loop gives it that same kind again, assuming the others hold too (``a = a *
    0.5 + b``). A ``for`` over ``range(...)`` binds ints when ``counting`` (the script never
    rebinds ``range``). Any other binding (unpacking, ``:=``, ``del`` ...) drops the name."""
    sites = getattr(loop, SITES, None)
    if sites is None:  # the search asks about the same loop many times
        sites = _binding_sites(loop, counting)
        setattr(loop, SITES, sites)
    known = dict(entry)
    if isinstance(loop, ast.For) and counting and _is_range(loop.iter):
        counted = (n.id for n in names(loop.target) if n.id not in untracked)
        known.update(dict.fromkeys(counted, INT))
    carried = [name for name in sites if name in known]
    for _ in range(MAX_LOOP_ROUNDS):
        dropped = False
        for name in carried:
            if name in known and any(_site_kind(s, known) != known[name] for s in sites[name]):
                del known[name]
                dropped = True
        if not dropped:
            return known
    # Too many rounds (a long chain of names feeding each other): what the loop binds is
    # simply not known; what it never binds still is.
    return {name: k for name, k in known.items() if name not in sites}


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
                if isinstance(target, ast.Name):
                    add(target, node.value)
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
