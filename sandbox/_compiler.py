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
from itertools import islice
from types import CodeType
from typing import Any, Final

from RestrictedPython.compile import compile_restricted_exec
from RestrictedPython.transformer import RestrictingNodeTransformer

from ._builtins import IMPORTABLE, MATH_CHECKED, MATH_NAMES, REFUSED
from ._guards import GUARDED_METHODS
from ._names import forbidden_attribute
from ._source_limits import source_problem


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
            problems.append(ScriptProblem(int(m.group(1)), _short(m.group(2).strip())))
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


def _syntax_line(text: str) -> int | None:
    m = re.search(r"line (\d+)", text)
    return int(m.group(1)) if m else None


# -- pass 1: static rules ----------------------------------------------------------------------
class _Checker(RestrictingNodeTransformer):
    """RestrictedPython's node allow-list and name rules, plus ours; no run-time guards."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stored: set[str] = set()

    def visit_Module(self, node: ast.Module) -> Any:
        """Allow a module; collect the names it binds, check it, then instrument it."""
        self._stored = _bound_names(node)
        node = self.node_contents_visit(node)
        if not self.errors:
            node = _Instrumenter().visit(node)
            ast.fix_missing_locations(node)
        return node

    def visit_Name(self, node: ast.Name) -> Any:
        """Deny underscored and refused names (unless the script binds the name itself)."""
        if node.id in REFUSED and node.id not in self._stored:
            self.error(node, f'"{node.id}" is not available: {REFUSED[node.id]}')
            return node
        self.check_name(node, node.id)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        """Allow attribute access by any name the rules let through, with no run-time guard."""
        why = forbidden_attribute(node.attr)
        if why is not None:
            self.error(node, why)
        return self.node_contents_visit(node)

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

    def visit_Call(self, node: ast.Call) -> Any:
        """Allow calls; deny ``getattr``/``hasattr`` with a literal forbidden name."""
        func = node.func
        if isinstance(func, ast.Name) and func.id in ("getattr", "hasattr") and len(node.args) > 1:
            name = node.args[1]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                why = forbidden_attribute(name.value)
                if why is not None:
                    self.error(node, why)
        return self.node_contents_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        """Allow function definitions with checked names (no print collector)."""
        self.check_name(node, node.name)
        self.check_function_argument_names(node)
        return self.node_contents_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        """Deny classes: metaclasses, descriptors and dunder methods are escape routes."""
        self.error(node, "class definitions are not allowed in scripts; use dicts and functions")

    def visit_With(self, node: ast.With) -> Any:
        """Deny ``with``: no reachable object is a context manager worth entering."""
        self.error(node, "with statements are not allowed in scripts")

    def visit_TryStar(self, node: ast.AST) -> Any:
        """Deny ``try/except*``: exception groups can smuggle out uncatchable signals."""
        self.error(node, "try/except* (exception groups) is not allowed in scripts")

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> Any:
        """Allow handlers; a bare ``except:`` becomes ``except Exception:``."""
        if node.type is None:
            node.type = ast.copy_location(ast.Name("Exception", ast.Load()), node)
        self.check_name(node, node.name)
        return self.node_contents_visit(node)

    def visit_Import(self, node: ast.Import) -> Any:
        """Allow importing only the modules scripts may use (``math``)."""
        for alias in node.names:
            if alias.name not in IMPORTABLE:
                self.error(node, f'import of "{alias.name}" is not allowed (only: math)')
        return self.check_import_names(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        """Allow ``from math import name``; deny every other module."""
        if node.module not in IMPORTABLE or node.level:
            self.error(node, f'import from "{node.module}" is not allowed (only: math)')
        for alias in node.names:
            if alias.name != "*" and alias.name not in (*MATH_NAMES, *MATH_CHECKED):
                self.error(node, f'math has no "{alias.name}" in scripts')
        return self.check_import_names(node)


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
TYPE: Final = "_type_"
NUMBERS: Final = "_NUM_"
FLOAT: Final = "_float_"
MATH: Final = "_math_"
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


def _bind(alias: ast.alias, value: ast.expr, at: ast.stmt) -> ast.Assign:
    """``<alias's local name> = value``, on the line of the import ``at``."""
    return ast.copy_location(ast.Assign([_name(alias.asname or alias.name, store=True)], value), at)


def _is_number(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def _is_float(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) is float


class _Instrumenter(ast.NodeTransformer):
    """Adds fuel to loops, comprehensions and calls; guards the operations that grow values."""

    def __init__(self) -> None:
        #: >0 while inside a comprehension's iterable (no ``:=`` allowed there).
        self._no_walrus = 0

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
        """Fuel: one unit per call (``next(fuel)`` first in the body)."""
        self.generic_visit(node)
        node.body.insert(0, _fuel_step())
        return node

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        """Fuel: one unit per call (``body if next(fuel) else None``)."""
        self.generic_visit(node)
        node.body = ast.IfExp(_call(NEXT, _name(FUEL)), node.body, ast.Constant(None))
        return node

    def visit_Import(self, node: ast.Import) -> Any:
        """``import math [as m]`` binds the sandbox's own ``math`` namespace."""
        return [_bind(alias, _name(MATH), node) for alias in node.names]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        """``from math import f`` binds ``f`` from the sandbox's own ``math`` namespace."""
        return [
            _bind(alias, ast.Attribute(_name(MATH), alias.name, ast.Load()), node)
            for alias in node.names
        ]

    # -- growth ------------------------------------------------------------------------------
    def visit_BinOp(self, node: ast.BinOp) -> Any:
        """Guard the growing operators; numbers take an inline fast path, no call."""
        self.generic_visit(node)
        op = type(node.op)
        guard = GUARD_NAMES.get(op)
        if guard is None:
            return node
        if op is ast.Add and (_is_number(node.left) or _is_number(node.right)):
            return node  # number + anything is a number or a TypeError
        if op in (ast.Mult, ast.Pow) and (_is_float(node.left) or _is_float(node.right)):
            return node  # float * anything is a number or a TypeError
        if self._no_walrus or op is ast.LShift or _larger_than(node.right, MAX_COPIED_NODES):
            # The fast path below writes the right operand twice: copying a big one (a
            # right-nested chain, ``a ** (b ** (c ** ...))``) would double the code per level.
            return ast.copy_location(_call(guard, node.left, node.right), node)
        # (_t_ OP right) if type(_t_ := left) is fast else guard(_t_, right)
        fast_types = _name(FLOAT) if op in (ast.Mult, ast.Pow) else _name(NUMBERS)
        test = ast.Compare(
            _call(TYPE, ast.NamedExpr(_name("_t_", store=True), node.left)),
            [ast.Is() if op in (ast.Mult, ast.Pow) else ast.In()],
            [fast_types],
        )
        fast = ast.BinOp(_name("_t_"), node.op, node.right)
        slow = _call(guard, _name("_t_"), node.right)
        return ast.copy_location(ast.IfExp(test, fast, slow), node)

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        """Guard ``+=``, ``*=``, ``**=``, ``<<=``, ``%=`` (target evaluated once, in place)."""
        self.generic_visit(node)
        op = type(node.op)
        if op not in OP_TEXT or (op is ast.Add and _is_number(node.value)):
            return node
        text = ast.Constant(OP_TEXT[op])
        target = node.target
        if op is ast.LShift:
            fast_types: ast.expr = ast.Tuple([], ast.Load())
        elif op in (ast.Mult, ast.Pow):
            fast_types = ast.Tuple([_name(FLOAT)], ast.Load())
        else:
            fast_types = _name(NUMBERS)
        if isinstance(target, ast.Name):
            current = _name(target.id)
            return ast.copy_location(
                ast.Assign([target], self._inplace(current, node.op, text, node.value, fast_types)),
                node,
            )
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
        assign = ast.Assign([store], self._inplace(load, node.op, text, node.value, fast_types))
        return [ast.copy_location(s, node) for s in (*prelude, assign)]

    @staticmethod
    def _inplace(
        current: ast.expr,
        op: ast.operator,
        text: ast.Constant,
        value: ast.expr,
        fast_types: ast.expr,
    ) -> ast.expr:
        # (_av_ OP value) if type(_av_ := current) in fast_types else _iop_("OP=", _av_, value)
        test = ast.Compare(
            _call(TYPE, ast.NamedExpr(_name("_av_", store=True), current)),
            [ast.In()],
            [fast_types],
        )
        fast = ast.BinOp(_name("_av_"), op, value)
        slow = _call("_iop_", text, _name("_av_"), value)
        return ast.IfExp(test, fast, slow)

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
        node.value = _call("_grow_", _name("_ao_"), node.value)
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


#: The largest right operand (in syntax-tree nodes) the numeric fast path copies.
MAX_COPIED_NODES: Final = 64


def _larger_than(node: ast.AST, limit: int) -> bool:
    """Whether ``node``'s subtree has more than ``limit`` nodes (looks at ``limit + 1`` at most)."""
    return next(islice(ast.walk(node), limit, None), None) is not None


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
