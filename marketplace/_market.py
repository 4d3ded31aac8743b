"""The marketplace service: the contract's actions over a store, gates and the state machine.

Every action reads the submission, checks the move with :func:`check_transition` (pure),
runs the gates when entering ``review`` (outside any transaction: a smoke run takes seconds),
then commits with a compare-and-set on the revision it read. If someone else moved the
submission in between, the action fails with :class:`ConcurrentUpdate` and changes nothing.
Approve and publish re-check the version inside the committing transaction, with the mod
locked (:meth:`MarketStore.transition`'s guard), so two approvals of one version at once
leave one approved submission and a clean ``MARKET_VERSION_NOT_NEWER`` for the other.

A package is checked for safety (:func:`require_safe`) before anything of it is stored, and
an author may hold at most ``max_open`` open submissions (``MARKET_QUOTA_EXCEEDED``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from packaging.version import Version

from host_api import DiagnosticCode

from ._gate_signature import SignatureGate
from ._gates import (
    Gate,
    ManifestGate,
    PackageGate,
    VersionGate,
    run_gates,
    version_not_newer,
)
from ._package import DEFAULT_LIMITS, PackageLimits
from ._package_check import inspect_package
from ._package_diff import file_diff
from ._smoke import SmokeGate
from ._submission_checks import (
    identify_package,
    is_validating,
    raise_late,
    validation_failed,
    version_guard,
)
from .signing import parse_public_key
from .store import (
    GRANTABLE_ROLES,
    ConcurrentUpdate,
    Finding,
    Guard,
    HistoryEntry,
    InvalidTransition,
    MarketForbidden,
    MarketStore,
    QuotaExceeded,
    Rule,
    State,
    Submission,
    check_transition,
)

#: Open submissions (draft, review, changes requested) one author may hold at once.
DEFAULT_MAX_OPEN: Final = 20
#: The history's actor for findings that deferred gates recorded.
GATES_ACTOR: Final = "(gates)"


def default_gates() -> list[Gate]:
    """The contract's five gates, in the order their findings are shown."""
    return [PackageGate(), ManifestGate(), VersionGate(), SignatureGate(), SmokeGate()]


class Marketplace:
    """Submit, review, approve, publish, yank; list and search what is published.

    :param store: where submissions live (the caller owns and closes it).
    :param gates: the validation gates; :func:`default_gates` when None.
    :param limits: what a package may contain (checked at submit and by the gates).
    :param max_open: open submissions one author may hold (the store's quota).
    :param staging: the root of the working folders the gates unpack into (see
        ``_staging``); a per-user folder in the temporary folder when None.
    """

    def __init__(
        self,
        store: MarketStore,
        *,
        gates: Sequence[Gate] | None = None,
        limits: PackageLimits = DEFAULT_LIMITS,
        max_open: int = DEFAULT_MAX_OPEN,
        staging: Path | None = None,
    ) -> None:
        self.store = store
        self.gates: Final = list(default_gates() if gates is None else gates)
        self.limits = limits
        self.max_open = max_open
        self.staging = staging

    # -- author ---------------------------------------------------------------------------

    def submit(self, package: bytes, *, actor: str) -> Submission:
        """Store a package and create a ``draft`` submission for the mod version it holds.

        The package's safety is checked before anything is stored; only ``id`` and
        ``version`` are read here; the full schema is a gate.

        :raises PackageUnsafe: the package is not safe (every reason in ``details``), or has
            no readable ``mod.toml``.
        :raises ManifestInvalid: ``mod.toml`` has no usable id or version.
        :raises MarketForbidden: the mod belongs to another author.
        :raises QuotaExceeded: the author has ``max_open`` open submissions already.
        """
        mod_id, version, manifest = identify_package(package, self.limits)
        open_now = self.store.open_submissions(actor)
        if open_now >= self.max_open:  # before storing the artifact; re-checked atomically
            raise QuotaExceeded(
                f"'{actor}' already has {open_now} open submissions (draft, review or changes "
                f"requested); the store allows {self.max_open}",
                hint="finish or withdraw some first: 'modhost market history MOD' lists them",
                details={"open": open_now, "quota": self.max_open},
            )
        artifact = self.store.put_artifact(package)
        return self.store.create_submission(
            mod_id=mod_id,
            version=version,
            author=actor,
            artifact=artifact,
            manifest=manifest,
            max_open=self.max_open,
        )

    def revise(self, submission_id: int, package: bytes, *, actor: str) -> Submission:
        """``changes_requested`` -> ``draft`` with a new package (the author only)."""
        sub = self.store.get(submission_id)
        mod_id, version, manifest = identify_package(package, self.limits)
        if mod_id != sub.mod_id:
            raise MarketForbidden(
                f"submission {submission_id} is for {sub.mod_id}, the package is {mod_id}",
                mod_id=mod_id,
                hint="submit it as a new submission instead",
            )
        self._check(sub, State.DRAFT, actor, "")
        artifact = self.store.put_artifact(package)
        return self._commit(
            sub,
            State.DRAFT,
            actor,
            f"new package {artifact[:12]}",
            new_package=(artifact, version, manifest),
        )

    def request_review(
        self, submission_id: int, *, actor: str, defer_gates: bool = False
    ) -> Submission:
        """``draft`` -> ``review``: runs every gate and records the findings.

        :param defer_gates: enter ``review`` at once with the gates not run yet
            (``gates_passed`` None: "validating"); a worker runs them later and records the
            findings with :meth:`record_gates`. Approval waits for them.
        """
        sub = self.store.get(submission_id)
        self._check(sub, State.REVIEW, actor, "")
        if defer_gates:
            return self._commit(sub, State.REVIEW, actor, "review requested; gates queued")
        findings = run_gates(
            sub,
            self.store.get_artifact(sub.artifact),
            self.store,
            self.gates,
            limits=self.limits,
            staging=self.staging,
        )
        return self._commit(sub, State.REVIEW, actor, "review requested", findings=findings)

    def run_deferred_gates(
        self,
        submission_id: int,
        revision: int,
        *,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> Submission | None:
        """Run the gates a deferred review queued and record their findings.

        Idempotent: returns None (and records nothing) when the submission is no longer the
        validating ``review`` at ``revision`` (findings already in, or it moved on), so a
        job that runs twice records its findings once.
        """
        sub = self.store.get(submission_id)
        if not is_validating(sub, revision):
            return None
        data = self.store.get_artifact(sub.artifact)
        findings = run_gates(
            sub, data, self.store, self.gates, limits=self.limits, progress=progress
        )
        return self.record_gates(submission_id, revision, findings)

    def record_gates(
        self, submission_id: int, revision: int, findings: Sequence[Finding]
    ) -> Submission | None:
        """Record gate findings on a validating review (compare-and-set on ``revision``);
        None when they were already recorded or the submission moved on."""
        sub = self.store.get(submission_id)
        if not is_validating(sub, revision):
            return None
        try:
            return self.store.transition(
                submission_id,
                expected_state=State.REVIEW,
                expected_revision=revision,
                to_state=State.REVIEW,
                actor=GATES_ACTOR,
                reason="gates finished",
                findings=findings,
            )
        except ConcurrentUpdate:
            return None

    # -- reviewer and maintainer ----------------------------------------------------------

    def approve(self, submission_id: int, *, actor: str, reason: str = "") -> Submission:
        """``review`` -> ``approved`` (a reviewer who is not the author; gates passed)."""
        return self._move(submission_id, State.APPROVED, actor, reason)

    def request_changes(self, submission_id: int, *, actor: str, reason: str) -> Submission:
        """``review`` -> ``changes_requested`` (a reviewer, with a reason)."""
        return self._move(submission_id, State.CHANGES_REQUESTED, actor, reason)

    def reject(self, submission_id: int, *, actor: str, reason: str) -> Submission:
        """``review`` -> ``rejected`` (a reviewer, with a reason; final)."""
        return self._move(submission_id, State.REJECTED, actor, reason)

    def publish(self, submission_id: int, *, actor: str, reason: str = "") -> Submission:
        """``approved`` -> ``published`` (a maintainer)."""
        return self._move(submission_id, State.PUBLISHED, actor, reason)

    def yank(self, submission_id: int, *, actor: str, reason: str) -> Submission:
        """``published`` -> ``yanked`` (a maintainer, with a reason; final)."""
        return self._move(submission_id, State.YANKED, actor, reason)

    def move(
        self, submission_id: int, to_state: State, *, actor: str, reason: str = ""
    ) -> Submission:
        """Any transition by target state (the CLI and tests use it for invalid ones too).

        :raises InvalidTransition: not in the contract, or not this actor's to make.
        """
        if to_state is State.REVIEW:
            return self.request_review(submission_id, actor=actor)
        return self._move(submission_id, to_state, actor, reason)

    def _move(self, submission_id: int, to_state: State, actor: str, reason: str) -> Submission:
        sub = self.store.get(submission_id)
        rule = self._check(sub, to_state, actor, reason)
        if rule.needs_package:
            raise InvalidTransition(
                f"submission {sub.id} ({sub.mod_id}) goes back to draft only with a new package",
                mod_id=sub.mod_id,
                hint=f"modhost market submit PKG --revise {sub.id}",
            )
        if rule.needs_gates_passed and not sub.gates_passed:
            raise validation_failed(sub)
        guard = None
        if to_state in (State.APPROVED, State.PUBLISHED):
            # Another version may have been approved or published since the gates ran:
            # checked now for a quick answer, and again inside the transaction that commits.
            early = version_not_newer(self.store, sub, Version(sub.version), gate="publish")
            raise_late(sub, early)
            guard = version_guard(sub)
        return self._commit(sub, to_state, actor, reason, guard=guard)

    def _commit(
        self,
        sub: Submission,
        to_state: State,
        actor: str,
        reason: str,
        *,
        findings: Sequence[Finding] | None = None,
        new_package: tuple[str, str, Mapping[str, Any]] | None = None,
        guard: Guard | None = None,
    ) -> Submission:
        """Make the move, compare-and-set on the state and revision ``sub`` was read at."""
        return self.store.transition(
            sub.id,
            expected_state=sub.state,
            expected_revision=sub.revision,
            to_state=to_state,
            actor=actor,
            reason=reason,
            findings=findings,
            new_package=new_package,
            guard=guard,
        )

    def _check(self, sub: Submission, to_state: State, actor: str, reason: str) -> Rule:
        return check_transition(
            submission_id=sub.id,
            mod_id=sub.mod_id,
            from_state=sub.state,
            to_state=to_state,
            actor=actor,
            author=sub.author,
            roles=self.store.roles_of(actor),
            reason=reason,
        )

    def register_key(self, author: str, public_key_pem: str, *, actor: str) -> str:
        """Register an author's Ed25519 public key (PEM); return its key id.

        Authors register their own keys; a maintainer may register anyone's.

        :raises SigningKeyInvalid: not an Ed25519 public key.
        :raises MarketForbidden: ``actor`` is neither ``author`` nor a maintainer.
        """
        self._check_key_actor(actor, author, "register keys for")
        key = parse_public_key(public_key_pem, source=f"{author}'s public key")
        self.store.register_key(author, key.key_id, key.to_pem(), actor=actor)
        return key.key_id

    def revoke_key(self, author: str, key_id: str, *, actor: str) -> None:
        """Revoke an author's key (the author or a maintainer). Packages signed with it stop
        passing the signature gate and stop installing.

        :raises MarketForbidden: ``actor`` may not, or the key is not registered.
        """
        self._check_key_actor(actor, author, "revoke keys of")
        if not self.store.remove_key(author, key_id, actor=actor):
            raise MarketForbidden(
                f"'{author}' has no registered key {key_id}",
                hint="'modhost market keys NAME' lists the registered keys",
            )

    def _check_key_actor(self, actor: str, author: str, action: str) -> None:
        """Authors manage their own keys; a maintainer may manage anyone's."""
        if actor != author and "maintainer" not in self.store.roles_of(actor):
            raise MarketForbidden(
                f"'{actor}' cannot {action} '{author}'",
                hint=f"run it as --as {author}, or ask a maintainer",
            )

    def grant_role(self, name: str, role: str, *, actor: str) -> None:
        """Give ``name`` the ``reviewer`` or ``maintainer`` role (maintainers only, except
        the very first grant in an empty store)."""
        if role not in GRANTABLE_ROLES:
            raise MarketForbidden(
                f"unknown role '{role}'",
                hint=f"roles: {', '.join(sorted(GRANTABLE_ROLES))}",
            )
        self.store.grant_role(name, role, actor=actor)

    # -- reading --------------------------------------------------------------------------

    def review_queue(self) -> list[Submission]:
        """Submissions waiting for a reviewer, oldest first."""
        return self.store.submissions(state=State.REVIEW)

    def published(self, mod_id: str | None = None) -> list[Submission]:
        """Published submissions only (what listing and install may ever show)."""
        return self.store.submissions(state=State.PUBLISHED, mod_id=mod_id)

    def search(self, text: str) -> list[Submission]:
        """Published submissions whose id, name or description contains ``text``."""
        needle = text.casefold()
        return [
            s
            for s in self.published()
            if needle
            in " ".join(
                str(s.manifest.get(k, "")) for k in ("id", "name", "description")
            ).casefold()
        ]

    def history(self, submission_id: int) -> list[HistoryEntry]:
        """Every transition of a submission, in order."""
        return self.store.history(submission_id)

    def show(self, submission_id: int) -> dict[str, Any]:
        """Everything a reviewer needs: the submission, its findings, the file diff against
        the highest published version of the mod, and the history."""
        sub = self.store.get(submission_id)
        previous = [s for s in self.published(sub.mod_id) if s.id != sub.id]
        base = max(previous, key=lambda s: Version(s.version), default=None)
        unsafe = [
            f
            for f in inspect_package(
                self.store.get_artifact(sub.artifact), mod_id=sub.mod_id, limits=self.limits
            )
            if f.code == DiagnosticCode.PACKAGE_UNSAFE
        ]
        diff = None
        if base is not None and not unsafe:
            diff = {
                "against": {"id": base.id, "version": base.version},
                **file_diff(
                    self.store.get_artifact(base.artifact), self.store.get_artifact(sub.artifact)
                ),
            }
        return {
            "submission": sub.to_dict(),
            "diff": diff,
            "history": [h.to_dict() for h in self.history(submission_id)],
            # Why the diff is missing: a package stored before a limit it now breaks.
            "package_unsafe": [f.to_dict() for f in unsafe],
        }
