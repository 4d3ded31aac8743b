"""The example mods ship signed by the demo key: editing one without re-signing fails here.

Fix a failure with ``make sign-demo`` (re-signs ``mods/*`` with ``keys/demo.key``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from host_api import MANIFEST_FILE, load_policy
from marketplace import TrustSet, load_public_key, verify_mod

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "mods").iterdir() if (p / MANIFEST_FILE).is_file())
DEMO_KEY = load_public_key(ROOT / "keys" / "demo.pub")


def test_there_are_example_mods() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_example_mod_verifies_against_the_demo_key(folder: Path) -> None:
    found = verify_mod(folder, trusted=[DEMO_KEY])
    assert found.status == "valid", (
        f"{folder.name}: {found.status}: {found.problem.message if found.problem else ''}; "
        "run 'make sign-demo' after editing an example mod"
    )


def test_the_demo_policy_trusts_the_demo_key_under_dev() -> None:
    policy = load_policy(ROOT / "modhost.toml")
    assert policy.signing.mode == "dev"
    assert DEMO_KEY.key_id in TrustSet.from_policy(policy, ROOT).key_ids
