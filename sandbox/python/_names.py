"""Which names and attribute names a script may touch, decided from the name alone.

The in-process tier does not guard ordinary attribute access at run time: every object a
script can reach is either a builtin value, its own data (its functions, classes and their
instances), a per-sandbox standard-library namespace, or a narrow ``ctx`` facade, and the
attributes of those that lead anywhere (frames, code, globals, the class hierarchy, format
traversal) are all named here. The compiler rejects these names statically, and the guarded
``getattr``/``hasattr`` builtins reject them at run time, so both paths share one rule.

Three kinds of underscored names:

- *dunders* (``__x__``): refused as attributes, except the few read-only ones in
  :data:`READABLE_DUNDERS`; a class body may define only the special methods in
  :data:`CLASS_DUNDERS` (the rest are refused with the reason in :data:`REFUSED_DUNDERS`);
- *private* attributes (``_x``, ``__x``): allowed only on the script's own objects (a run-time
  check, see ``Guards.own``), never on ``ctx`` or any host object;
- the sandbox's *injected* names (``_fuel_``, ``_t_`` ...: underscore at both ends): never
  nameable by a script.
"""

from __future__ import annotations

from typing import Final

from RestrictedPython.transformer import INSPECT_ATTRIBUTES

#: The injected name of a sandbox's fuel stream: every script namespace has it, so it also
#: tells a script's own function (its globals) from the host's.
FUEL: Final = "_fuel_"
#: A function's entry: one unit of fuel (``Meter.step``).
STEP: Final = "_step_"

#: Prefixes of the introspection attributes of generators, coroutines, async generators,
#: frames, tracebacks, code objects and old-style function/method aliases.
FORBIDDEN_PREFIXES: Final[tuple[str, ...]] = (
    "gi_",
    "cr_",
    "ag_",
    "f_",
    "tb_",
    "co_",
    "func_",
    "im_",
)

#: Exact names that walk out of an object: ``format``/``format_map`` resolve ``{0.__class__}``
#: inside the format string, ``mro`` lists the class hierarchy (the ``object`` root included).
FORBIDDEN_ATTRIBUTES: Final[frozenset[str]] = frozenset(
    {"format", "format_map", "mro", "vformat"} | set(INSPECT_ATTRIBUTES)
)

#: Dunder attributes a script may read: plain strings, nothing that leads anywhere.
READABLE_DUNDERS: Final[frozenset[str]] = frozenset({"__name__", "__qualname__", "__doc__"})

_BINARY: Final = (
    "add", "sub", "mul", "matmul", "truediv", "floordiv", "mod", "divmod", "pow", "lshift",
    "rshift", "and", "or", "xor",
)  # fmt: skip
_OTHER_DUNDERS: Final = (
    "init", "new", "post_init", "repr", "str", "format", "bool", "hash",
    "eq", "ne", "lt", "le", "gt", "ge",
    "len", "iter", "next", "reversed", "contains", "missing",
    "getitem", "setitem", "delitem", "call",
    "neg", "pos", "abs", "invert", "round", "trunc", "floor", "ceil",
    "int", "float", "complex",
    "slots", "match_args", "doc",
)  # fmt: skip

#: The special methods of the operators that can grow a value (the compiler routes the
#: operators through the allocation guards): never readable as builtin functions.
GROWING_DUNDERS: Final[frozenset[str]] = frozenset(
    f"__{prefix}{op}__"
    for op in ("add", "mul", "pow", "lshift", "mod")
    for prefix in ("", "r", "i")
)

#: Special methods a script's class may define: comparisons, arithmetic, containers,
#: conversions and construction. Each runs only when the script's own code uses the object
#: (the host never calls them: what crosses to the host is plain data of exact types).
CLASS_DUNDERS: Final[frozenset[str]] = frozenset(
    {
        *(f"__{op}__" for op in _BINARY),
        *(f"__r{op}__" for op in _BINARY),
        *(f"__i{op}__" for op in _BINARY if op != "divmod"),
        *(f"__{name}__" for name in _OTHER_DUNDERS),
    }
)

#: Special methods refused in a class body, each with the reason and what to write instead.
REFUSED_DUNDERS: Final[dict[str, str]] = {
    **dict.fromkeys(
        ("__getattribute__", "__getattr__", "__setattr__", "__delattr__", "__dir__"),
        "attribute hooks run on every attribute access; use ordinary methods or properties",
    ),
    "__del__": "finalizers run at garbage collection, outside the script's fuel; "
    "release things explicitly",
    **dict.fromkeys(
        ("__get__", "__set__", "__delete__", "__set_name__"),
        "descriptors run inside other objects' attribute access; use property",
    ),
    **dict.fromkeys(
        ("__init_subclass__", "__class_getitem__", "__prepare__", "__mro_entries__"),
        "class-creation hooks run outside the class body; configure the subclass directly",
    ),
    **dict.fromkeys(
        (
            "__reduce__",
            "__reduce_ex__",
            "__getstate__",
            "__setstate__",
            "__getnewargs__",
            "__getnewargs_ex__",
            "__copy__",
            "__deepcopy__",
        ),
        "copy and pickle hooks run on the host; keep plain data in ctx.state and use "
        "copy.copy()/copy.deepcopy() without hooks",
    ),
    **dict.fromkeys(
        ("__instancecheck__", "__subclasscheck__", "__subclasshook__"),
        "isinstance() hooks run inside other code's type checks; add an ordinary method",
    ),
    **dict.fromkeys(
        ("__class__", "__dict__", "__bases__", "__mro__", "__weakref__", "__metaclass__"),
        "it replaces the object's class machinery",
    ),
    **dict.fromkeys(
        ("__enter__", "__exit__", "__aenter__", "__aexit__", "__await__", "__aiter__"),
        "with and async are not available in scripts",
    ),
    **dict.fromkeys(
        ("__sizeof__", "__fspath__", "__buffer__", "__release_buffer__", "__length_hint__"),
        "the host's size and buffer checks must see the builtin behaviour",
    ),
    **dict.fromkeys(
        ("__index__", "__bytes__"),
        "it lets an object stand in for an int or bytes where the sandbox checks sizes "
        "('x' * obj, bytes(obj)); convert explicitly with int(obj) or bytes(...)",
    ),
}


def forbidden_attribute(name: str) -> str | None:
    """Why ``name`` may not be read or written on *any* object, or None when it may.

    Private names (``_x``) are not decided here: they depend on the object
    (see :func:`is_private`).
    """
    if is_dunder(name):
        if name in READABLE_DUNDERS:
            return None
        return (
            f'"{name}" is an invalid attribute name: special attributes lead to interpreter '
            "internals (use isinstance(), type(x).__name__ or an ordinary method instead)"
        )
    if name.startswith("_"):
        return None
    if name.startswith(FORBIDDEN_PREFIXES):
        return f'"{name}" reaches interpreter internals (frames, code, generators)'
    if name in FORBIDDEN_ATTRIBUTES:
        return (
            f'"{name}" can walk out of an object (format traversal, class hierarchy); '
            "use an f-string or str.join instead"
        )
    return None


def is_dunder(name: str) -> bool:
    """``__x__``: a special name (two underscores at both ends)."""
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def is_private(name: str) -> bool:
    """``_x`` or ``__x`` (not a dunder): allowed only on the script's own objects."""
    return name.startswith("_") and not is_dunder(name)


def is_injected(name: str) -> bool:
    """A name only the sandbox may bind: underscores at both ends (``_fuel_``, ``__x__``)."""
    return len(name) > 1 and name.startswith("_") and name.endswith("_")
