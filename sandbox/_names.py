"""Which attribute names a script may touch, decided from the name alone.

The in-process tier does not guard ordinary attribute access at run time: every object a
script can reach is either a builtin value, its own data, or a narrow ``ctx`` facade, and the
attributes of those that lead anywhere (frames, code, globals, the class hierarchy, format
traversal) are all named here. The compiler rejects these names statically, and the guarded
``getattr``/``hasattr`` builtins reject them at run time, so both paths share one rule.
"""

from __future__ import annotations

from typing import Final

from RestrictedPython.transformer import INSPECT_ATTRIBUTES

#: Prefixes of the introspection attributes of generators, coroutines, async generators,
#: frames, tracebacks, code objects and old-style function/method aliases.
FORBIDDEN_PREFIXES: Final[tuple[str, ...]] = (
    "_",
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


def forbidden_attribute(name: str) -> str | None:
    """Why ``name`` may not be read or written as an attribute, or None when it may."""
    if name.startswith(FORBIDDEN_PREFIXES):
        if name.startswith("_"):
            return f'"{name}" is an invalid attribute name because it starts with "_"'
        return f'"{name}" reaches interpreter internals (frames, code, generators)'
    if name in FORBIDDEN_ATTRIBUTES:
        return f'"{name}" can walk out of an object (format traversal, class hierarchy)'
    return None
