"""Pass 1 of the compiler (see ``_compiler``): RestrictedPython's node allow-list and name
rules, plus the sandbox's static rules (forbidden attributes, refused builtins, imports,
classes ...). A script that passes is handed to pass 2 (``_instrument``).
"""

from __future__ import annotations

import ast
from typing import Any, Final

from RestrictedPython.transformer import RestrictingNodeTransformer

from ._builtins import REFUSED
from ._expansion import check_compiled, check_estimate
from ._instrument import OWN, Instrumenter, _call
from ._names import (
    CLASS_DUNDERS,
    GROWING_DUNDERS,
    REFUSED_DUNDERS,
    forbidden_attribute,
    is_dunder,
    is_injected,
    is_private,
)
from ._stdlib import MODULES, missing_name

#: Injected helpers the checker inserts (pass 2 inserts more; see ``_instrument``).
DUNDER: Final = "_dunder_"
CLASS_OF: Final = "_ctype_"
STR_FORMAT: Final = "_strfmt_"
SUPER_OPERATOR: Final = "_superop_"


class Checker(RestrictingNodeTransformer):
    """RestrictedPython's node allow-list and name rules, plus ours; no run-time guards
    except on private attributes and special-method reads (see ``_classes``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stored: set[str] = set()
        self._future_annotations = False
        #: Local names bound by ``import m`` (to the module's name).
        self._imports: dict[str, str] = {}
        #: Nesting of the statement being visited: "module", "class" or "function".
        self._scope: list[str] = ["module"]
        #: The statements directly in the module body (their imports run at every load).
        self._top: set[int] = set()

    def visit_Module(self, node: ast.Module) -> Any:
        """Allow a module; collect the names it binds, check it, then instrument it."""
        node.body = [stmt for stmt in node.body if not self._is_future(stmt)]
        node.body = [kept for stmt in node.body for kept in self._unless_main(stmt)]
        self._stored = _bound_names(node)
        self._top = {id(stmt) for stmt in node.body}
        node = self.node_contents_visit(node)
        if not self.errors:
            check_estimate(node)
            node = Instrumenter().visit(node)
            check_compiled(node)
            ast.fix_missing_locations(node)
        return node

    def _is_future(self, stmt: ast.stmt) -> bool:
        """``from __future__ import ...`` is a compiler flag: noted, then dropped."""
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            self._future_annotations |= any(a.name == "annotations" for a in stmt.names)
            return True
        return False

    def _unless_main(self, stmt: ast.stmt) -> list[ast.stmt]:
        """An ``if __name__ == "__main__":`` block never runs in a mod (a script's
        ``__name__`` is its path): it is dropped unchecked, so its imports of ``doctest`` or
        ``sys`` do not refuse the script; its ``else:`` part stays."""
        if not (isinstance(stmt, ast.If) and _is_main_test(stmt.test)):
            return [stmt]
        self.warn(stmt, 'the if __name__ == "__main__": block never runs in a mod; skipped')
        return stmt.orelse

    def check_name(self, node: Any, name: str | None, allow_magic_methods: bool = False) -> None:
        """Deny the sandbox's injected names (underscores at both ends); allow ``_x``."""
        if name is None or name == "_" or not is_injected(name):
            return
        self.error(
            node,
            f'"{name}" is a reserved name (names with underscores at both ends belong to the '
            "sandbox); rename it, e.g. to " + f'"{name.strip("_") or "value"}"',
        )

    def visit_Name(self, node: ast.Name) -> Any:
        """Deny refused builtins (unless the script binds the name) and injected names;
        allow reading ``__name__``."""
        if node.id in REFUSED and node.id not in self._stored:
            self.error(node, f'"{node.id}" is not available: {REFUSED[node.id]}')
            return node
        if node.id in READABLE_NAMES and isinstance(node.ctx, ast.Load):
            return node
        store = not isinstance(node.ctx, ast.Load)
        if node.id in MODULE_METADATA and (not store or self._scope == ["module"]):
            return node
        if self._scope[-1] == "class" and node.id in CLASS_DUNDERS:
            return node  # a special method of the class being defined (checked there)
        self.check_name(node, node.id)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        """Allow attribute access by any name the rules let through; route private names
        and special-method reads through their run-time checks."""
        name = node.attr
        why = forbidden_attribute(name)
        load = isinstance(node.ctx, ast.Load)
        module = self._imports.get(node.value.id) if isinstance(node.value, ast.Name) else None
        if module is not None and why is None and name not in MODULES[module]:
            why = missing_name(module, name)
        if load and name in ("format", "format_map"):
            return ast.copy_location(
                _call(STR_FORMAT, self.visit(node.value), ast.Constant(name)), node
            )
        if why is not None and load and name == "__class__":
            return ast.copy_location(_call(CLASS_OF, self.visit(node.value)), node)
        if why is not None and load and name in CLASS_DUNDERS:
            value = self.visit(node.value)
            if _is_super_call(value) and name in GROWING_DUNDERS:
                return ast.copy_location(_call(SUPER_OPERATOR, value, ast.Constant(name)), node)
            if _is_super_call(value):
                node.value = value
                return node
            return ast.copy_location(_call(DUNDER, value, ast.Constant(name)), node)
        if why is None and is_dunder(name) and not load:
            why = f'"{name}" may only be read; set it in the class body instead'
        if why is not None:
            self.error(node, why)
            return node
        node = self.node_contents_visit(node)
        if is_private(name):
            node.value = ast.copy_location(_call(OWN, node.value), node.value)
        return node

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        """Allow subscripts unguarded: every reachable container is the script's or a copy."""
        return self.node_contents_visit(node)

    def guard_iter(self, node: Any) -> Any:
        """Allow iteration unguarded (fuel is added by the instrumenter)."""
        return self.node_contents_visit(node)

    def visit_Assign(self, node: ast.Assign) -> Any:
        """Allow assignment and unpacking unguarded (unpacking only iterates fuelled values)."""
        return self.node_contents_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        """Allow augmented assignment to names, items and attributes (growth is guarded)."""
        return self.node_contents_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> Any:
        """Allow annotated assignment; under ``from __future__ import annotations`` a module-
        or class-level annotation is kept as its source text, as Python keeps it."""
        if self._future_annotations and self._scope[-1] != "function":
            text = ast.unparse(node.annotation)
            node.annotation = ast.copy_location(ast.Constant(text), node.annotation)
        return self.node_contents_visit(node)

    def visit_Call(self, node: ast.Call) -> Any:
        """Allow calls; deny ``type()`` with three arguments and the attribute builtins with a
        literal forbidden name."""
        func = node.func
        three = isinstance(func, ast.Name) and func.id == "type" and len(node.args) == 3
        if three and "type" not in self._stored:
            self.error(
                node,
                "type() with three arguments builds a class at run time; "
                "write a class statement instead",
            )
        if isinstance(func, ast.Name) and func.id in _NAMED_ATTRIBUTE and len(node.args) > 1:
            name = node.args[1]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                why = forbidden_attribute(name.value)
                if why is not None:
                    self.error(node, f"{func.id}(): {why}")
        return self.node_contents_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        """Allow function definitions (no print collector); annotations are dropped (Python
        only stores them)."""
        if not (self._scope[-1] == "class" and is_dunder(node.name)):
            self.check_name(node, node.name)
        self.check_function_argument_names(node)
        _drop_annotations(node.args)
        node.returns = None
        self._scope.append("function")
        try:
            return self.node_contents_visit(node)
        finally:
            self._scope.pop()

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        """Allow lambdas with checked argument names."""
        self.check_function_argument_names(node)
        return self.node_contents_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        """Allow classes: no class keywords (``metaclass=``), and only the special methods
        of ``CLASS_DUNDERS`` in the body (the rest are refused with their reason)."""
        self.check_name(node, node.name)
        for keyword in node.keywords:
            if keyword.arg == "metaclass":
                self.error(
                    node,
                    f"class {node.name}: metaclasses are not allowed (they run code whenever a "
                    "class is built or used); use a plain class or a decorator instead",
                )
            else:
                self.error(
                    node,
                    f"class {node.name}: class keyword {keyword.arg or '**'}= is not allowed; "
                    "write a plain class statement",
                )
        for stmt in node.body:
            self._check_class_member(node.name, stmt)
        self._scope.append("class")
        try:
            return self.node_contents_visit(node)
        finally:
            self._scope.pop()

    def _check_class_member(self, cls: str, stmt: ast.stmt) -> None:
        names: list[tuple[str, ast.AST]] = []
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            names.append((stmt.name, stmt))
        elif isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name):
                        names.append((sub.id, sub))
        for name, where in names:
            if not is_dunder(name):
                continue
            if name in REFUSED_DUNDERS:
                self.error(where, f"class {cls}: {name} is not allowed: {REFUSED_DUNDERS[name]}")
            elif name not in CLASS_DUNDERS:
                self.error(
                    where,
                    f"class {cls}: {name} is not among the special methods scripts may define "
                    "(comparisons, arithmetic, containers, __init__, __repr__ ...); use an "
                    "ordinary method name",
                )
            elif name == "__match_args__" and not _plain_names(stmt):
                self.error(
                    where,
                    f"class {cls}: __match_args__ must be a literal tuple of public attribute "
                    'names, e.g. ("x", "y")',
                )

    def visit_Nonlocal(self, node: ast.Nonlocal) -> Any:
        """Allow ``nonlocal``: it rebinds a name of an enclosing function, nothing more."""
        for name in node.names:
            self.check_name(node, name)
        return node

    def visit_Match(self, node: ast.AST) -> Any:
        """Allow ``match``; class patterns may name public attributes only (checked below)."""
        return self.node_contents_visit(node)

    def visit_MatchClass(self, node: ast.MatchClass) -> Any:
        """Allow class patterns whose keyword attributes are public names."""
        for name in node.kwd_attrs:
            why = forbidden_attribute(name)
            if why is None and name.startswith("_"):
                why = f'"{name}": patterns may match public attributes only'
            if why is not None:
                self.error(node, why)
        return self.node_contents_visit(node)

    def _allow(self, node: ast.AST) -> Any:
        return self.node_contents_visit(node)

    visit_match_case = _allow
    visit_MatchValue = _allow
    visit_MatchSingleton = _allow
    visit_MatchSequence = _allow
    visit_MatchStar = _allow
    visit_MatchAs = _allow
    visit_MatchOr = _allow

    def visit_MatchMapping(self, node: ast.MatchMapping) -> Any:
        """Allow mapping patterns (``**rest`` binds a checked name)."""
        self.check_name(node, node.rest)
        return self.node_contents_visit(node)

    def visit_With(self, node: ast.With) -> Any:
        """Deny ``with``: no reachable object is a context manager worth entering."""
        self.error(
            node,
            "with statements are not allowed in scripts (no reachable object is a context "
            "manager); use try/finally instead",
        )

    def visit_TryStar(self, node: ast.AST) -> Any:
        """Deny ``try/except*``: exception groups can smuggle out uncatchable signals."""
        self.error(node, "try/except* (exception groups) is not allowed in scripts; use try/except")

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> Any:
        """Allow handlers; a bare ``except:`` becomes ``except Exception:``."""
        if node.type is None:
            node.type = ast.copy_location(ast.Name("Exception", ast.Load()), node)
        self.check_name(node, node.name)
        return self.node_contents_visit(node)

    def _missing_module(self, node: ast.Import | ast.ImportFrom, name: str) -> Any:
        """An import of a module scripts do not have: refused at load when it is in the module
        body (it would fail at every load); anywhere else (a function, a ``try:``, an
        ``if``) it raises ``ModuleNotFoundError`` where it runs, as a missing module does in
        Python, so a ``benchmark()`` importing ``timeit`` does not refuse the whole file."""
        if id(node) in self._top:
            self.error(node, _no_module(name))
            return node
        error = _call("_nomod_", ast.Constant(_no_module(name)))
        return ast.copy_location(ast.Raise(error, None), node)

    def visit_Import(self, node: ast.Import) -> Any:
        """Allow importing only the sandbox's standard-library modules."""
        for alias in node.names:
            if alias.name not in MODULES:
                return self._missing_module(node, alias.name)
            if alias.asname:
                self._imports[alias.asname] = alias.name
            else:
                self._imports[alias.name.split(".")[0]] = alias.name.split(".")[0]
        return self.check_import_names(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        """Allow ``from M import name`` for the sandbox's modules and the names they offer."""
        module = node.module or ""
        if module not in MODULES or node.level:
            return self._missing_module(node, "." * node.level + module)
        for alias in node.names:
            if alias.name == "*":
                self.error(node, f'"from {module} import *" is not allowed; name what you import')
            elif alias.name not in MODULES[module]:
                self.error(node, missing_name(module, alias.name))
        return self.check_import_names(node)


#: Builtins that take an attribute name as their second argument.
_NAMED_ATTRIBUTE: Final = frozenset({"getattr", "hasattr", "setattr", "delattr"})
#: Dunder names a script may read as plain names.
READABLE_NAMES: Final = frozenset({"__name__"})
#: Module-level dunder names real files set (``__all__ = [...]``): plain globals the sandbox
#: never injects, so a module body may bind and read them.
MODULE_METADATA: Final = frozenset(
    {"__all__", "__author__", "__version__", "__license__", "__email__", "__credits__",
     "__status__", "__maintainer__", "__copyright__", "__date__"}
)  # fmt: skip


#: Why some often-imported modules are not offered, and what to use instead.
_MODULE_REFUSALS: Final[dict[str, str]] = {
    "re": "a backtracking match cannot be interrupted in the in-process tier, so one "
    "catastrophic pattern would stall the host; use str methods (split, find, startswith)",
    "time": "there is no clock (scripts must be deterministic); use ctx.tick and dt",
    "datetime": "there is no clock (scripts must be deterministic); use ctx.tick and dt",
    "json": "payloads and ctx.state are already plain data; read files with ctx.fs.read_text",
    "fractions": "not offered; use int arithmetic or math.gcd",
    "decimal": "not offered; use int arithmetic in fixed units",
}


def _no_module(name: str) -> str:
    why = _MODULE_REFUSALS.get(name.split(".")[0])
    if why is not None:
        return f'import of "{name}" is not allowed: {why}'
    return (
        f'import of "{name}" is not allowed; scripts may import only: '
        + ", ".join(sorted(MODULES))
        + " (files, the clock, the network and the interpreter are reached through ctx or not "
        "at all)"
    )


def _is_main_test(test: ast.expr) -> bool:
    """``__name__ == "__main__"``, either way round."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    if not isinstance(test.ops[0], ast.Eq):
        return False
    sides = {type(test.left), type(test.comparators[0])}
    if sides != {ast.Name, ast.Constant}:
        return False
    name, value = (test.left, test.comparators[0])
    if isinstance(name, ast.Constant):
        name, value = value, name
    return name.id == "__name__" and value.value == "__main__"  # type: ignore[attr-defined]


def _is_super_call(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
    )


def _plain_names(stmt: ast.stmt) -> bool:
    value = getattr(stmt, "value", None)
    return isinstance(value, ast.Tuple | ast.List) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) and not e.value.startswith("_")
        for e in value.elts
    )


def _drop_annotations(args: ast.arguments) -> None:
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
        if arg is not None:
            arg.annotation = None


def _bound_names(tree: ast.AST) -> set[str]:
    """Every name the script binds anywhere (assignments, parameters, defs, imports)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names
