"""A demo marketplace: accounts, the example mods published, ready to serve.

Used by ``modhost market demo`` (``make market-demo``) and the server benchmark. The
passwords are public (printed): a demo store is for trying the portal on loopback only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from .._gate_signature import SignatureGate
from .._gates import ManifestGate, PackageGate, VersionGate
from .._market import Marketplace
from .._package import pack_bytes
from ..signing import PublicKey
from ..store import State, open_store
from ._accounts import Accounts


@dataclass(frozen=True)
class DemoAccount:
    name: str
    password: str
    roles: tuple[str, ...]


#: The demo's people (public passwords: loopback demos only).
DEMO_ACCOUNTS: Final = (
    DemoAccount("mia", "mia-maintainer", ("maintainer", "reviewer")),
    DemoAccount("rex", "rex-reviewer", ("reviewer",)),
    DemoAccount("ada", "ada-author", ()),
    DemoAccount("player", "player-player", ()),
)
#: The author the example mods are submitted as.
DEMO_AUTHOR: Final = "ada"


def build_demo(store_url: str, mod_folders: Iterable[Path], author_key: PublicKey) -> list[str]:
    """Create the accounts and publish each mod folder (already signed with ``author_key``)
    through the whole pipeline; return the published mod ids. Idempotent: an existing
    demo store is left as it is."""
    with open_store(store_url) as store:
        accounts = Accounts(store)
        if accounts.exists(DEMO_AUTHOR):
            return sorted({s.mod_id for s in store.submissions(state=State.PUBLISHED)})
        # The smoke gate is left out: it runs each mod in a host process (seconds each);
        # the example mods pass it in the test suite.
        market = Marketplace(
            store, gates=[PackageGate(), ManifestGate(), VersionGate(), SignatureGate()]
        )
        for account in DEMO_ACCOUNTS:
            accounts.create(account.name, account.password, actor="mia")
            for role in account.roles:
                market.grant_role(account.name, role, actor="mia")
        market.register_key(DEMO_AUTHOR, author_key.to_pem(), actor=DEMO_AUTHOR)
        published = []
        for folder in sorted(mod_folders):
            sub = market.submit(pack_bytes(folder), actor=DEMO_AUTHOR)
            sub = market.request_review(sub.id, actor=DEMO_AUTHOR)
            if not sub.gates_passed:
                continue
            market.approve(sub.id, actor="rex", reason="demo")
            market.publish(sub.id, actor="mia", reason="demo")
            published.append(sub.mod_id)
        return published
