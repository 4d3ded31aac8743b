"""``create_sandbox``: the one way the runtime builds a mod's script sandbox."""

from __future__ import annotations

from typing import Literal

from host_api import Limits

from ..base import ScriptSandbox

Tier = Literal["inprocess", "process"]
#: Tier names as they appear in ``[sandbox] tier`` and in reports.
TIERS: tuple[Tier, ...] = ("inprocess", "process")


def create_sandbox(mod_id: str, limits: Limits, *, tier: str = "inprocess") -> ScriptSandbox:
    """A sandbox for ``mod_id`` under ``limits`` in the requested tier.

    :param mod_id: the mod the sandbox runs scripts for (named in every fault).
    :param limits: the effective limits (the manifest request capped by the policy).
    :param tier: ``"inprocess"`` (RestrictedPython in this interpreter) or ``"process"``
        (the same, in a worker process the host kills at the deadline).
    :raises ValueError: an unknown tier name (the policy model rejects those first).
    """
    if tier == "inprocess":
        from ._restricted import RestrictedSandbox

        return RestrictedSandbox(mod_id, limits)
    if tier == "process":
        from ._process import ProcessSandbox

        return ProcessSandbox(mod_id, limits)
    raise ValueError(f"unknown sandbox tier {tier!r}; expected one of {TIERS}")
