"""Prove the dropped run-time guards: nothing a script can reach leads anywhere by name.

The in-process tier does not wrap attribute access (``_getattr_``), subscripts (``_getitem_``),
iteration (``_getiter_``) or writes (``_write_``). That is safe only if every public attribute
of every object a script can reach is itself harmless. This test walks them: starting from
the builtins, every standard-library namespace and ``ctx``, it follows every public attribute
name the compiler allows and checks that none yields a frame, code object, module, function
globals, class hierarchy root or a host object that is not a ``ctx`` facade. (Private names
are checked at run time and refused on every object but the script's own.)
"""

from __future__ import annotations

import builtins
import types
from typing import Any

from host_api import EntityView, Limits, ScriptContext
from host_api.testing import recording_api
from sandbox.python._builtins import EXCEPTIONS, Printer, build_builtins
from sandbox.python._classes import GuestTypes
from sandbox.python._fuel import Meter
from sandbox.python._guards import Guards
from sandbox.python._names import forbidden_attribute
from sandbox.python._stdlib import MODULES, Kit, Modules

#: Types a walk may end on: values, the script's own kinds of objects, and our facades.
SAFE_MODULES = {"builtins", "host_api._ctx", "host_api._world_port", "sandbox.python._guards",
                "sandbox.python._builtins", "types", "math", "sandbox.python._stdlib",
                "sandbox.python._stdlib_types", "sandbox.python._stdlib_numbers",
                "sandbox.python._stdlib_functional", "sandbox.python._stdlib_copy",
                "sandbox.python._stdlib_kit", "sandbox.python._classes", "functools",
                "sandbox.python._nesting",
                "collections", "enum", "typing", "itertools", "operator",
                "dataclasses"}  # fmt: skip
DANGEROUS = (types.FrameType, types.CodeType, types.ModuleType, types.TracebackType)


def _roots() -> list[Any]:
    api, world, _ = recording_api()
    entity = world.add("probe")
    ctx = ScriptContext(api, {"k": [1]}, entity)
    meter = Meter(100_000, 1000)
    guards = Guards(16, meter)
    guest = GuestTypes(meter, [getattr(builtins, n) for n in EXCEPTIONS])
    modules = Modules(Kit("probe", guards, guest))
    values: list[Any] = [*(modules(name) for name in MODULES)]
    values += [ctx, entity, 1, 1.5, "s", b"b", [1], (1,),
               {"a": 1}, {1}, frozenset({1}), range(3), slice(1, 2), None, True,
               (x for x in [1]), iter([1]), lambda: 0, ValueError("x"),
               ctx.world.query()]  # fmt: skip
    values += list(build_builtins(guards, guest, Printer()).values())
    return values


def test_no_public_attribute_leads_to_interpreter_or_host_internals() -> None:
    seen: set[int] = set()
    frontier = [(root, "root") for root in _roots()]
    visited = 0
    while frontier and visited < 20_000:
        obj, path = frontier.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        visited += 1
        assert not isinstance(obj, DANGEROUS), path
        if isinstance(obj, types.FunctionType):
            # A script's own functions are fine; their dunders are unreachable by name.
            continue
        module = getattr(type(obj), "__module__", "builtins")
        assert module in SAFE_MODULES, (path, module)
        for name in dir(obj):
            if forbidden_attribute(name) is not None or name.startswith("_"):
                continue
            try:
                value = getattr(obj, name)
            except Exception:
                continue
            frontier.append((value, f"{path}.{name}"))
    assert visited > 500


def test_facades_hide_the_host_api() -> None:
    api, world, _ = recording_api()
    ctx = ScriptContext(api, {}, world.add("probe"))
    for facade in (ctx, ctx.world, ctx.events, ctx.fs, ctx.random, ctx.entity, ctx.storage):
        public = {n for n in dir(facade) if forbidden_attribute(n) is None and n[0] != "_"}
        for name in public:
            value = getattr(facade, name, None)
            assert value is not api
            assert not hasattr(value, "granted") or value is None


def test_entity_views_are_frozen_copies() -> None:
    view = EntityView(1, "k", (0.0, 0.0, 0.0), (0.0, 0.0, 0.0), (), "m")
    try:
        view.kind = "x"  # type: ignore[misc]
    except AttributeError:
        pass
    else:  # pragma: no cover
        raise AssertionError("EntityView is writable")
    assert Limits().memory_mb > 0
