"""The host's signature policy: the check the runtime runs on every mod before loading it.

``[signing]`` in ``modhost.toml``::

    [signing]
    mode = "strict"                  # or "dev" (the default)
    trusted_keys = [
        "keys/demo.pub",             # a public key file, relative to modhost.toml's folder
        "1f0c9d2e5a7b4c3d8e9f0a1b2c3d4e5f",   # or a key id (32 hex), as keygen prints it
    ]
    allow_downgrade = false          # true: accept a signed mod older than the recorded one

What each outcome does:

============================  ==================================  ==========================
finding                       ``dev``                             ``strict``
============================  ==================================  ==========================
valid, trusted                loads                               loads
missing / invalid / untrusted loads, with a warning               error, does not load
links or special files        error, does not load                error, does not load
(``PACKAGE_UNSAFE``)
older version than accepted,  error, does not load                error, does not load
or same version, other files  (warning and loads with             (same)
(``SIGNATURE_ROLLBACK``)      ``allow_downgrade``)
============================  ==================================  ==========================

Besides ``trusted_keys``, a key that ``modhost market install`` verified and recorded
(``<data_dir>/signing/market-keys.json``, see :mod:`._vouched`) is trusted for the mods it
was recorded with, and only for them.

Links are refused even in ``dev``: the host never follows a link out of a mod folder. Only
valid, trusted signatures are recorded for rollback protection, so editing a mod under ``dev``
(which makes it *invalid* until re-signed) never trips it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

from packaging.version import Version

from host_api import Diagnostic, DiagnosticCode, HostPolicy, Manifest

from ._digest import SIGFILE_NAME, FileDiff
from ._rollback import AcceptedVersion, AcceptedVersions, state_path
from ._sigerrors import (
    RollbackStateInvalid,
    SignatureRollback,
    SigningError,
    SigningKeyInvalid,
    TrustConfigError,
    UnsafeModFolder,
)
from ._signing import KEY_ID_PATTERN, load_public_key
from ._sigverify import SignatureStatus, verify_mod
from ._vouched import VouchedKey, VouchedKeys, keys_for_mod, vouched_path


@dataclass(frozen=True)
class TrustSet:
    """The key ids a policy trusts, and the problems found reading its entries."""

    key_ids: frozenset[str] = frozenset()
    #: ``POLICY_INVALID`` errors for entries that name a missing or malformed key file.
    diagnostics: tuple[Diagnostic, ...] = ()
    #: Keys a marketplace vouched for at install, by key id (trusted for their mods only).
    vouched: Mapping[str, VouchedKey] = field(default_factory=dict)

    @classmethod
    def from_policy(cls, policy: HostPolicy, policy_dir: Path) -> TrustSet:
        """Resolve ``[signing] trusted_keys``: key ids as they are, files relative to
        ``policy_dir`` (absolute paths allowed), plus the keys marketplaces vouched for in
        the policy's data folder. A bad entry or file is reported, never trusted."""
        found = cls.from_entries(policy.signing.trusted_keys, policy_dir)
        try:
            vouched = VouchedKeys(vouched_path(policy_dir / policy.data_dir)).load()
        except TrustConfigError as exc:
            return replace(found, diagnostics=(*found.diagnostics, exc.to_diagnostic()))
        return replace(found, vouched=vouched)

    def key_ids_for(self, mod_id: str) -> frozenset[str]:
        """The key ids trusted for ``mod_id``: the policy's, and those a marketplace vouched
        for on that mod."""
        return self.key_ids | keys_for_mod(self.vouched, mod_id)

    def vouched_by(self, key_id: str | None, mod_id: str) -> VouchedKey | None:
        """The marketplace record that makes ``key_id`` trusted for ``mod_id``, if any."""
        record = self.vouched.get(key_id or "")
        return record if record is not None and mod_id in record.mods else None

    @classmethod
    def from_entries(cls, entries: Iterable[str], base_dir: Path) -> TrustSet:
        """Resolve ``trusted_keys``-style entries (key ids, or key files relative to
        ``base_dir``), such as ``verify --trust`` gives. A bad entry is reported, never
        trusted."""
        ids: set[str] = set()
        problems: list[Diagnostic] = []
        for entry in entries:
            if KEY_ID_PATTERN.match(entry):
                ids.add(entry)
                continue
            try:
                ids.add(load_public_key(base_dir / entry).key_id)
            except SigningKeyInvalid as exc:
                problems.append(
                    TrustConfigError(
                        f"[signing] trusted_keys entry {entry!r}: {exc.message}",
                        file=entry,
                        hint="list public key files (relative to modhost.toml's folder) or "
                        "32-hex key ids as 'modhost keygen' prints them",
                    ).to_diagnostic()
                )
        return cls(frozenset(ids), tuple(problems))


@dataclass(frozen=True)
class SignatureCheck:
    """The verdict on one mod under the host's policy."""

    mod_id: str
    version: str
    #: Whether the runtime may load the mod.
    loadable: bool
    status: SignatureStatus
    key_id: str | None = None
    #: The folder's mod digest, when it could be computed.
    digest: str | None = None
    #: Files added, removed or changed since signing, when known.
    diff: FileDiff | None = None
    #: Warnings (dev) or errors (strict, or never-loadable findings), each with code and hint.
    diagnostics: tuple[Diagnostic, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        """The JSON form (``verify --json``, reports)."""
        return {
            "mod": self.mod_id,
            "version": self.version,
            "status": self.status,
            "loadable": self.loadable,
            "key_id": self.key_id,
            "digest": self.digest,
            "diff": self.diff.as_dict() if self.diff else None,
            "diagnostics": [d.model_dump(mode="json") for d in self.diagnostics],
        }


class SignatureChecker:
    """The policy check, set up once per host run (trusted keys read once).

    :param policy: the host policy (``[signing]`` and ``data_dir`` are used).
    :param policy_dir: the folder of ``modhost.toml`` (relative key paths and ``data_dir``
        are resolved against it; use the folder that contains ``mods/`` when there is none).
    """

    def __init__(self, policy: HostPolicy, policy_dir: Path) -> None:
        self.policy: Final = policy
        self.trust: Final = TrustSet.from_policy(policy, policy_dir)
        #: The rollback state (``<data_dir>/signing/accepted.json``).
        self.accepted: Final = AcceptedVersions(state_path(policy_dir / policy.data_dir))

    @property
    def strict(self) -> bool:
        """True under the ``strict`` policy."""
        return self.policy.signing.mode == "strict"

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Problems with the policy itself (bad trusted-key entries); report them once."""
        return self.trust.diagnostics

    def check(self, folder: Path, manifest: Manifest) -> SignatureCheck:
        """Verify ``folder`` under the policy. Never raises for anything a mod can cause.

        Cost: hashes the whole mod when it carries a parseable, verifying mod.sig.
        """
        found = verify_mod(folder, trusted=self.trust.key_ids_for(manifest.id), manifest=manifest)
        base = SignatureCheck(
            found.mod_id, found.version, True, found.status, found.key_id, found.digest, found.diff
        )
        if found.problem is not None:
            return self._judge_problem(base, found.problem)
        return self._judge_rollback(base)

    def record(self, check: SignatureCheck) -> AcceptedVersion | None:
        """Record a loaded mod's version for rollback protection: only valid, trusted,
        loadable signatures are recorded (returns None for the others).

        :raises RollbackStateInvalid: the state file is malformed (it is left untouched).
        """
        if not (check.loadable and check.status == "valid" and check.digest and check.key_id):
            return None
        return self.accepted.record(check.mod_id, check.version, check.digest, check.key_id)

    def _judge_problem(self, base: SignatureCheck, problem: SigningError) -> SignatureCheck:
        if self.strict or isinstance(problem, UnsafeModFolder):  # links never load, even in dev
            return replace(base, loadable=False, diagnostics=(problem.to_diagnostic("error"),))
        diag = problem.to_diagnostic("warning")
        note = "loaded anyway under the dev policy; under strict it would not load"
        diag = diag.model_copy(update={"hint": f"{diag.hint} ({note})" if diag.hint else note})
        return replace(base, diagnostics=(diag,))

    def _judge_rollback(self, base: SignatureCheck) -> SignatureCheck:
        try:
            record = self.accepted.get(base.mod_id)
        except RollbackStateInvalid as exc:
            diag = self._state_diagnostic(exc, base.mod_id)
            return replace(base, loadable=not self.strict, diagnostics=(diag,))
        problem = _rollback_problem(base.mod_id, base.version, base.digest, record)
        if problem is None:
            return base
        if self.policy.signing.allow_downgrade:
            return replace(base, diagnostics=(problem.to_diagnostic("warning"),))
        return replace(base, loadable=False, diagnostics=(problem.to_diagnostic("error"),))

    def _state_diagnostic(self, exc: RollbackStateInvalid, mod_id: str | None = None) -> Diagnostic:
        """An unusable state file: an error under strict (the mod does not load), else a
        warning; about ``mod_id`` when given."""
        diag = exc.to_diagnostic("error" if self.strict else "warning")
        return diag if mod_id is None else diag.model_copy(update={"mod": mod_id})

    def rollback_diagnostic(self, mod_id: str, version: str, digest: str) -> Diagnostic | None:
        """Would installing ``mod_id`` at ``version`` with ``digest`` be a rollback?

        For installers that replace a mod folder (``modhost market install``): an error
        ``SIGNATURE_ROLLBACK`` (a warning when ``allow_downgrade`` is set), or None.

        :raises RollbackStateInvalid: the state file is malformed.
        """
        problem = _rollback_problem(mod_id, version, digest, self.accepted.get(mod_id))
        if problem is None:
            return None
        return problem.to_diagnostic("warning" if self.policy.signing.allow_downgrade else "error")


def _rollback_problem(
    mod_id: str, version: str, digest: str | None, record: AcceptedVersion | None
) -> SignatureRollback | None:
    if record is None:
        return None
    downgrade = "to downgrade on purpose set allow_downgrade = true under [signing] in modhost.toml"
    details = {"accepted_version": record.version, "accepted_digest": record.digest}
    mine = Version(version)
    if mine < record.parsed_version:
        return SignatureRollback(
            f"version {version} is older than {record.version}, which this host has "
            "already accepted",
            mod_id=mod_id,
            hint=f"install version {record.version} or newer; {downgrade}",
            details=details,
        )
    if mine == record.parsed_version and digest != record.digest:
        return SignatureRollback(
            f"version {version} has different files from the {record.version} this "
            "host already accepted",
            mod_id=mod_id,
            hint=f"publish changes under a new version number; {downgrade}",
            details=details,
        )
    return None


def check_mod_signature(
    folder: Path,
    manifest: Manifest,
    policy: HostPolicy,
    *,
    policy_dir: Path,
    record: bool = False,
) -> SignatureCheck:
    """Check one mod under the policy (a one-shot :class:`SignatureChecker`).

    :param policy_dir: the folder of ``modhost.toml`` (see :class:`SignatureChecker`).
    :param record: also record the version for rollback protection when the mod is valid and
        loadable; pass True only when the mod is really being loaded (``run``, not ``check``).
    :returns: the verdict; policy problems (bad trusted-key entries) are among its diagnostics.
    """
    checker = SignatureChecker(policy, policy_dir)
    result = checker.check(folder, manifest)
    extra: tuple[Diagnostic, ...] = checker.diagnostics
    if record:
        try:
            checker.record(result)
        except RollbackStateInvalid as exc:
            extra += (checker._state_diagnostic(exc),)
    if not extra:
        return result
    return replace(result, diagnostics=result.diagnostics + extra)


def record_loaded_mod(
    folder: Path, manifest: Manifest, policy: HostPolicy, *, policy_dir: Path
) -> tuple[Diagnostic, ...]:
    """Record, for rollback protection, a mod the host has just loaded.

    The folder is verified again (the record must describe what was loaded, not what
    discovery saw earlier) and recorded only when its signature is valid, trusted and not a
    refused rollback. Call it from the load path of ``run`` (and reload), never from ``check``.

    :returns: a ``ROLLBACK_STATE_INVALID`` diagnostic when the state file is unusable, else ().
    """
    if not (folder / SIGFILE_NAME).is_file():
        # Only valid signatures are recorded: an unsigned folder (a mod under development)
        # has nothing to record, and hashing it again would cost a hot reload for nothing.
        return ()
    checker = SignatureChecker(policy, policy_dir)
    check = checker.check(folder, manifest)
    if any(d.code == DiagnosticCode.ROLLBACK_STATE_INVALID for d in check.diagnostics):
        return ()  # discovery already reported the unusable state file for this mod
    try:
        checker.record(check)
    except RollbackStateInvalid as exc:
        return (checker._state_diagnostic(exc, manifest.id),)
    return ()
