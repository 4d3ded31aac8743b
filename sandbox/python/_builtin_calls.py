"""Compiled forms of builtin calls (part of pass 2, see ``_instrument``): the range a loop
iterates (uncapped, fuel per item), a range built elsewhere (its length checked inline), the
builtins that consume an iterable called directly on a generator expression (and
``min``/``max`` with a lambda key or of values written in the call, and ``int(x)``) or on
any one iterable through the fuel stream (``sum(xs)``), the lazy builtins built directly over
a container (``enumerate(xs)``), ``isinstance`` against a stand-in type's real type, and
``str(x)`` of a number or a string. Each tests that the name is still the sandbox's first,
unless the script binds the name nowhere (:func:`names_kept`): then it is the sandbox's
builtin wherever the script reads it (a script cannot rebind a global any other way:
``globals()``, ``vars()``, ``import *`` and ``__builtins__`` are refused), and the test and the
call as written are left out."""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import islice
from typing import Final

from ._chains import FLAG as CHAIN_FLAG
from ._names import FUEL
from ._nodes import call, name

LOOP_RANGE: Final = "_lrange_"
#: The real ``range`` (the inline loop range; the sandbox's capped one is ``_grange_``).
PLAIN_RANGE: Final = "_range_"


#: Keywords each builtin that consumes an iterable may take on the direct route.
_EAGER_KEYWORDS: Final[dict[str, frozenset[str]]] = {
    "sum": frozenset(),
    "any": frozenset(),
    "all": frozenset(),
    "min": frozenset({"key", "default"}),
    "max": frozenset({"key", "default"}),
    "sorted": frozenset({"key", "reverse"}),
}


#: The names the script being compiled binds somewhere (None: not known, test every name).
_BOUND: ContextVar[frozenset[str] | None] = ContextVar("bound", default=None)


@contextmanager
def names_kept(bound: set[str]) -> Iterator[None]:
    """While compiling a script that binds ``bound`` (and no other name): the builtins it
    never binds need no test that they are still the sandbox's."""
    token = _BOUND.set(frozenset(bound))
    try:
        yield
    finally:
        _BOUND.reset(token)


def _kept(fn: str) -> bool:
    bound = _BOUND.get()
    return bound is not None and fn not in bound


def _ours(fn: str, real: str = "") -> ast.expr:
    """``fn is _gfn_`` (or ``fn is real``): the script's name ``fn`` is still the sandbox's
    builtin; the constant True where the script never binds it."""
    if _kept(fn):
        return ast.Constant(True)
    return ast.Compare(name(fn), [ast.Is()], [name(real or f"_g{fn}_")])


def _all(tests: list[ast.expr]) -> ast.expr:
    """``a and b ...`` of the tests that are not the constant True."""
    kept = [t for t in tests if not (isinstance(t, ast.Constant) and t.value is True)]
    if not kept:
        return ast.Constant(True)
    return kept[0] if len(kept) == 1 else ast.BoolOp(ast.And(), kept)


def _either(test: ast.expr, direct: ast.expr, fallback: ast.expr) -> ast.expr:
    """``direct if test else fallback``, or ``direct`` alone when the test is always true."""
    if isinstance(test, ast.Constant) and test.value is True:
        return direct
    return ast.IfExp(test, direct, fallback)


def eager_over_generator(node: ast.Call) -> bool:
    """``sum(x for x in xs)``: one generator expression, no other argument but a key."""
    func = node.func
    return (
        isinstance(func, ast.Name)
        and func.id in _EAGER_KEYWORDS
        and len(node.args) == 1
        and isinstance(node.args[0], ast.GeneratorExp)
        and all(k.arg in _EAGER_KEYWORDS[func.id] for k in node.keywords)
    )


def keyed_by_lambda(node: ast.Call) -> bool:
    """``min(xs, key=lambda i: ...)``: ``min``/``max`` of one iterable whose key is a lambda
    written there. The builtin calls the key once per item as it goes, and the lambda burns
    its unit per call, so the direct route is metered item by item like a generator
    expression (``sorted`` builds its list before calling any key, so it stays wrapped)."""
    func = node.func
    return (
        isinstance(func, ast.Name)
        and func.id in ("min", "max")
        and len(node.args) == 1
        and not isinstance(node.args[0], ast.Starred)
        and all(k.arg in _EAGER_KEYWORDS[func.id] for k in node.keywords)
        and any(k.arg == "key" and isinstance(k.value, ast.Lambda) for k in node.keywords)
    )


def several_values(node: ast.Call) -> bool:
    """``max(0.0, x)``, ``min(a, b, c)``: values written in the call, no iterable to meter
    (a key, even a builtin, runs once per value written)."""
    func = node.func
    return (
        isinstance(func, ast.Name)
        and func.id in ("min", "max")
        and len(node.args) >= 2
        and not any(isinstance(a, ast.Starred) for a in node.args)
        and all(k.arg in _EAGER_KEYWORDS[func.id] for k in node.keywords)
    )


def plain_int(node: ast.Call) -> bool:
    """``int(x)``: one argument, no base, so nothing to size (a string is read in base 10,
    under the interpreter's digit limit; a float has at most 1,024 bits)."""
    return (
        isinstance(node.func, ast.Name)
        and node.func.id == "int"
        and len(node.args) == 1
        and not isinstance(node.args[0], ast.Starred)
        and not node.keywords
    )


def direct_eager(node: ast.Call) -> ast.Call:
    """``sum(<genexp>)`` calls the builtin itself when the name is still the sandbox's (the
    expression's own loop burns the fuel per item); ``sum`` also only while a number's ``+``
    gives a number (``_chains``)."""
    assert isinstance(node.func, ast.Name)
    fn = node.func.id
    test = _all([_ours(fn), name(CHAIN_FLAG)] if fn == "sum" else [_ours(fn)])
    node.func = ast.copy_location(_either(test, name(f"_b{fn}_"), name(fn)), node.func)
    return node


def eager_over_iterable(node: ast.Call) -> bool:
    """``sum(xs)``, ``max(xs, default=0)``, ``sorted(xs, key=f)``: one iterable that is no
    generator expression (that has its own route), and only the keywords the builtin takes."""
    func = node.func
    return (
        isinstance(func, ast.Name)
        and func.id in _EAGER_KEYWORDS
        and len(node.args) == 1
        and not isinstance(node.args[0], ast.Starred | ast.GeneratorExp)
        and all(k.arg in _EAGER_KEYWORDS[func.id] for k in node.keywords)
    )


def direct_eager_over(node: ast.Call) -> ast.expr:
    """``sum(xs)`` is ``_bsum_(_fz_(xs, _fuel_))`` when the name is still the sandbox's: what
    the stand-in does (each item pulled through the fuel stream), without its Python call;
    ``sum`` also only while a number's ``+`` gives a number (``_chains``)."""
    assert isinstance(node.func, ast.Name)
    fn = node.func.id
    same = _all([_ours(fn), name(CHAIN_FLAG)] if fn == "sum" else [_ours(fn)])
    metered = call("_fz_", node.args[0], name(FUEL))
    direct = ast.Call(name(f"_b{fn}_"), [metered], node.keywords)
    return ast.copy_location(_either(same, direct, copy.deepcopy(node)), node)


#: Set on a ``for`` loop's iterable: a ``range`` there is the loop's (see ``loop_range``).
LOOPED: Final = "mh_looped"


def is_range_call(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "range"
        and not node.keywords
        and not any(isinstance(a, ast.Starred) for a in node.args)
    )


def capped_range(node: ast.Call) -> ast.expr:
    """``range(...)`` outside a loop, when it is the sandbox's: built and its length checked
    inline (``_r_ if _len_(_r_ := _range_(...)) <= _RCAP_ else _rbig_(_r_)``), no call of the
    stand-in; the check is the builtin's own (a range can feed C consumers like ``list``)."""
    if not (_kept("range") or all(copyable(a) for a in node.args)):
        return node
    built = ast.NamedExpr(name("_r_", store=True), call(PLAIN_RANGE, *node.args))
    short = ast.Compare(call("_len_", built), [ast.LtE()], [name("_RCAP_")])
    checked = ast.IfExp(short, name("_r_"), call("_rbig_", name("_r_")))
    return ast.copy_location(_either(_ours("range"), checked, node), node)


def loop_range(iterable: ast.expr) -> ast.expr:
    """``range(...)`` iterated by a loop becomes ``_lrange_(range, ...)``: the range object
    never reaches the script, each item costs fuel, so its length is CPU, never memory (the
    ``range`` builtin caps the length of ranges a script can hand to C consumers like
    ``list``). ``_lrange_`` calls ``range`` itself when the script rebound the name.

    When the arguments are small and hold no loop of their own, the test is written inline
    (``_range_(a, b) if range is _grange_ else range(a, b)``, one branch runs): no Python
    call per loop start."""
    if isinstance(iterable, ast.Call) and is_range_call(iterable):
        args = iterable.args
        if _kept("range") or all(copyable(a) for a in args):
            inline = _either(_ours("range"), call(PLAIN_RANGE, *args), iterable)
            return ast.copy_location(inline, iterable)
        return ast.copy_location(call(LOOP_RANGE, iterable.func, *args), iterable)
    return iterable


#: The most syntax-tree nodes of a range argument written twice by the inline loop range.
MAX_COPIED_NODES: Final = 64
#: Nodes that would compound the code's size when copied (they hold loops of their own).
_LOOPS: Final = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda)


def copyable(node: ast.expr) -> bool:
    nodes = list(islice(ast.walk(node), MAX_COPIED_NODES + 1))
    return len(nodes) <= MAX_COPIED_NODES and not any(isinstance(n, _LOOPS) for n in nodes)


#: The lazy builtins whose stand-ins return the builtin's own object over containers
#: (``_nesting.tracked``), with the number of leading arguments that are not iterables.
LAZY: Final[dict[str, int]] = {"enumerate": 0, "map": 1, "filter": 1, "zip": 0}


def lazy_over_names(node: ast.Call) -> bool:
    """``enumerate(xs)``, ``enumerate(xs, 1)``, ``map(f, xs, ys)``, ``filter(None, xs)``,
    ``zip(xs, ys)``: every argument a name or a literal (or ``map``'s and ``filter``'s
    function a lambda without defaults), so reading them again has no effect: the test that
    the iterables are containers reads what the call then gets."""
    func = node.func
    if not (isinstance(func, ast.Name) and func.id in LAZY and node.args and not node.keywords):
        return False
    skip = LAZY[func.id]
    if len(node.args) <= skip:
        return False
    if func.id == "enumerate" and len(node.args) == 2:
        start = node.args[1]
        if not (isinstance(start, ast.Constant) and type(start.value) is int):
            return False
        return isinstance(node.args[0], ast.Name)
    if func.id == "zip" and len(node.args) > 2:
        return False  # three rows or more: the stand-in sizes the tuples (``Guards.zipped``)
    first = node.args[0]
    lambda_ok = skip and isinstance(first, ast.Lambda) and not _has_defaults(first.args)
    return (lambda_ok or isinstance(first, ast.Name | ast.Constant)) and all(
        isinstance(a, ast.Name) for a in node.args[skip:]
    )


def _has_defaults(args: ast.arguments) -> bool:
    return bool(args.defaults or any(d is not None for d in args.kw_defaults))


def direct_lazy(node: ast.Call) -> ast.expr:
    """``enumerate(xs)`` builds the builtin's object itself when the name is still the
    sandbox's and every iterable is a container (a list, a dict, a range ...): what the
    stand-in would return, without its Python-level call; anything else takes the call."""
    assert isinstance(node.func, ast.Name)
    fn = node.func.id
    # enumerate's second argument is its start (a literal here), not an iterable.
    iterables = node.args[:1] if fn == "enumerate" else node.args[LAZY[fn] :]
    tests: list[ast.expr] = [
        ast.Compare(call("_type_", copy.deepcopy(a)), [ast.In()], [name(SHALLOW)])
        for a in iterables
    ]
    tests.append(_ours(fn))
    direct = ast.Call(name(f"_b{fn}_"), node.args, [])
    return ast.copy_location(ast.IfExp(_all(tests), direct, copy.deepcopy(node)), node)


#: The injected set of the container types no lazy iterator hides behind.
SHALLOW: Final = "_SHALLOW_"


#: The builtin types a script sees as stand-ins (``_builtins._stand_in``: their constructors
#: check sizes); ``isinstance`` against them runs the stand-in's ``__instancecheck__`` in
#: Python, the same answer as against the real type.
STAND_IN_TYPES: Final = frozenset({"int", "str", "bytes", "range", "type"})


def instance_check_of_stand_in(node: ast.Call) -> bool:
    """``isinstance(x, int)``, ``isinstance(x, (int, float, Point))``: two arguments, the
    second a name or a tuple of names, at least one of them a stand-in type's."""
    if not (
        isinstance(node.func, ast.Name)
        and node.func.id == "isinstance"
        and len(node.args) == 2
        and not node.keywords
        and not isinstance(node.args[0], ast.Starred)
    ):
        return False
    return any(n in STAND_IN_TYPES for n in _class_names(node.args[1]) or ())


def _class_names(node: ast.expr) -> list[str] | None:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Name) for e in node.elts):
        return [e.id for e in node.elts]  # type: ignore[attr-defined]
    return None


def direct_instance_check(node: ast.Call) -> ast.expr:
    """``isinstance(x, int)`` checks against the real type when ``isinstance`` is the builtin
    and each stand-in name is still the sandbox's: the real type goes only to the builtin
    ``isinstance``, never to a script's function; otherwise the call as written."""
    names = _class_names(node.args[1]) or []
    used = sorted({n for n in names if n in STAND_IN_TYPES})
    tests = [_ours("isinstance", "_bisinstance_"), *(_ours(n) for n in used)]

    def real(n: str) -> ast.expr:
        return name(f"_b{n}_") if n in STAND_IN_TYPES else name(n)

    classes = node.args[1]
    swapped = (
        real(classes.id)
        if isinstance(classes, ast.Name)
        else ast.Tuple([real(n) for n in names], ast.Load())
    )
    direct = ast.Call(name("_bisinstance_"), [node.args[0], swapped], [])
    return ast.copy_location(_either(_all(tests), direct, copy.deepcopy(node)), node)


#: Builtins whose stand-in has nothing to check for a first argument of some types: the
#: compiled code tests that type and calls the builtin (the injected name of the types, the
#: most positional arguments). ``str`` of a number or a string (an int past the
#: interpreter's digit limit raises as it does through the stand-in); ``round`` of a float
#: (only an int's negative ``ndigits`` is C work the guard bounds).
TYPED_DIRECT: Final[dict[str, tuple[str, int]]] = {
    "str": ("_PLAINTEXT_", 1),
    "round": ("_FLOAT_", 2),
}


def typed_direct(node: ast.Call, walrus: bool) -> bool:
    """``str(x)``, ``round(x)``, ``round(x, 2)``: positional arguments only, the first a name
    or a literal (or anything, where ``:=`` may hold it)."""
    func = node.func
    if not (isinstance(func, ast.Name) and func.id in TYPED_DIRECT):
        return False
    most = TYPED_DIRECT[func.id][1]
    return (
        1 <= len(node.args) <= most
        and not node.keywords
        and not any(isinstance(a, ast.Starred) for a in node.args)
        and (walrus or isinstance(node.args[0], ast.Name | ast.Constant))
    )


def direct_typed(node: ast.Call) -> ast.expr:
    """``str(x)`` is ``_bstr_(x)`` when ``x`` is of a type whose text needs no check and the
    name is still the sandbox's; otherwise the call as written. The first argument is read
    once (into ``_sx_`` unless it is a name or a literal), the others only in the branch."""
    assert isinstance(node.func, ast.Name)
    fn = node.func.id
    value, rest = node.args[0], node.args[1:]
    if isinstance(value, ast.Name | ast.Constant):
        first, again = value, copy.deepcopy(value)
    else:
        first, again = ast.NamedExpr(name("_sx_", store=True), value), name("_sx_")
    kind = ast.Compare(call("_type_", first), [ast.In()], [name(TYPED_DIRECT[fn][0])])
    direct = call(f"_b{fn}_", again, *rest)
    fallback = ast.Call(name(fn), [copy.deepcopy(again), *copy.deepcopy(rest)], [])
    return ast.copy_location(ast.IfExp(_all([kind, _ours(fn)]), direct, fallback), node)
