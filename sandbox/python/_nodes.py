"""The two syntax-tree nodes every compiler pass writes most: a name read (or bound) and a
call of a name (the injected helpers: ``_mul_(a, b)``, ``_fz_(it, _fuel_)`` ...)."""

from __future__ import annotations

import ast


def name(id_: str, store: bool = False) -> ast.Name:
    return ast.Name(id_, ast.Store() if store else ast.Load())


def call(func: str, *args: ast.expr) -> ast.Call:
    return ast.Call(name(func), list(args), [])
