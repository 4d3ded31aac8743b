"""The built-in attack corpus for WebAssembly components (``modhost sandbox audit`` runs it).

Like the script corpus (``_corpus``), it is built per *class* of attack, as data: each
:class:`ComponentAttack` is a hostile component (component-model text, written with
``_wasm_text``) or a hostile file, and the codes that must stop it. Classes:

* ``abi``: imports and exports under the right names with other types or kinds;
* ``api-abuse``: host calls with oversized or over-deep arguments, entity floods;
* ``resource``: CPU, memory (several memories, big tables), time spent in host calls;
* ``load``: what happens before a component runs (compile bombs, huge, sparse or special
  files).

On-tick is called ``ticks`` times; the attack is stopped by the first diagnostic (raised, or
noted by a refused host call).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from host_api import WIT_HOST_SIGNATURES

from ..wasm import WORLD_EXPORTS, component

ComponentAttackClass = Literal["abi", "api-abuse", "resource", "load"]
#: How the attack's file is made: component text, or a hostile file of another kind.
FileKind = Literal["text", "sparse", "fifo", "junk"]

UNKNOWN_IMPORT: Final = "WASM_UNKNOWN_IMPORT"
LOAD_FAILED: Final = "WASM_LOAD_FAILED"
COMPILE_LIMIT: Final = "WASM_COMPILE_LIMIT"
PAYLOAD: Final = "MOD_PAYLOAD_LIMIT"
ENTITIES: Final = "MOD_ENTITY_LIMIT"
MEMORY: Final = "SANDBOX_MEMORY_LIMIT"
CPU: Final = ("SANDBOX_TIMEOUT", "SANDBOX_FUEL_EXHAUSTED")


@dataclass(frozen=True)
class ComponentAttack:
    """One hostile component and the codes that may stop it."""

    #: A stable, unique name (``wasm.abi.log-as-u64``).
    name: str
    kind: ComponentAttackClass
    summary: str
    #: Component text (``file == "text"``); unused for other file kinds.
    source: str
    expect: tuple[str, ...]
    file: FileKind = "text"
    ticks: int = 1


def _attack(
    name: str,
    kind: ComponentAttackClass,
    summary: str,
    source: str,
    expect: str | tuple[str, ...],
    *,
    file: FileKind = "text",
    ticks: int = 1,
) -> ComponentAttack:
    codes = (expect,) if isinstance(expect, str) else expect
    return ComponentAttack(f"wasm.{kind}.{name}", kind, summary, source, codes, file, ticks)


def _guest(tick: str = "", *, imports: str = "", data: str = "", extra: str = "") -> str:
    """A core module ``$m`` whose ``on-tick`` body is ``tick``."""
    return f"""
  (core module $m
    (import "env" "memory" (memory 1))
    {imports}
    {data}
    {extra}
    (func (export "init"))
    (func (export "on-tick") (param f64) {tick})
    (func (export "on-event") (param i32 i32 i32 i32)))
"""


_QUIET: Final = _guest()


def _mistyped(name: str, hostile: str, label: str) -> ComponentAttack:
    return _attack(
        f"{name}-{label}",
        "abi",
        f"imports {name} as {hostile} (the WIT has {WIT_HOST_SIGNATURES[name]})",
        component(_QUIET, imports={**WIT_HOST_SIGNATURES, name: hostile}),
        UNKNOWN_IMPORT,
    )


def _exports(replace: str, by: str) -> str:
    return WORLD_EXPORTS.replace(replace, by)


_STRINGS_IMPORT: Final = '(import "host" "{name}" (func ${name} (param i32 i32 i32 i32 i32)))'
#: Deep JSON: N '[' then N ']' at 1024, written by memory.fill (the file stays small).
_DEEP = 5_000
_FILL_DEEP: Final = (
    f"(memory.fill (i32.const 1024) (i32.const 91) (i32.const {_DEEP})) "
    f"(memory.fill (i32.const {1024 + _DEEP}) (i32.const 93) (i32.const {_DEEP}))"
)
_HUGE = 1024 * 1024
#: spawn(kind, position, velocity, tags) flattened, plus the return pointer.
_SPAWN_IMPORT: Final = (
    '(import "host" "spawn" (func $spawn (param i32 i32 f64 f64 f64 f64 f64 f64 i32 i32 i32)))'
)
#: 1,000 tags, each the one-byte string at 16: (pointer, length) pairs from 4096.
_MANY_TAGS: Final = """
      (local $i i32)
      (loop $l
        (i32.store (i32.add (i32.const 4096) (i32.shl (local.get $i) (i32.const 3))) (i32.const 16))
        (i32.store (i32.add (i32.const 4100) (i32.shl (local.get $i) (i32.const 3))) (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 1000))))
      (call $spawn (i32.const 16) (i32.const 1) (f64.const 0) (f64.const 0) (f64.const 0)
        (f64.const 0) (f64.const 0) (f64.const 0) (i32.const 4096) (i32.const 1000) (i32.const 512))
"""
_FLOOD: Final = """
      (local $i i32)
      (loop $l
        (call $spawn (i32.const 16) (i32.const 1) (f64.const 0) (f64.const 0) (f64.const 0)
          (f64.const 0) (f64.const 0) (f64.const 0) (i32.const 0) (i32.const 0) (i32.const 512))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 100))))
"""
#: Four memories of one page each, every one grown a page at a time until refused: with one
#: budget for all memories, together they never pass ``memory_mb``.
_MEMORIES: Final = "\n".join(
    f"    (memory $x{i} 1)\n    (func $g{i} (loop $l (br_if $l (i32.ne (memory.grow $x{i} "
    "(i32.const 1)) (i32.const -1)))))"
    for i in range(4)
)
_GROW_ALL: Final = " ".join(f"(call $g{i})" for i in range(4)) + " (unreachable)"
#: Nested blocks with results: a few hundred KB that cranelift needs gigabytes to compile.
_BOMB_DEPTH = 40_000
_BOMB: Final = (
    "(component (core module $m (func (param i64) (result i64) "
    + "(block (result i64) " * _BOMB_DEPTH
    + "(local.get 0) "
    + "(local.get 0) (i64.add)) " * _BOMB_DEPTH
    + ")) (core instance $i (instantiate $m)))"
)


def _emitting(setup: str, length: int, *, pages: int = 2) -> str:
    """A component whose on-tick runs ``setup`` then emits the ``length`` bytes at 1024 as
    the payload of event "boom"."""
    return component(
        _guest(
            f"{setup} (call $emit (i32.const 16) (i32.const 4) (i32.const 1024) "
            f"(i32.const {length}) (i32.const 512))",
            imports=_STRINGS_IMPORT.format(name="emit"),
            data='(data (i32.const 16) "boom")',
        ),
        imports=WIT_HOST_SIGNATURES,
        lowered=("emit",),
        pages=pages,
    )


ABI: Final[tuple[ComponentAttack, ...]] = (
    _mistyped("log", "func(u64)", "takes-u64"),
    _mistyped("emit", "func(u64, u64)", "takes-numbers"),
    _mistyped("spawn", "func(string) -> u64", "short"),
    _mistyped("read-file", "func(string) -> list<u64>", "returns-u64s"),
    _mistyped("positions-of", "func(string) -> result<list<f64>, host-error>", "returns-f64s"),
    _mistyped(
        "set-positions-of",
        "func(string, list<f64>) -> result<u32, host-error>",
        "takes-f64s",
    ),
    _mistyped("get-entity", "func(u64) -> result<option<u64>, host-error>", "returns-u64"),
    _mistyped("tick", "func() -> string", "returns-string"),
    _attack(
        "init-is-an-instance",
        "abi",
        "exports an instance named init",
        component(
            _QUIET,
            exports=_exports(
                '(func (export "init") (canon lift (core func $i "init")))',
                '(func $f (canon lift (core func $i "init")))\n'
                '  (instance $inst (export "run" (func $f)))\n  (export "init" (instance $inst))',
            ),
        ),
        LOAD_FAILED,
    ),
    _attack(
        "on-tick-without-dt",
        "abi",
        "exports on-tick taking no argument",
        component(
            _guest(extra='(func (export "tick0"))'),
            exports=_exports(
                '(param "dt" f64) (canon lift (core func $i "on-tick"))',
                '(canon lift (core func $i "tick0"))',
            ),
        ),
        LOAD_FAILED,
    ),
)

API_ABUSE: Final[tuple[ComponentAttack, ...]] = (
    _attack(
        "deep-json-emit",
        "api-abuse",
        f"emit with a payload nested {_DEEP} levels deep",
        _emitting(_FILL_DEEP, 2 * _DEEP),
        PAYLOAD,
    ),
    _attack(
        "huge-payload-emit",
        "api-abuse",
        f"emit with a {_HUGE // (1024 * 1024)} MiB payload (of NUL bytes: memory is zeroed)",
        _emitting("", _HUGE, pages=_HUGE // 65536 + 2),
        PAYLOAD,
    ),
    _attack(
        "many-tags",
        "api-abuse",
        "spawn one entity with 1,000 tags",
        component(
            _guest(_MANY_TAGS, imports=_SPAWN_IMPORT, data='(data (i32.const 16) "t")'),
            imports=WIT_HOST_SIGNATURES,
            lowered=("spawn",),
        ),
        PAYLOAD,
    ),
    _attack(
        "entity-flood",
        "api-abuse",
        "spawn 100 entities every tick, never despawning",
        component(
            _guest(_FLOOD, imports=_SPAWN_IMPORT, data='(data (i32.const 16) "t")'),
            imports=WIT_HOST_SIGNATURES,
            lowered=("spawn",),
        ),
        # On a loaded machine a short timeout_ms may stop a tick's 100 spawns before the
        # entity cap does: either stops it.
        (ENTITIES, CPU[0]),
        ticks=220,
    ),
)

RESOURCES: Final[tuple[ComponentAttack, ...]] = (
    _attack(
        "guest-loop",
        "resource",
        "an endless loop in on-tick",
        component(_guest("(loop $l (br $l))")),
        CPU,
    ),
    _attack(
        "several-memories",
        "resource",
        "four linear memories, each grown until refused",
        component(_guest(_GROW_ALL, extra=_MEMORIES)),
        MEMORY,
    ),
    _attack(
        "big-table",
        "resource",
        "a table of 10 million elements",
        component(_guest(extra="(table 10000000 funcref)")),
        (MEMORY, LOAD_FAILED),
    ),
    _attack(
        "host-call-loop",
        "resource",
        "time spent in host calls: random(), forever (unmetered, no capability)",
        component(
            _guest(
                "(loop $l (drop (call $random)) (br $l))",
                imports='(import "host" "random" (func $random (result f64)))',
            ),
            imports=WIT_HOST_SIGNATURES,
            lowered=("random",),
        ),
        CPU,
    ),
)

LOAD: Final[tuple[ComponentAttack, ...]] = (
    _attack(
        "compile-bomb",
        "load",
        f"{len(_BOMB) // 1024} KB of text: blocks with results nested {_BOMB_DEPTH} deep",
        _BOMB,
        COMPILE_LIMIT,
    ),
    _attack("sparse-2gib", "load", "a 2 GiB sparse file", "", COMPILE_LIMIT, file="sparse"),
    _attack("fifo", "load", "a FIFO named as the component", "", LOAD_FAILED, file="fifo"),
    _attack("junk", "load", "bytes that are not a component", "", LOAD_FAILED, file="junk"),
)

COMPONENT_ATTACKS: Final[tuple[ComponentAttack, ...]] = ABI + API_ABUSE + RESOURCES + LOAD
