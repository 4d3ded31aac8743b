"""Pass 2 of the compiler (see ``_compiler``): adds fuel to loops, comprehensions and calls,
and routes the operations that grow values through the allocation guards (with the inline
paths of ``_arith``).
"""

from __future__ import annotations

import ast
import copy
from typing import Any, Final

from ._arith import SMALL_ITEMS, fast_path, safe_without_guard, slice_fast_path
from ._builtin_calls import (
    LOOPED,
    capped_range,
    copyable,
    direct_eager,
    direct_eager_over,
    direct_instance_check,
    direct_lazy,
    direct_typed,
    eager_over_generator,
    eager_over_iterable,
    instance_check_of_stand_in,
    is_range_call,
    keyed_by_lambda,
    lazy_over_names,
    loop_range,
    names_kept,
    plain_int,
    several_values,
    typed_direct,
)
from ._chains import build, spine, writes_reflected
from ._guards import WALK_ALLOCATION
from ._hints import module_constants
from ._kinds import INT_FIRST, INTS, KNOWN, SAFE, bound_anywhere
from ._loop_kinds import mark_comprehension
from ._method_guards import GUARDED_METHODS
from ._names import FUEL, STEP
from ._nodes import call as _call
from ._nodes import name as _name
from ._versions import SearchBudget, version_function

#: Injected globals (underscored: no script can name, rebind or read them); FUEL is _names'.
#: The private-attribute check (``_classes.GuestTypes.own``) and the ids of the script's own
#: classes it tests first (inline).
OWN: Final = "_own_"
OWNED: Final = "_OWNED_"
IMPORT: Final = "_import_"
COMPRESS: Final = "_fz_"
#: ``Meter.revive``, called first in every ``except`` block.
REVIVE: Final = "_revive_"
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


NEXT: Final = "_next_"


def _fuel_step() -> ast.Expr:
    return ast.Expr(_call(STEP))


def _bind(local: str, value: ast.expr, at: ast.stmt) -> ast.Assign:
    """``local = value``, on the line of the import ``at``."""
    return ast.copy_location(ast.Assign([_name(local, store=True)], value), at)


class Instrumenter(ast.NodeTransformer):
    """Adds fuel to loops, comprehensions and calls; guards the operations that grow values."""

    def __init__(self) -> None:
        #: >0 while inside a comprehension's iterable, or a comprehension directly in a class
        #: body (no ``:=`` allowed there).
        self._no_walrus = 0
        #: True while visiting a class body (not a function nested in it).
        self._class_body = False
        self._search = SearchBudget()
        self._constants: dict[str, str] = {}
        self._counting = False
        #: The chain flag can be true while this script runs (``_chains``).
        self._flag = True

    def visit_Module(self, node: ast.Module) -> Any:
        """The module's constants (known in every function) first."""
        self._constants = module_constants(node)
        bound = bound_anywhere(node)
        self._counting = "range" not in bound
        self._flag = not writes_reflected(node)
        with names_kept(bound):
            return self.generic_visit(node)

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
        assert isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp)
        mark_comprehension(node, self._constants, self._counting)
        self._no_walrus += self._class_body
        try:
            return self.generic_visit(node)
        finally:
            self._no_walrus -= self._class_body

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    # -- fuel --------------------------------------------------------------------------------
    def visit_For(self, node: ast.For) -> Any:
        """Fuel: one unit per iteration, pulled in C (``compress(iterable, fuel)``)."""
        setattr(node.iter, LOOPED, True)  # its range is the loop's, uncapped (below)
        self.generic_visit(node)
        node.iter = _call(COMPRESS, loop_range(node.iter), _name(FUEL))
        return node

    def visit_While(self, node: ast.While) -> Any:
        """Fuel: one unit per iteration. The loop draws it in C where its shape allows:
        ``while True:`` becomes ``for _fl_ in _fuel_:``, and ``while c: body`` becomes
        ``if c: for _fl_ in _fuel_: body; if not c: break`` (the same tests in the same order,
        so the same count). Otherwise ``_step_()`` (one unit) is the body's first statement:
        when the loop has an ``else:``, a ``continue`` of its own, or a large test."""
        self.generic_visit(node)
        if not node.orelse and _is_true(node.test):
            return ast.copy_location(_fuel_loop(node.body), node)
        if node.orelse or _continues(node.body) or not copyable(node.test):
            node.body.insert(0, _fuel_step())
            return node
        again = ast.If(ast.UnaryOp(ast.Not(), copy.deepcopy(node.test)), [ast.Break()], [])
        loop = _fuel_loop([*node.body, ast.copy_location(again, node.test)])
        return ast.copy_location(ast.If(node.test, [ast.copy_location(loop, node)], []), node)

    def visit_comprehension(self, node: ast.comprehension) -> Any:
        """Fuel: one unit per step of each ``for`` clause."""
        self._no_walrus += 1
        node.iter = self.visit(node.iter)
        self._no_walrus -= 1
        node.target = self.visit(node.target)
        node.ifs = [self.visit(test) for test in node.ifs]
        node.iter = _call(COMPRESS, loop_range(node.iter), _name(FUEL))
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        """Fuel: one unit per call (``_step_()`` first in the body, after a docstring); runs
        of float arithmetic are versioned first (``_versions``)."""
        version_function(node, self._constants, self._search, self._counting, self._flag)
        self._scoped(node, False)
        node.body.insert(1 if ast.get_docstring(node, clean=False) is not None else 0, _fuel_step())
        return node

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        """Fuel: one unit per call (``body if next(fuel) else None``: a pull of either stream
        is True; ``_step_()`` returns None from the C stream, True from the other)."""
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
        """Guard the growing operators; numbers take an inline fast path, no call, and a run
        of them one test for the run (``_chains``)."""
        if self._no_walrus:
            self.generic_visit(node)
            return self._guarded(node)
        leaf, links = spine(node)
        leaf = self.visit(leaf)
        for link in links:
            link.right = self.visit(link.right)
        return build(leaf, links, self._guarded, self._flag)

    def _guarded(self, node: ast.BinOp, prior: tuple[str, str] | None = None) -> ast.expr:
        """``node`` (its operands instrumented) with its own guard, if it needs one (``prior``:
        see ``_arith.fast_path``)."""
        guard = GUARD_NAMES.get(type(node.op))
        known = getattr(node, KNOWN, None)
        if guard is None or safe_without_guard(node) or known == SAFE:
            return node
        if self._no_walrus:
            return ast.copy_location(_call(guard, node.left, node.right), node)
        concat = "_SQ_" if isinstance(node.op, ast.Add) else ""
        order = {"ints": known == INTS, "int_first": getattr(node, INT_FIRST, False)}
        path = fast_path(node, lambda a, b: _call(guard, a, b), concat, **order, prior=prior)
        return ast.copy_location(path, node)

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        """Guard ``+=``, ``*=``, ``**=``, ``<<=``, ``%=`` (target evaluated once, in place)."""
        self.generic_visit(node)
        op = type(node.op)
        target = node.target
        known = getattr(node, KNOWN, None)
        if op not in OP_TEXT or known == SAFE:
            return node
        if safe_without_guard(ast.BinOp(_name("_"), node.op, node.value)):
            return node
        text = ast.Constant(OP_TEXT[op])

        def inplace(current: ast.expr) -> ast.expr:
            # list += / *= stay in place (the guard does ``a += b``); numbers are immutable.
            operation = ast.BinOp(current, node.op, node.value)
            concat = "_SQI_" if isinstance(node.op, ast.Add) else ""
            slow: Any = lambda a, b: _call("_iop_", text, a, b)  # noqa: E731
            order = {"ints": known == INTS, "int_first": getattr(node, INT_FIRST, False)}
            return fast_path(operation, slow, concat, **order, in_place=True)

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

    def visit_Call(self, node: ast.Call) -> Any:
        """``_own_(obj)`` (the check before a private attribute, ``obj._x``): an instance of
        the script's own classes passes inline, anything else takes the call. ``sum``,
        ``min``, ``max``, ``sorted``, ``any`` and ``all`` of a generator expression call the
        builtin itself: the expression's own loop burns the fuel per item (``sum`` only
        while a number's ``+`` gives a number, see ``_chains``)."""
        self.generic_visit(node)
        if is_range_call(node) and not self._no_walrus and not getattr(node, LOOPED, False):
            return capped_range(node)
        if (
            eager_over_generator(node)
            or keyed_by_lambda(node)
            or several_values(node)
            or (plain_int(node))
        ):
            return direct_eager(node)
        if eager_over_iterable(node):
            return direct_eager_over(node)
        if lazy_over_names(node):
            return direct_lazy(node)
        if instance_check_of_stand_in(node):
            return direct_instance_check(node)
        if typed_direct(node, walrus=not self._no_walrus):
            return direct_typed(node)
        if not (
            isinstance(node.func, ast.Name)
            and node.func.id == OWN
            and len(node.args) == 1
            and not node.keywords
            and not self._no_walrus
        ):
            return node
        own = ast.NamedExpr(_name("_o_", store=True), node.args[0])
        owned = ast.Compare(_call("_id_", _call("_type_", own)), [ast.In()], [_name(OWNED)])
        inline = ast.IfExp(owned, _name("_o_"), _call(OWN, _name("_o_")))
        return ast.copy_location(inline, node)

    def visit_Starred(self, node: ast.Starred) -> Any:
        """``*x`` in a display or a call copies ``x``: its size is checked first."""
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Load):
            node.value = ast.copy_location(_starred(node.value, self._no_walrus > 0), node.value)
            ast.fix_missing_locations(node)
        return node

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> Any:
        """Restart the fuel stream first if the exception caught ended it (``Meter.revive``)."""
        self.generic_visit(node)
        node.body.insert(0, ast.copy_location(ast.Expr(_call(REVIVE)), node))
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        """Guard f-string fields: format specs (width and precision), and the size of the
        text of anything but a number or a string."""
        self.generic_visit(node)
        if node.format_spec is None and node.conversion == -1 and not self._no_walrus:
            # A number, or a short string, is formatted as it is: no call.
            node.value = ast.copy_location(_plain_field(node.value), node.value)
            ast.fix_missing_locations(node)
            return node
        spec = node.format_spec or ast.Constant("")
        node.value = _call("_fmt_", node.value, spec, ast.Constant(node.conversion))
        node.conversion = -1
        node.format_spec = None
        return node


def _starred(value: ast.expr, no_walrus: bool) -> ast.expr:
    """``_sv_ if type(_sv_ := value) in _LT_ and len(_sv_) < SMALL_ITEMS else _star_(_sv_)``:
    a short list or tuple (a copy the guard would not count) takes no call."""
    if no_walrus:
        return _call("_star_", value)
    kind = _call("_type_", ast.NamedExpr(_name("_sv_", store=True), value))
    small = ast.BoolOp(
        ast.And(),
        [
            ast.Compare(kind, [ast.In()], [_name("_LT_")]),
            ast.Compare(_call("_len_", _name("_sv_")), [ast.Lt()], [ast.Constant(SMALL_ITEMS)]),
        ],
    )
    return ast.IfExp(small, _name("_sv_"), _call("_star_", _name("_sv_")))


def _plain_field(value: ast.expr) -> ast.expr:
    """``_fv_ if type(_fv_ := value) in _NUM_ or (str and short) else _fmt_(_fv_, "", -1)``."""
    kind = ast.NamedExpr(
        _name("_fw_", store=True), _call("_type_", ast.NamedExpr(_name("_fv_", store=True), value))
    )
    number = ast.Compare(kind, [ast.In()], [_name("_NUM_")])
    short = ast.BoolOp(
        ast.And(),
        [
            ast.Compare(_name("_fw_"), [ast.Is()], [_name("_str_")]),
            ast.Compare(_call("_len_", _name("_fv_")), [ast.Lt()], [ast.Constant(WALK_ALLOCATION)]),
        ],
    )
    slow = _call("_fmt_", _name("_fv_"), ast.Constant(""), ast.Constant(-1))
    return ast.IfExp(ast.BoolOp(ast.Or(), [number, short]), _name("_fv_"), slow)


def _fuel_loop(body: list[ast.stmt]) -> ast.For:
    return ast.For(_name("_fl_", store=True), _name(FUEL), body, [])


def _is_true(test: ast.expr) -> bool:
    return isinstance(test, ast.Constant) and bool(test.value) and type(test.value) in (bool, int)


def _continues(body: list[ast.stmt]) -> bool:
    """Whether ``body`` holds a ``continue`` of its own loop (not of a loop nested in it)."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Continue):
            return True
        if not isinstance(node, ast.For | ast.While | ast.FunctionDef | ast.ClassDef | ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))
    return False


def _has_slice_store(target: ast.expr) -> bool:
    if isinstance(target, ast.Subscript):
        return isinstance(target.slice, ast.Slice)
    if isinstance(target, ast.Tuple | ast.List):
        return any(_has_slice_store(t) for t in target.elts)
    if isinstance(target, ast.Starred):
        return _has_slice_store(target.value)
    return False
