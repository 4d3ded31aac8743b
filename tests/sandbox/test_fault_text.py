"""An uncaught exception is described by the host after the call: from its C-level
arguments only. A script's exception class (an ``args`` property, a ``__str__``) never runs
on the host, and an odd one cannot break the description: the fault keeps its code."""

from __future__ import annotations

import pytest

from host_api import DiagnosticCode
from tests.compat.harness import Sandboxed

TIERS = ["inprocess", "process"]

#: Each class records that its own code ran (``RAN``); the second hook reads the record.
CASES = [
    ("Exception", "    @property\n    def args(self):\n        RAN.append(1)\n        return ()",
     "raise E('a', 2)", DiagnosticCode.SANDBOX_ERROR, "E: ('a', 2)"),
    ("Exception", "    args = 5", "raise E('x')", DiagnosticCode.SANDBOX_ERROR, "E: x"),
    ("ValueError",
     "    def __str__(self):\n        RAN.append(1)\n        return 'integer string conversion'",
     "raise E('plain')", DiagnosticCode.SANDBOX_ERROR, "E: plain"),
    ("RecursionError", "    def __str__(self):\n        RAN.append(1)\n        return 'mine'",
     "raise E('deep')", DiagnosticCode.SANDBOX_RECURSION_LIMIT, "calls nested too deeply: deep"),
    ("Exception", "    def __repr__(self):\n        RAN.append(1)\n        return 'r'",
     "raise E(E())", DiagnosticCode.SANDBOX_ERROR, "E: <E object>"),
]  # fmt: skip


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize(("base", "body", "raise_", "code", "text"), CASES)
def test_the_host_describes_a_scripts_exception_without_running_it(
    tier: str, base: str, body: str, raise_: str, code: DiagnosticCode, text: str
) -> None:
    source = (
        f"RAN = []\nclass E({base}):\n{body}\n"
        f"def on_tick(ctx, dt):\n    if dt:\n        return len(RAN)\n    {raise_}\n"
    )
    box = Sandboxed(source, tier=tier)
    try:
        with pytest.raises(Exception) as info:
            box.call(0.0)
        fault = info.value
        assert getattr(fault, "code", None) is code, repr(fault)
        assert text in str(fault)
        assert box.call(1.0) == 0  # none of the class's own code ran
    finally:
        box.close()


def test_a_refused_host_call_of_the_process_tier_is_named_like_the_hosts_own() -> None:
    source = (
        "class T(tuple):\n    pass\n"
        "def on_tick(ctx, dt):\n    return ctx.world.raycast(T((0.0, 0.0, 0.0)), (1.0, 0.0, 0.0))\n"
    )
    box = Sandboxed(source, tier="process")
    try:
        with pytest.raises(Exception) as info:
            box.call(0.0)
        assert "ctx (raycast) got a T object" in str(info.value)
    finally:
        box.close()
