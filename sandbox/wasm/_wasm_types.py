"""A component's imports and exports, checked against world ``mod`` before it is instantiated.

The linker defines host functions without a type (wasmtime's raw component callbacks take
whatever type the component declares), so the type check happens here, once per load: every
function a component imports from the host interface, and every export the host calls, must
have exactly the type ``wit/mod.wit`` gives it. Types are compared by structure in the
notation of ``host_api.WIT_HOST_SIGNATURES``; a mismatch names the item and both types.

Rendering is bounded (:data:`MAX_TYPE_DEPTH`, :data:`MAX_TYPE_TEXT`): a hostile component's
types are never walked deeper or printed longer than any type of the WIT could need.
"""

from __future__ import annotations

from typing import Final

from wasmtime import WasmtimeError
from wasmtime.component import Component, ComponentInstanceType, ComponentType
from wasmtime.component import _types as t

from host_api import (
    WIT_EXPORT_SIGNATURES,
    WIT_EXPORTS,
    WIT_HOST_INTERFACE,
    WIT_HOST_SIGNATURES,
    WIT_TYPE_SHAPES,
    wit_structure,
)

from ._wasm_engine import WasmEngine
from ._wasm_errors import ComponentLoadFailed, ImportTypeMismatch, UnknownImport

#: Nesting levels rendered before a type is cut short ("..."): the WIT's deepest is 4.
MAX_TYPE_DEPTH: Final = 8
#: Characters of a rendered type kept in a diagnostic.
MAX_TYPE_TEXT: Final = 400

_PRIMITIVES: Final[dict[type, str]] = {
    t.Bool: "bool",
    t.S8: "s8",
    t.S16: "s16",
    t.S32: "s32",
    t.S64: "s64",
    t.U8: "u8",
    t.U16: "u16",
    t.U32: "u32",
    t.U64: "u64",
    t.F32: "f32",
    t.F64: "f64",
    t.Char: "char",
    t.String: "string",
}

#: What the host expects, written out once (named types expanded).
_HOST: Final = {name: wit_structure(sig) for name, sig in WIT_HOST_SIGNATURES.items()}
_EXPORTS: Final = {name: wit_structure(sig) for name, sig in WIT_EXPORT_SIGNATURES.items()}
_SHAPES: Final = {name: wit_structure(shape) for name, shape in WIT_TYPE_SHAPES.items()}


def render(item: object, depth: int = 0) -> str:
    """A component type (function or value) in the notation of ``WIT_HOST_SIGNATURES``."""
    if depth > MAX_TYPE_DEPTH:
        return "..."
    d = depth + 1
    prim = _PRIMITIVES.get(type(item))
    if prim is not None:
        return prim
    if isinstance(item, t.FuncType):
        params = ", ".join(render(p, d) for _, p in item.params)
        result = item.result
        return f"func({params})" + ("" if result is None else f" -> {render(result, d)}")
    if isinstance(item, t.ListType):
        return f"list<{render(item.element, d)}>"
    if isinstance(item, t.OptionType):
        return f"option<{render(item.payload, d)}>"
    if isinstance(item, t.ResultType):
        return _render_result(item, d)
    if isinstance(item, t.TupleType):
        return f"tuple<{', '.join(render(e, d) for e in item.elements)}>"
    if isinstance(item, t.RecordType):
        return "record{" + ", ".join(f"{n}: {render(f, d)}" for n, f in item.fields) + "}"
    if isinstance(item, ComponentInstanceType):
        return "instance"
    if isinstance(item, ComponentType):
        return "component"
    # Variants, enums, flags, resources, streams...: never part of world ``mod``.
    return type(item).__name__.removesuffix("Type").lower() or "unknown"


def _render_item(ext: object) -> str:
    """``render`` of an import's or export's type; an item kind wasmtime-py cannot describe
    renders as "unknown" (and so matches nothing)."""
    try:
        return render(ext.ty)  # type: ignore[attr-defined]
    except (TypeError, WasmtimeError):
        return "unknown"


def _render_result(item: t.ResultType, depth: int) -> str:
    ok, err = item.ok, item.err
    if ok is None and err is None:
        return "result"
    if err is None:
        return f"result<{render(ok, depth)}>"
    return f"result<{'_' if ok is None else render(ok, depth)}, {render(err, depth)}>"


def _shown(text: str) -> str:
    """``text`` for a diagnostic: the WIT's named types by name, cut at :data:`MAX_TYPE_TEXT`."""
    for name, shape in sorted(_SHAPES.items(), key=lambda item: -len(item[1])):
        text = text.replace(shape, name)
    return text if len(text) <= MAX_TYPE_TEXT else text[: MAX_TYPE_TEXT - 3] + "..."


def check_imports(
    component: Component,
    engine: WasmEngine,
    *,
    mod_id: str,
    file: str,
    wasi: bool,
) -> None:
    """Refuse a component that imports anything outside world ``mod``, or a host function or
    type under another type than the WIT's.

    :raises UnknownImport: an import other than the host interface (or WASI when granted),
        or a host-interface item the WIT does not have.
    :raises ImportTypeMismatch: a host function or type imported with another type.
    """
    imports = component.type.imports(engine.engine)
    for name, item in imports.items():
        if name == WIT_HOST_INTERFACE:
            try:
                kind = item.ty
            except (TypeError, WasmtimeError):
                kind = None
            if not isinstance(kind, ComponentInstanceType):
                found = _render_item(item)
                raise ImportTypeMismatch(
                    name, expected="instance", found=found, mod_id=mod_id, file=file
                )
            for member, ext in kind.exports(engine.engine).items():
                expected = _HOST.get(member, _SHAPES.get(member))
                if expected is None:
                    raise UnknownImport(
                        f"{name}#{member}", mod_id=mod_id, file=file, wasi_hint=False
                    )
                found = _render_item(ext)
                if found != expected:
                    wit = WIT_HOST_SIGNATURES.get(member) or WIT_TYPE_SHAPES[member]
                    raise ImportTypeMismatch(
                        f"{name}#{member}",
                        expected=wit,
                        found=_shown(found),
                        mod_id=mod_id,
                        file=file,
                    )
            continue
        if wasi and name.startswith("wasi:"):
            continue
        raise UnknownImport(name, mod_id=mod_id, file=file, wasi_hint=name.startswith("wasi:"))


def check_exports(component: Component, engine: WasmEngine, *, mod_id: str, file: str) -> None:
    """Refuse a component that lacks an export of world ``mod`` or exports one of the exports
    the host calls (``reloadable-mod``'s too) with another kind or type.

    :raises ComponentLoadFailed: naming the export and both types.
    """
    exports = component.type.exports(engine.engine)
    missing = [e for e in WIT_EXPORTS if e not in exports]
    if missing:
        raise ComponentLoadFailed(
            f"component does not export {', '.join(missing)} of world modhost:mod/mod",
            mod_id=mod_id,
            file=file,
            hint="export init, on-tick and on-event (build against wit/, world mod)",
            details={"missing": missing},
        )
    for name, expected in _EXPORTS.items():
        ext = exports.get(name)
        if ext is None:
            continue
        found = _render_item(ext)
        if found != expected:
            raise ComponentLoadFailed(
                f"export '{name}' is {_shown(found)}; world modhost:mod/mod needs "
                f"{WIT_EXPORT_SIGNATURES[name]}",
                mod_id=mod_id,
                file=file,
                hint="export the function with the type wit/mod.wit gives it "
                "(build against wit/, world mod)",
                details={"export": name, "expected": expected, "found": _shown(found)},
            )
