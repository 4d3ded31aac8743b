"""The operator's host policy (``modhost.toml`` next to ``mods/``).

Each section belongs to one concern; unknown keys are an error, as in manifests. A missing
file means the defaults below (the ``dev`` policy newcomers run with).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._capabilities import ALL_CAPABILITIES, ALWAYS_DENIED, Capability
from ._errors import PolicyError
from ._manifest import Limits

POLICY_FILE: Final = "modhost.toml"

#: Granted by default: everything but the reserved and the ones an operator should opt into.
DEFAULT_GRANTS: Final[tuple[str, ...]] = tuple(sorted(ALL_CAPABILITIES - ALWAYS_DENIED))


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SigningPolicy(_Section):
    """``[signing]``: which signatures a mod needs to load (see ``marketplace.signing._trust``)."""

    #: ``strict``: unsigned, invalid or untrusted mods do not load; ``dev``: they load with a
    #: warning. Links in a mod folder and rollbacks are refused under both.
    mode: Literal["dev", "strict"] = "dev"
    #: Trusted Ed25519 public keys: public key files (PEM, relative to the policy file's
    #: folder) or key ids (32 hex digits, as ``modhost keygen`` prints them).
    trusted_keys: tuple[Annotated[str, Field(min_length=1)], ...] = ()
    #: Accept a signed mod older than (or the same version as, with other files) the version
    #: this host already accepted, with a warning instead of ``SIGNATURE_ROLLBACK``.
    allow_downgrade: bool = False


class ModCapabilities(_Section):
    """``[capabilities.mods.<id>]``: a per-mod override of the default grant list."""

    grant: tuple[str, ...] | None = None
    deny: tuple[str, ...] = ()


class CapabilityPolicy(_Section):
    """``[capabilities]``: what the host grants mods that request it."""

    grant: tuple[str, ...] = DEFAULT_GRANTS
    mods: dict[str, ModCapabilities] = Field(default_factory=dict)

    def allowed_for(self, mod_id: str) -> frozenset[str]:
        """The capability names the policy allows ``mod_id`` to be granted."""
        override = self.mods.get(mod_id)
        base = set(self.grant if override is None or override.grant is None else override.grant)
        if override is not None:
            base -= set(override.deny)
        return frozenset(base) - ALWAYS_DENIED


class LimitCaps(_Section):
    """``[limits]``: the ceiling on what a manifest may request."""

    fuel: Annotated[int, Field(gt=0)] = 5_000_000
    memory_mb: Annotated[int, Field(gt=0)] = 256
    timeout_ms: Annotated[int, Field(gt=0)] = 50
    #: Megabytes the WebAssembly components of every mod together may reserve (a mod with
    #: components reserves its effective ``memory_mb``, which bounds the sum of their
    #: memories); a mod whose components would pass it does not load (``HOST_MEMORY_LIMIT``).
    host_memory_mb: Annotated[int, Field(gt=0)] = 2048

    def cap(self, requested: Limits) -> Limits:
        """The effective limits: each request clamped to this ceiling."""
        return Limits(
            fuel=min(requested.fuel, self.fuel),
            memory_mb=min(requested.memory_mb, self.memory_mb),
            timeout_ms=min(requested.timeout_ms, self.timeout_ms),
        )


class SandboxPolicy(_Section):
    """``[sandbox]``: which execution tier runs mod scripts.

    ``process`` (the default) runs each mod's scripts in a worker process under OS limits that
    the host kills at ``timeout_ms`` plus a small margin: the only tier under which no script,
    however hostile, can stall a tick for longer (one C-level operation, such as ``sorted()``
    of a list the size of the memory limit, or ``==`` of two structures that share their
    parts, cannot be interrupted inside the host's own interpreter). ``inprocess`` is faster
    (no round trip per tick) and keeps every other guarantee (static rejection, fuel,
    allocation guards, recursion, text bounds), so an operator may choose it for mods they
    trust.
    """

    tier: Literal["inprocess", "process"] = "process"
    #: Link WASI into components (with no preopens, no environment, no network).
    wasi: bool = False


class FaultPolicy(_Section):
    """``[faults]``: the warn -> throttle -> quarantine ladder, in faults per mod."""

    warn_after: Annotated[int, Field(ge=1)] = 1
    throttle_after: Annotated[int, Field(ge=1)] = 3
    quarantine_after: Annotated[int, Field(ge=1)] = 5


BudgetAction = Literal["warn", "throttle", "quarantine"]
BudgetPreset = Literal["off", "strict", "balanced", "perf"]
_Ms = Annotated[float, Field(gt=0)]
_Share = Annotated[float, Field(gt=0, le=1)]


class ModBudget(_Section):
    """``[budgets.mods.<id>]``: one mod's own thresholds and how far overruns escalate."""

    mod_cpu_ms: _Ms | None = None
    mod_share: _Share | None = None
    action: BudgetAction | None = None


class BudgetThresholds(_Section):
    """The figures a budget holds runs to (a preset's, or the file's own)."""

    #: p95 of the whole tick's wall time, in ms.
    tick_p95_ms: _Ms | None = None
    #: p95 of a mod's CPU time per tick, in ms.
    mod_cpu_ms: _Ms | None = None
    #: A mod's share of the tick's wall time (0-1], averaged over the window.
    mod_share: _Share | None = None
    #: p95 of hot-reload durations, in ms.
    reload_p95_ms: _Ms | None = None
    #: Cold start (discovery to the end of the first tick), in ms.
    startup_ms: _Ms | None = None


#: The operator stances ``preset = ...`` names (docs/operating/profiling.md, "Performance budgets").
BUDGET_PRESETS: Final[dict[str, tuple[BudgetThresholds, BudgetAction]]] = {
    "balanced": (
        BudgetThresholds(
            tick_p95_ms=16.7, mod_cpu_ms=4.0, mod_share=0.5, reload_p95_ms=250, startup_ms=5000
        ),
        "warn",
    ),
    "strict": (
        BudgetThresholds(
            tick_p95_ms=16.7, mod_cpu_ms=2.0, mod_share=0.25, reload_p95_ms=150, startup_ms=3000
        ),
        "quarantine",
    ),
    "perf": (
        BudgetThresholds(
            tick_p95_ms=8.3, mod_cpu_ms=1.0, mod_share=0.2, reload_p95_ms=100, startup_ms=2000
        ),
        "throttle",
    ),
}


class BudgetPolicy(BudgetThresholds):
    """``[budgets]``: performance budgets, checked once per window of simulated time.

    Off by default: budgets read wall and CPU clocks, so a run that enforces them (``action``
    other than ``warn``) may differ from machine to machine. With ``preset = "off"`` and no
    threshold set, nothing is checked and ``world_hash`` never depends on timing.
    """

    preset: BudgetPreset = "off"
    #: How far repeated overruns escalate on the fault ladder (``warn``: diagnostics only).
    action: BudgetAction | None = None
    #: Overruns (windows over budget) before a mod is throttled / quarantined.
    throttle_after: Annotated[int, Field(ge=1)] = 3
    quarantine_after: Annotated[int, Field(ge=1)] = 5
    #: Simulated seconds per budget window.
    window_s: Annotated[float, Field(gt=0, le=300)] = 5.0
    mods: dict[str, ModBudget] = Field(default_factory=dict)

    def effective(self) -> tuple[BudgetThresholds, BudgetAction]:
        """The preset's thresholds, each overridden by one set in the file; and the action."""
        base, action = BUDGET_PRESETS.get(self.preset, (BudgetThresholds(), "warn"))
        own = self.model_dump(include=set(BudgetThresholds.model_fields), exclude_none=True)
        return base.model_copy(update=own), self.action or action

    @property
    def enabled(self) -> bool:
        """Whether any budget is checked."""
        limits, _ = self.effective()
        return bool(limits.model_dump(exclude_none=True)) or any(
            m.mod_cpu_ms or m.mod_share for m in self.mods.values()
        )


class ProfilePolicy(_Section):
    """``[profile]``: the always-on accounting and its trend windows."""

    #: Record per-tick, per-mod and per-hook figures (a few % of tick time at most).
    enabled: bool = True
    #: Trend windows in simulated seconds; the longest bounds the memory kept.
    windows_s: tuple[Annotated[float, Field(gt=0, le=3600)], ...] = (5.0, 60.0, 300.0)
    #: A mod whose p95 grew by more than this fraction between two windows is named.
    trend_growth: Annotated[float, Field(gt=0)] = 0.5
    #: ... and by at least this many ms (ignores noise on tiny figures).
    trend_min_ms: Annotated[float, Field(ge=0)] = 0.05


class HostPolicy(_Section):
    """The whole ``modhost.toml``."""

    signing: SigningPolicy = Field(default_factory=SigningPolicy)
    capabilities: CapabilityPolicy = Field(default_factory=CapabilityPolicy)
    limits: LimitCaps = Field(default_factory=LimitCaps)
    sandbox: SandboxPolicy = Field(default_factory=SandboxPolicy)
    faults: FaultPolicy = Field(default_factory=FaultPolicy)
    budgets: BudgetPolicy = Field(default_factory=BudgetPolicy)
    profile: ProfilePolicy = Field(default_factory=ProfilePolicy)
    #: Where the host keeps its state (rollback records, storage, compiled cache), relative
    #: to the policy file's folder.
    data_dir: str = ".modhost"


def load_policy(path: Path | None) -> HostPolicy:
    """Read a policy file; ``None`` or a missing file gives the default ``dev`` policy.

    :raises PolicyError: the file exists but is not valid.
    """
    if path is None or not path.is_file():
        return HostPolicy()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        policy = HostPolicy.model_validate(data)
    except OSError as exc:
        raise PolicyError(
            f"cannot read policy {path}: {exc.strerror or exc}",
            file=str(path),
            hint="make the policy file readable by the user running modhost "
            "(or run from a folder without one to use the default dev policy)",
        ) from exc
    except UnicodeDecodeError as exc:
        raise PolicyError(
            f"policy {path} is not UTF-8 text: {exc}",
            file=str(path),
            hint="save the policy file as UTF-8",
        ) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PolicyError(
            f"policy {path}: {where}: {first['msg']}",
            file=str(path),
            hint="see docs/operating/policy.md for the keys modhost.toml accepts",
        ) from exc
    except (ValueError, RecursionError) as exc:  # TOML errors, over-long numbers (after the
        # schema's ValidationError, itself a ValueError)
        raise PolicyError(
            f"policy {path} is not valid TOML: {exc}",
            file=str(path),
            hint="fix the TOML syntax of the policy file",
        ) from exc
    unknown = set(policy.capabilities.grant) - {c.value for c in Capability}
    if unknown:
        raise PolicyError(
            f"policy {path}: unknown capabilities {sorted(unknown)}",
            file=str(path),
            hint="use capability names from docs/operating/policy.md",
        )
    return policy
