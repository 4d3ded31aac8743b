"""What to install: ``ID@RANGE`` requests, and the resolver's view of the store (published
releases only)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from packaging.version import InvalidVersion, Version

from host_api import parse_specifier
from resolver import Release, ReleaseProvider

from ._package import PACKAGE_SUFFIX
from .store import InstallFailed, MarketStore, State, Submission

_ANY: Final = "*"
#: A mod id (as ``mod.toml`` requires it).
MOD_ID: Final = re.compile(r"^[a-z][a-z0-9-]{1,62}$")


class PublishedReleases(ReleaseProvider):
    """The resolver's view of the store: published submissions only, one release each."""

    def __init__(self, store: MarketStore) -> None:
        self.store = store
        self._chosen: dict[tuple[str, Version], Submission] = {}

    def releases(self, mod_id: str) -> Iterable[Release]:
        """Every published version of ``mod_id`` (yanked and unreviewed ones never appear)."""
        out: list[Release] = []
        for sub in self.store.submissions(state=State.PUBLISHED, mod_id=mod_id):
            release = _release_of(sub)
            if release is not None:
                self._chosen[(release.id, release.version)] = sub
                out.append(release)
        return out

    def submission_for(self, release: Release) -> Submission:
        """The submission a release came from."""
        return self._chosen[(release.id, release.version)]


def _release_of(sub: Submission) -> Release | None:
    deps: Mapping[str, Any] = sub.manifest.get("dependencies") or {}
    try:
        return Release.of(
            sub.mod_id,
            sub.version,
            required=dict(deps.get("required") or {}),
            optional=dict(deps.get("optional") or {}),
            conflicts=dict(deps.get("conflicts") or {}),
            host=str(sub.manifest.get("host", _ANY)),
        )
    except (InvalidVersion, ValueError):
        return None


def parse_request(text: str) -> tuple[str, str]:
    """``coin`` or ``coin@>=1.0,<2`` -> ``("coin", range)``.

    :raises InstallFailed: a package file instead of a mod id, an invalid mod id, or a range
        that is not a PEP 440 specifier set.
    """
    if text.endswith(PACKAGE_SUFFIX) or "/" in text.partition("@")[0]:
        raise InstallFailed(
            f"'{text}' looks like a package file; 'market install' takes ID or ID@RANGE of a "
            "published mod",
            hint="install what the market published (e.g. coin-pickup@>=1.0); a package file "
            "goes through 'modhost market submit FILE' and review first",
        )
    mod_id, _, spec = text.partition("@")
    mod_id, spec = mod_id.strip(), spec.strip() or _ANY
    if not MOD_ID.match(mod_id):
        raise InstallFailed(
            f"'{text}' is not ID or ID@RANGE: '{mod_id}' is not a mod id",
            hint="mod ids are lowercase letters, digits and '-', e.g. coin-pickup@>=1.0,<2.0",
        )
    try:
        parse_specifier(spec)
    except ValueError as exc:
        raise InstallFailed(
            f"'{text}' is not ID or ID@RANGE",
            mod_id=mod_id,
            hint="e.g. coin-pickup@>=1.0,<2.0",
        ) from exc
    return mod_id, spec
