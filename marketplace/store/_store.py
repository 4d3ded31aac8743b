"""The store interface: what the rest of the marketplace talks to.

Every state change is one database transaction that updates the submission with a
compare-and-set on ``(state, revision)`` and appends its history row; either both land or
neither does, and two actors racing on one submission cannot both win. Artifacts are
immutable and addressed by their SHA-256, so writing one before the transaction that
references it is always safe (a crash leaves at most an unreferenced blob, never a reference
to a missing one).

The SQL both backends share is :class:`._sql.SqlStore`.
"""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Final, Self

from ._model import AuditRecord, AuthorKey, Finding, HistoryEntry, Submission
from ._states import State

#: States in which a submission counts against its author's quota.
OPEN_STATES: Final = (State.DRAFT, State.REVIEW, State.CHANGES_REQUESTED)
#: States that hold a version of a mod for good: at most one submission per version.
TAKEN_STATES: Final = (State.APPROVED, State.PUBLISHED, State.YANKED)

#: Called inside a transition's transaction with every other submission of the mod; raises
#: to abort the transition (see :meth:`MarketStore.transition`).
Guard = Callable[[Sequence["Submission"]], None]


def sha256_hex(data: bytes) -> str:
    """The content address of an artifact."""
    return hashlib.sha256(data).hexdigest()


class Tx(abc.ABC):
    """One open transaction (or autocommit reader); SQL uses ``?`` placeholders."""

    @abc.abstractmethod
    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query and return every row."""

    @abc.abstractmethod
    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement and return the number of rows it changed."""

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of a query, or None."""
        rows = self.all(sql, params)
        return rows[0] if rows else None


class MarketStore(abc.ABC):
    """Submissions, their history, author keys, roles and artifacts.

    Implementations are context managers with an idempotent :meth:`close`. Each write
    method is one transaction. Not thread-safe: give each thread its own store.
    """

    #: The URL the store was opened from (for messages).
    url: str

    # -- artifacts ------------------------------------------------------------------------

    @abc.abstractmethod
    def put_artifact(self, data: bytes) -> str:
        """Store ``data`` durably under its SHA-256 and return the hex digest (idempotent)."""

    @abc.abstractmethod
    def get_artifact(self, sha256: str) -> bytes:
        """The bytes stored under ``sha256``.

        :raises SubmissionNotFound: no such artifact.
        """

    # -- submissions ----------------------------------------------------------------------

    @abc.abstractmethod
    def create_submission(
        self,
        *,
        mod_id: str,
        version: str,
        author: str,
        artifact: str,
        manifest: Mapping[str, Any],
        max_open: int | None = None,
    ) -> Submission:
        """Create a submission in ``draft`` with its first history row. Two first
        submissions of a new mod at once by its author both land; by two authors, the
        second gets ``MARKET_FORBIDDEN``.

        :param max_open: the author's quota of open submissions (draft, review, changes
            requested), checked in the same transaction; None for no quota.
        :raises MarketForbidden: the mod exists and belongs to another author.
        :raises QuotaExceeded: the author already has ``max_open`` open submissions.
        """

    @abc.abstractmethod
    def open_submissions(self, author: str) -> int:
        """How many of ``author``'s submissions are open (count against the quota)."""

    @abc.abstractmethod
    def transition(
        self,
        submission_id: int,
        *,
        expected_state: State,
        expected_revision: int,
        to_state: State,
        actor: str,
        reason: str = "",
        findings: Sequence[Finding] | None = None,
        new_package: tuple[str, str, Mapping[str, Any]] | None = None,
        guard: Guard | None = None,
    ) -> Submission:
        """Move a submission, compare-and-set on ``(expected_state, expected_revision)``.

        The caller checked the move against the state machine; this only makes it atomic.

        :param guard: called inside the transaction, after the mod is locked against other
            transitions of its submissions, with every other submission of the mod; it
            raises to abort (the approve and publish steps check the version there).

        :param findings: gate results to record (sets ``gates_passed``).
        :param new_package: ``(artifact, version, manifest)`` replacing the package; clears
            the findings (the new package has not been through the gates).
        :raises SubmissionNotFound: no such submission.
        :raises ConcurrentUpdate: the submission is no longer in the expected state/revision.
        """

    @abc.abstractmethod
    def get(self, submission_id: int) -> Submission:
        """One submission. :raises SubmissionNotFound:"""

    @abc.abstractmethod
    def submissions(
        self, *, state: State | None = None, mod_id: str | None = None
    ) -> list[Submission]:
        """Submissions, oldest first, filtered by state and/or mod."""

    @abc.abstractmethod
    def history(self, submission_id: int) -> list[HistoryEntry]:
        """Every history row of a submission, in order. :raises SubmissionNotFound:"""

    @abc.abstractmethod
    def mod_owner(self, mod_id: str) -> str | None:
        """The author who first submitted ``mod_id``, or None."""

    # -- people ---------------------------------------------------------------------------

    @abc.abstractmethod
    def register_key(self, author: str, key_id: str, public_key: str, *, actor: str) -> None:
        """Register (or re-register) an author's public key."""

    @abc.abstractmethod
    def remove_key(self, author: str, key_id: str, *, actor: str) -> bool:
        """Revoke a registered key; True when it was there. Packages signed with it no
        longer pass the signature gate or install."""

    @abc.abstractmethod
    def keys_for(self, author: str) -> list[AuthorKey]:
        """The public keys registered for ``author``."""

    @abc.abstractmethod
    def grant_role(self, name: str, role: str, *, actor: str) -> None:
        """Give ``name`` a role. Until the store has a maintainer anyone may grant roles
        (bootstrap); afterwards only maintainers do.

        :raises MarketForbidden: ``actor`` is not a maintainer.
        """

    @abc.abstractmethod
    def roles_of(self, name: str) -> frozenset[str]:
        """The roles granted to ``name``."""

    @abc.abstractmethod
    def audit_log(self) -> list[AuditRecord]:
        """Every key registration, key revocation and role grant, oldest first (transitions
        are in :meth:`history`)."""

    # -- lifecycle ------------------------------------------------------------------------

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection. Idempotent."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
