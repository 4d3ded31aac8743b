"""Compile a script: RestrictedPython's checks, our static rules, then instrumentation.

Two passes over the AST, both inside RestrictedPython's ``compile_restricted_exec``:

1. :class:`_Checker` (a ``RestrictingNodeTransformer``) keeps RestrictedPython's allow-list of
   node types and its name rules, and adds ours (forbidden attribute names, refused
   builtins, imports, classes ...). It does *not* insert RestrictedPython's run-time guards
   (``_getattr_``, ``_getitem_``, ``_getiter_``, ``_write_``, unpack guards): under our policy
   they protect nothing (every reachable object is safe to touch by any name the checker
   lets through; ``tests/security`` attacks each one), and they cost 11x on ``ctx``-heavy code.
2. :class:`_Instrumenter` adds fuel (loops, comprehensions, calls) and routes growing
   operations through the allocation guards, with an inline fast path for numbers.

Every rejection carries its line number: the script is refused before it runs
(``SANDBOX_FORBIDDEN``).
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass, field
from types import CodeType
from typing import Any, Final

from RestrictedPython.compile import compile_restricted_exec
from RestrictedPython.transformer import RestrictingNodeTransformer

from ._arith import fast_path, safe_without_guard, slice_fast_path
from ._builtins import REFUSED
from ._guards import GUARDED_METHODS
from ._names import (
    CLASS_DUNDERS,
    REFUSED_DUNDERS,
    forbidden_attribute,
    is_dunder,
    is_injected,
    is_private,
)
from ._source_limits import source_problem
from ._stdlib import MODULES, missing_name


@dataclass(frozen=True)
class ScriptProblem:
    """One reason a script was refused: a 1-based line (when known) and a message."""

    line: int | None
    message: str
    #: True when the script broke a compile cap (``SANDBOX_COMPILE_LIMIT``), not a rule.
    limit: bool = False


@dataclass(frozen=True)
class ScriptCheck:
    """The result of checking a script: compiled code, or every problem found."""

    code: CodeType | None
    errors: tuple[ScriptProblem, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when the script compiled and may run."""
        return self.code is not None and not self.errors


_LINE = re.compile(r"^Line (\d+): (.*)$", re.S)


def check_script(source: str, path: str = "<script>") -> ScriptCheck:
    """Check and compile ``source``; collect every problem instead of raising.

    The compile caps (``_source_limits``) come first, so neither the parser nor the cache
    ever holds a source over them. Then cached (a pure function of its arguments; code
    objects are immutable and each sandbox runs them in its own namespace): a hot reload
    recompiles every dependent of an edited mod, and only the edited script is new.

    :param source: the script text.
    :param path: its path relative to the mod folder (shown in tracebacks and diagnostics).
    """
    too_big = source_problem(source)
    if too_big is not None:
        return ScriptCheck(None, (ScriptProblem(too_big.line, too_big.message, limit=True),))
    return _checked(source, path)


@functools.lru_cache(maxsize=256)
def _checked(source: str, path: str) -> ScriptCheck:
    try:
        result = compile_restricted_exec(source, filename=path, policy=_Checker)
    except (RecursionError, MemoryError) as exc:
        # Past the nesting scan, only the compiler's own limits: still the script's fault.
        what = "nested too deeply" if isinstance(exc, RecursionError) else "too complex"
        return ScriptCheck(None, (ScriptProblem(None, f"the script is {what} to compile", True),))
    except (SyntaxError, ValueError, OverflowError) as exc:
        # Raised past RestrictedPython's own handling (null bytes, literals over a limit).
        line = exc.lineno if isinstance(exc, SyntaxError) else None
        return ScriptCheck(None, (ScriptProblem(line, _short(f"{type(exc).__name__}: {exc}")),))
    problems = []
    for text in result.errors:
        m = _LINE.match(text)
        if m:
            problems.append(ScriptProblem(int(m.group(1)), _short(_with_hint(m.group(2).strip()))))
        else:
            problems.append(ScriptProblem(_syntax_line(text), _short(text)))
    code = result.code if not problems else None
    return ScriptCheck(code, tuple(problems), tuple(result.warnings))


#: Characters of a problem's message kept (a syntax error quotes the script's own line).
MAX_PROBLEM_CHARS: Final = 300


def _short(text: str) -> str:
    if len(text) <= MAX_PROBLEM_CHARS:
        return text
    return text[:MAX_PROBLEM_CHARS] + f"... ({len(text)} characters)"


#: What to write instead of the constructs RestrictedPython's own checks refuse.
_NODE_HINTS: Final[dict[str, str]] = {
    "AsyncFunctionDef": "async def is not available in scripts; write a plain def (hooks run "
    "once per tick, there is no event loop)",
    "AsyncFor": "async for is not available in scripts; use a for loop",
    "AsyncWith": "async with is not available in scripts; use try/finally",
    "Await": "await is not available in scripts; call the function directly",
}
_NOT_ALLOWED: Final = re.compile(r"^(\w+) statements are not allowed\.$")


def _with_hint(message: str) -> str:
    m = _NOT_ALLOWED.match(message)
    if m is None:
        return message
    return _NODE_HINTS.get(m.group(1), f"{m.group(1)} is not available in scripts")


def _syntax_line(text: str) -> int | None:
    m = re.search(r"line (\d+)", text)
    return int(m.group(1)) if m else None


# -- pass 1: static rules ----------------------------------------------------------------------
#: Injected helpers the checker inserts (pass 2 inserts more; see the list below).
OWN: Final = "_own_"
DUNDER: Final = "_dunder_"
CLASS_OF: Final = "_ctype_"
IMPORT: Final = "_import_"
STR_FORMAT: Final = "_strfmt_"


class _Checker(RestrictingNodeTransformer):
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

    def visit_Module(self, node: ast.Module) -> Any:
        """Allow a module; collect the names it binds, check it, then instrument it."""
        node.body = [stmt for stmt in node.body if not self._is_future(stmt)]
        self._stored = _bound_names(node)
        node = self.node_contents_visit(node)
        if not self.errors:
            node = _Instrumenter().visit(node)
            ast.fix_missing_locations(node)
        return node

    def _is_future(self, stmt: ast.stmt) -> bool:
        """``from __future__ import ...`` is a compiler flag: noted, then dropped."""
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            self._future_annotations |= any(a.name == "annotations" for a in stmt.names)
            return True
        return False

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

    def visit_Import(self, node: ast.Import) -> Any:
        """Allow importing only the sandbox's standard-library modules."""
        for alias in node.names:
            if alias.name not in MODULES:
                self.error(node, _no_module(alias.name))
            elif alias.asname:
                self._imports[alias.asname] = alias.name
            else:
                self._imports[alias.name.split(".")[0]] = alias.name.split(".")[0]
        return self.check_import_names(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        """Allow ``from M import name`` for the sandbox's modules and the names they offer."""
        module = node.module or ""
        if module not in MODULES or node.level:
            self.error(node, _no_module("." * node.level + module))
            return node
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


# -- pass 2: fuel and allocation guards --------------------------------------------------------
#: Injected globals (underscored: no script can name, rebind or read them).
FUEL: Final = "_fuel_"
NEXT: Final = "_next_"
COMPRESS: Final = "_fz_"
LOOP_RANGE: Final = "_lrange_"
GUARD_NAMES: Final[dict[type[ast.operator], str]] = {
    ast.Add: "_add_",
    ast.Mult: "_mul_",
    ast.Pow: "_pow_",
    ast.LShift: "_lshift_",
    ast.Mod: "_mod_",
}
OP_TEXT: Final[dict[type[ast.operator], str]] = {
    ast.Add: "+=",
    ast.Mult: "*=",
    ast.Pow: "**=",
    ast.LShift: "<<=",
    ast.Mod: "%=",
}


def _name(id_: str, store: bool = False) -> ast.Name:
    return ast.Name(id_, ast.Store() if store else ast.Load())


def _call(func: str, *args: ast.expr) -> ast.Call:
    return ast.Call(_name(func), list(args), [])


def _fuel_step() -> ast.Expr:
    return ast.Expr(_call(NEXT, _name(FUEL)))


def _bind(local: str, value: ast.expr, at: ast.stmt) -> ast.Assign:
    """``local = value``, on the line of the import ``at``."""
    return ast.copy_location(ast.Assign([_name(local, store=True)], value), at)


class _Instrumenter(ast.NodeTransformer):
    """Adds fuel to loops, comprehensions and calls; guards the operations that grow values."""

    def __init__(self) -> None:
        #: >0 while inside a comprehension's iterable, or a comprehension directly in a class
        #: body (no ``:=`` allowed there).
        self._no_walrus = 0
        #: True while visiting a class body (not a function nested in it).
        self._class_body = False

    def _scoped(self, node: ast.AST, class_body: bool) -> ast.AST:
        outer, self._class_body = self._class_body, class_body
        try:
            return self.generic_visit(node)
        finally:
            self._class_body = outer

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        """A class body: comprehensions directly in it may not use ``:=``."""
        return self._scoped(node, True)

    def _comprehension(self, node: ast.AST) -> Any:
        self._no_walrus += self._class_body
        try:
            return self.generic_visit(node)
        finally:
            self._no_walrus -= self._class_body

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    # -- fuel --------------------------------------------------------------------------------
    def visit_For(self, node: ast.For) -> Any:
        """Fuel: one unit per iteration, pulled in C (``compress(iterable, fuel)``)."""
        self.generic_visit(node)
        node.iter = _call(COMPRESS, _loop_range(node.iter), _name(FUEL))
        return node

    def visit_While(self, node: ast.While) -> Any:
        """Fuel: one unit per iteration (``next(fuel)`` first in the body)."""
        self.generic_visit(node)
        node.body.insert(0, _fuel_step())
        return node

    def visit_comprehension(self, node: ast.comprehension) -> Any:
        """Fuel: one unit per step of each ``for`` clause."""
        self._no_walrus += 1
        node.iter = self.visit(node.iter)
        self._no_walrus -= 1
        node.target = self.visit(node.target)
        node.ifs = [self.visit(test) for test in node.ifs]
        node.iter = _call(COMPRESS, _loop_range(node.iter), _name(FUEL))
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        """Fuel: one unit per call (``next(fuel)`` first in the body, after a docstring)."""
        self._scoped(node, False)
        node.body.insert(1 if ast.get_docstring(node, clean=False) is not None else 0, _fuel_step())
        return node

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        """Fuel: one unit per call (``body if next(fuel) else None``)."""
        self._scoped(node, False)
        node.body = ast.IfExp(_call(NEXT, _name(FUEL)), node.body, ast.Constant(None))
        return node

    def visit_Import(self, node: ast.Import) -> Any:
        """``import m [as n]`` binds the sandbox's own namespace of ``m`` (``import a.b``
        binds ``a``, as Python does)."""
        out = []
        for alias in node.names:
            module = alias.name if alias.asname else alias.name.split(".")[0]
            local = alias.asname or module
            out.append(_bind(local, _call(IMPORT, ast.Constant(module)), node))
        return out

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        """``from m import f [as g]`` binds ``f`` from the sandbox's own namespace of ``m``."""
        module = _call(IMPORT, ast.Constant(node.module))
        return [
            _bind(alias.asname or alias.name, ast.Attribute(module, alias.name, ast.Load()), node)
            for alias in node.names
        ]

    # -- growth ------------------------------------------------------------------------------
    def visit_BinOp(self, node: ast.BinOp) -> Any:
        """Guard the growing operators; numbers take an inline fast path, no call."""
        self.generic_visit(node)
        guard = GUARD_NAMES.get(type(node.op))
        if guard is None or safe_without_guard(node):
            return node
        if self._no_walrus:
            return ast.copy_location(_call(guard, node.left, node.right), node)
        concat = "_SQ_" if isinstance(node.op, ast.Add) else ""
        return ast.copy_location(fast_path(node, lambda a, b: _call(guard, a, b), concat), node)

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        """Guard ``+=``, ``*=``, ``**=``, ``<<=``, ``%=`` (target evaluated once, in place)."""
        self.generic_visit(node)
        op = type(node.op)
        target = node.target
        if op not in OP_TEXT or safe_without_guard(ast.BinOp(_name("_"), node.op, node.value)):
            return node
        text = ast.Constant(OP_TEXT[op])

        def inplace(current: ast.expr) -> ast.expr:
            # list += / *= stay in place (the guard does ``a += b``); numbers are immutable.
            operation = ast.BinOp(current, node.op, node.value)
            concat = "_SQI_" if isinstance(node.op, ast.Add) else ""
            return fast_path(operation, lambda a, b: _call("_iop_", text, a, b), concat)

        if isinstance(target, ast.Name):
            value = inplace(_name(target.id))
            return ast.copy_location(ast.Assign([target], value), node)
        prelude: list[ast.stmt] = [ast.Assign([_name("_ao_", store=True)], target.value)]
        if isinstance(target, ast.Subscript):
            key = target.slice
            if isinstance(key, ast.Slice):
                bounds = (key.lower, key.upper, key.step)
                key = _call("_slice_", *(b or ast.Constant(None) for b in bounds))
            prelude.append(ast.Assign([_name("_ak_", store=True)], key))
            load: ast.expr = ast.Subscript(_name("_ao_"), _name("_ak_"), ast.Load())
            store: ast.expr = ast.Subscript(_name("_ao_"), _name("_ak_"), ast.Store())
        else:
            assert isinstance(target, ast.Attribute)
            load = ast.Attribute(_name("_ao_"), target.attr, ast.Load())
            store = ast.Attribute(_name("_ao_"), target.attr, ast.Store())
        assign = ast.Assign([store], inplace(load))
        return [ast.copy_location(s, node) for s in (*prelude, assign)]

    def visit_Assign(self, node: ast.Assign) -> Any:
        """Guard slice assignment: the target may grow only up to the memory limit."""
        self.generic_visit(node)
        slices = [t for t in node.targets if _has_slice_store(t)]
        if not slices:
            return node
        target = node.targets[0]
        if len(node.targets) != 1 or not isinstance(target, ast.Subscript):
            # Chained or unpacking slice assignment: keep it simple and refuse the growth path.
            node.value = _call("_deny_slice_", node.value)
            return node
        obj = ast.Assign([_name("_ao_", store=True)], target.value)
        target.value = _name("_ao_")
        node.value = slice_fast_path("_ao_", node.value)
        return [ast.copy_location(obj, node), node]

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        """Route the size-taking methods (``join``, ``ljust`` ...) through their guard."""
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Load) and node.attr in GUARDED_METHODS:
            return ast.copy_location(_call("_gm_", node.value, ast.Constant(node.attr)), node)
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        """Guard f-string format specs (width and precision)."""
        self.generic_visit(node)
        if node.format_spec is None:
            return node
        spec = node.format_spec
        node.value = _call("_fmt_", node.value, spec, ast.Constant(node.conversion))
        node.conversion = -1
        node.format_spec = None
        return node


def _loop_range(iterable: ast.expr) -> ast.expr:
    """``range(...)`` iterated by a loop becomes ``_lrange_(range, ...)``: the range object
    never reaches the script, each item costs fuel, so its length is CPU, never memory (the
    ``range`` builtin caps the length of ranges a script can hand to C consumers like
    ``list``). ``_lrange_`` calls ``range`` itself when the script rebound the name."""
    if (
        isinstance(iterable, ast.Call)
        and isinstance(iterable.func, ast.Name)
        and iterable.func.id == "range"
        and not iterable.keywords
        and not any(isinstance(a, ast.Starred) for a in iterable.args)
    ):
        return ast.copy_location(_call(LOOP_RANGE, iterable.func, *iterable.args), iterable)
    return iterable


def _has_slice_store(target: ast.expr) -> bool:
    if isinstance(target, ast.Subscript):
        return isinstance(target.slice, ast.Slice)
    if isinstance(target, ast.Tuple | ast.List):
        return any(_has_slice_store(t) for t in target.elts)
    if isinstance(target, ast.Starred):
        return _has_slice_store(target.value)
    return False
