"""One attack of the audit corpus, the codes that may stop it, and the helpers that build
attacks (shared by ``_corpus`` and ``_corpus_language``)."""

from __future__ import annotations

from dataclasses import dataclass
from textwrap import dedent
from typing import Final, Literal

from host_api import ALL_CAPABILITIES

AttackClass = Literal["escape", "resource", "api-abuse"]

FORBIDDEN: Final = "SANDBOX_FORBIDDEN"
FUEL: Final = "SANDBOX_FUEL_EXHAUSTED"
MEMORY: Final = "SANDBOX_MEMORY_LIMIT"
RECURSION: Final = "SANDBOX_RECURSION_LIMIT"
TIMEOUT: Final = "SANDBOX_TIMEOUT"
#: Endless work: whichever of fuel and time runs out first.
CPU: Final = ("SANDBOX_FUEL_EXHAUSTED", "SANDBOX_TIMEOUT")
ERROR: Final = "SANDBOX_ERROR"
#: A payload or argument over a documented cap (bytes, depth, items, tags).
PAYLOAD: Final = "MOD_PAYLOAD_LIMIT"
DENIED: Final = "CAPABILITY_DENIED"
THROTTLED: Final = "MOD_THROTTLED"
COMPILE: Final = "SANDBOX_COMPILE_LIMIT"


@dataclass(frozen=True)
class Attack:
    """One hostile script and the code that must stop it."""

    #: A stable, unique name (``escape.generator-frame``).
    name: str
    kind: AttackClass
    #: What the attack tries, in one line.
    summary: str
    source: str
    #: The diagnostic codes that may stop it (the first is the usual one: an endless loop
    #: runs out of fuel or time, whichever comes first under the policy's limits).
    expect: tuple[str, ...]
    #: Capabilities the attacking mod holds (all by default; API-abuse cases hold fewer).
    capabilities: frozenset[str] = ALL_CAPABILITIES
    #: Ticks ``on_tick`` is called (retention and flood attacks need more than one).
    ticks: int = 1


def _attack(
    name: str,
    kind: AttackClass,
    summary: str,
    source: str,
    expect: str | tuple[str, ...],
    *,
    capabilities: frozenset[str] = ALL_CAPABILITIES,
    ticks: int = 1,
) -> Attack:
    codes = (expect,) if isinstance(expect, str) else expect
    return Attack(name, kind, summary, dedent(source).strip() + "\n", codes, capabilities, ticks)


def _escape(name: str, summary: str, source: str) -> Attack:
    """``escape.<name>``: always refused (``SANDBOX_FORBIDDEN``), at load or at run time."""
    return _attack(f"escape.{name}", "escape", summary, source, FORBIDDEN)


def _resource(
    name: str, summary: str, source: str, expect: str | tuple[str, ...], *, ticks: int = 1
) -> Attack:
    """``resource.<name>``: stopped by the limit it exhausts."""
    return _attack(f"resource.{name}", "resource", summary, source, expect, ticks=ticks)


def _abuse(
    name: str,
    summary: str,
    source: str,
    expect: str | tuple[str, ...],
    *,
    capabilities: frozenset[str] = ALL_CAPABILITIES,
    ticks: int = 1,
) -> Attack:
    """``api.<name>``: an API misuse, refused by the host API (held ``capabilities``)."""
    return _attack(
        f"api.{name}", "api-abuse", summary, source, expect, capabilities=capabilities, ticks=ticks
    )


def _tick(body: str) -> str:
    """An ``on_tick`` whose body is ``body`` (indented for it)."""
    lines = dedent(body).strip().splitlines()
    return "def on_tick(ctx, dt):\n" + "\n".join("    " + line for line in lines) + "\n"


def _cls(body: str, tick: str) -> str:
    """A script with a module-level preamble ``body`` and an ``on_tick`` running ``tick``."""
    return body.strip() + "\n" + _tick(tick)
