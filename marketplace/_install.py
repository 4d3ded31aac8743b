"""Install published mods into ``mods/``: resolver-chosen versions, verified before unpacking.

Steps, all before ``mods/`` is touched:

1. The resolver's version selection picks one release per mod over **published** versions
   only (:class:`PublishedReleases`), for the requests and everything they require.
2. Each chosen package is read from the store and its SHA-256 compared with the content
   address the submission recorded (a tampered or corrupted artifact stops the install).
3. Each package is extracted with :func:`safe_extract` into a private staging folder beside
   ``mods/`` (never inside it, so the host never sees a half-installed mod), and its
   ``mod.sig`` is verified against the keys its author registered; its manifest must be the
   chosen id and version.
4. Only when every package passed is the plan written to a journal, the verified author
   keys recorded in the host's trust store (:mod:`._vouched`, scoped to their mods, named
   after the marketplace), and the staged folders moved into ``mods/``. An installed newer
   version is never replaced by an older one.

Crash safety. Everything is staged in one known folder beside ``mods/``
(``.modhost-install/``), and one install at a time writes into a ``mods/`` folder (a lock
file; a second one fails with ``MARKET_BUSY``). Each mod is replaced with two renames:
``mods/<id>`` into ``.modhost-install/old/``, then the staged folder into ``mods/<id>``. The
next install first recovers what a killed one left: with a journal, it finishes the plan
(moving in every staged folder still waiting, restoring an old folder whose replacement is
gone); without one, nothing in ``mods/`` was touched and the staging folder is removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from host_api import POLICY_FILE, load_policy
from resolver import select_versions

from ._install_journal import (
    STAGING_NAME,
    commit,
    record_vouch,
    recover_install,
    write_journal,
)
from ._install_request import PublishedReleases
from ._install_stage import InstalledMod, InstallProgress, stage_all, vouch_entry
from ._staging import exclusive, fault_point
from .signing import SignatureChecker, VouchedKeys, market_name, vouched_path
from .store import MarketBusy, MarketStore


def install(
    store: MarketStore,
    requests: Mapping[str, str],
    mods_dir: Path,
    *,
    progress: InstallProgress | None = None,
    market: str | None = None,
) -> list[InstalledMod]:
    """Install ``requests`` (mod id -> range) and their required dependencies.

    :param market: the marketplace's name recorded with the keys it vouched for (default:
        the store URL without credentials).
    :raises SelectionImpossible: no combination of published versions fits.
    :raises InstallFailed: a digest or signature check failed, or an installed newer version
        would be replaced by an older one. Nothing was written into ``mods_dir`` then.
    :raises MarketBusy: another install is writing into ``mods_dir``.
    """
    provider = PublishedReleases(store)
    selection = select_versions(dict(requests), provider)
    chosen = [provider.submission_for(r) for r in selection.releases]
    mods_dir.mkdir(parents=True, exist_ok=True)
    host_dir = mods_dir.resolve().parent
    policy = load_policy(host_dir / POLICY_FILE)
    checker = SignatureChecker(policy, host_dir)
    vouched = VouchedKeys(vouched_path(host_dir / policy.data_dir))
    staging = host_dir / STAGING_NAME
    with exclusive(host_dir / f"{STAGING_NAME}.lock") as taken:
        if not taken:
            raise MarketBusy(
                f"another 'market install' is writing into {mods_dir}",
                hint="retry when it has finished",
            )
        recover_install(mods_dir, vouched)
        staging.mkdir()
        try:
            plan = stage_all(store, chosen, mods_dir, staging / "new", progress, checker)
            fault_point("install-staged")
            name = market or market_name(store.url)
            vouches = [vouch_entry(store, mod, name) for mod, _ in plan]
            write_journal(staging, plan, vouches)
            for entry in vouches:
                record_vouch(vouched, entry)
            commit(plan, mods_dir, staging, progress)
        finally:
            recover_install(mods_dir, vouched)
    return [mod for mod, _ in plan]
