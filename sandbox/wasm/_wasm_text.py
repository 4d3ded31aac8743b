"""Component-model text for small components, written from the WIT notation of ``host_api``.

The component attack corpus (``_wasm_corpus``) builds its hostile components here, as text
wasmtime compiles directly (no guest toolchain needed, so ``modhost sandbox audit`` runs them
on any host). :func:`component` writes a component importing host functions under any type
(the WIT's, or a hostile one) around a core module the caller writes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from host_api import WIT_HOST_INTERFACE, WIT_TYPE_SHAPES

_TOKEN: Final = re.compile(r"\s*(->|[A-Za-z_][\w-]*|[<>{}(),:])")


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ValueError(f"bad WIT type text at {text[pos:]!r}")
        out.append(match.group(1))
        pos = match.end()
    return out


class _Parser:
    """WIT notation (``func(string) -> result<_, host-error>``) -> component text types."""

    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.pos = 0

    def take(self, expected: str | None = None) -> str:
        tok = self.toks[self.pos]
        if expected is not None and tok != expected:
            raise ValueError(f"expected {expected!r}, found {tok!r}")
        self.pos += 1
        return tok

    def peek(self) -> str | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def items(self, close: str, item: str = "type") -> list[str]:
        out: list[str] = []
        while self.peek() != close:
            out.append(self.field() if item == "field" else self.type())
            if self.peek() == ",":
                self.take(",")
        self.take(close)
        return out

    def field(self) -> str:
        name = self.take()
        self.take(":")
        return f'(field "{name}" {self.type()})'

    def func(self) -> str:
        self.take("func")
        self.take("(")
        params = self.items(")")
        out = "(func" + "".join(f' (param "p{i}" {p})' for i, p in enumerate(params))
        if self.peek() == "->":
            self.take("->")
            out += f" (result {self.type()})"
        return out + ")"

    def type(self) -> str:
        head = self.take()
        if head == "func":
            self.pos -= 1
            return self.func()
        if head == "record":
            self.take("{")
            return "(record " + " ".join(self.items("}", "field")) + ")"
        if head in WIT_TYPE_SHAPES:
            return f"${head}"
        if head in ("list", "option", "tuple"):
            self.take("<")
            return f"({head} " + " ".join(self.items(">")) + ")"
        if head == "result":
            return self._result()
        return head

    def _result(self) -> str:
        if self.peek() != "<":
            return "(result)"
        self.take("<")
        ok = None if self.peek() == "_" else self.type()
        if ok is None:
            self.take("_")
        err = None
        if self.peek() == ",":
            self.take(",")
            err = self.type()
        self.take(">")
        return "(result" + ("" if ok is None else f" {ok}") + (f" (error {err}))" if err else ")")


def component_type(text: str) -> str:
    """The component-text form of a type in the WIT notation (a named type of the host
    interface is referred to as ``$name``; records must be named to be imported)."""
    return _Parser(text).type()


def _named_types() -> str:
    """The host interface's named types, as an instance type declares them."""
    return "\n".join(
        f'    (type $t-{n} {component_type(shape)})\n    (export "{n}" (type ${n} (eq $t-{n})))'
        for n, shape in WIT_TYPE_SHAPES.items()
    )


#: The exports of world ``mod``, lifted from the core instance ``$i`` (which exports ``init``,
#: ``on-tick`` and ``on-event``) over the memory instance ``$mi``.
WORLD_EXPORTS: Final = """
  (func (export "init") (canon lift (core func $i "init")))
  (func (export "on-tick") (param "dt" f64) (canon lift (core func $i "on-tick")))
  (func (export "on-event") (param "name" string) (param "payload" string)
    (canon lift (core func $i "on-event") (memory (core memory $mi "memory"))
      (realloc (core func $mi "cabi_realloc"))))
"""

#: The memory module every component below has: its memory and a bump allocator (instance
#: ``$mi``; the guest module imports them as ``"env" "memory"`` / ``"env" "cabi_realloc"``).
_MEMORY_MODULE: Final = """
  (core module $mm
    (memory (export "memory") {pages})
    (global $heap (mut i32) (i32.const 65536))
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $heap))
      (global.set $heap (i32.add (global.get $heap)
        (i32.and (i32.add (local.get 3) (i32.const 7)) (i32.const -8))))
      (local.get $p)))
  (core instance $mi (instantiate $mm))
"""

#: Canonical options every lowered host function gets.
_LOWER_OPTIONS: Final = (
    '(memory (core memory $mi "memory")) (realloc (core func $mi "cabi_realloc"))'
)


def component(
    core: str,
    *,
    imports: Mapping[str, str] | None = None,
    lowered: tuple[str, ...] = (),
    pages: int = 2,
    exports: str = WORLD_EXPORTS,
) -> str:
    """A component around ``core`` (a ``(core module $m ...)`` that imports
    ``"env" "memory"``, may import ``"env" "cabi_realloc"`` and ``"host" "<name>"`` for each of
    ``lowered``, and exports ``init``, ``on-tick`` and ``on-event`` as world ``mod`` lowers
    them).

    :param imports: host functions imported, name -> type in the WIT notation (the WIT's own
        type or a hostile one).
    :param lowered: imported functions passed to the core module.
    :param pages: 64 KiB pages of the guest memory (the allocator starts at 64 KiB).
    :param exports: the component's exports (world ``mod``'s by default).
    """
    parts = ["(component"]
    if imports:
        members = "\n".join(f'    (export "{n}" {component_type(ty)})' for n, ty in imports.items())
        parts.append(
            f'  (import "{WIT_HOST_INTERFACE}" (instance $host\n{_named_types()}\n{members}\n  ))'
        )
    parts.append(_MEMORY_MODULE.format(pages=pages))
    for name in lowered:
        parts.append(
            f'  (core func $h-{name} (canon lower (func $host "{name}") {_LOWER_OPTIONS}))'
        )
    members = " ".join(f'(export "{n}" (func $h-{n}))' for n in lowered)
    parts.append(f"  (core instance $hi {members})")
    parts.append(core)
    parts.append(
        '  (core instance $i (instantiate $m (with "host" (instance $hi)) '
        '(with "env" (instance $mi))))'
    )
    parts.append(exports)
    parts.append(")")
    return "\n".join(parts)
