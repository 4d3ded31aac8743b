"""The marketplace over HTTP, with the local :class:`Marketplace`'s shape.

:class:`RemoteMarket` has the methods ``modhost market`` calls on a local marketplace, so
every command runs unchanged against a server. The ``actor`` arguments are ignored: over
HTTP the server decides who is acting, from the token. :class:`RemoteStore` answers the
read side of :class:`MarketStore` (what ``show``, ``history`` and ``install`` read); its
write methods refuse, because every change goes through the API.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, NoReturn

from host_api import DiagnosticCode

from .._index import IndexRejected, SignedIndex, check_package, verify_index
from ..signing import PublicKey, parse_public_key
from ..store import (
    AuditRecord,
    AuthorKey,
    Finding,
    HistoryEntry,
    MarketForbidden,
    MarketStore,
    State,
    Submission,
    sha256_hex,
)
from ._http import MarketClient

#: Seconds between polls while the gates of a submission run on a worker.
POLL_S: Final = 0.5
#: URL verb of each transition target (the API's ``/submissions/ID/VERB``).
VERBS = {
    State.APPROVED: "approve",
    State.REJECTED: "reject",
    State.CHANGES_REQUESTED: "request-changes",
    State.PUBLISHED: "publish",
    State.YANKED: "yank",
}


def submission_from_dict(data: Mapping[str, Any]) -> Submission:
    """Inverse of :meth:`Submission.to_dict`."""
    return Submission(
        id=int(data["id"]),
        mod_id=str(data["mod"]),
        version=str(data["version"]),
        author=str(data["author"]),
        state=State(data["state"]),
        artifact=str(data["artifact_sha256"]),
        manifest=dict(data.get("manifest") or {}),
        findings=tuple(Finding.from_dict(f) for f in data.get("findings") or ()),
        gates_passed=data.get("gates_passed"),
        revision=int(data["revision"]),
        created_at=str(data["created_at"]),
        updated_at=str(data["updated_at"]),
    )


def history_from_dict(data: Mapping[str, Any]) -> HistoryEntry:
    """Inverse of :meth:`HistoryEntry.to_dict`."""
    return HistoryEntry(
        submission_id=int(data["submission"]),
        seq=int(data["seq"]),
        from_state=None if data.get("from") is None else State(data["from"]),
        to_state=State(data["to"]),
        actor=str(data["actor"]),
        at=str(data["at"]),
        reason=str(data.get("reason", "")),
        findings=tuple(Finding.from_dict(f) for f in data.get("findings") or ()),
        artifact=str(data["artifact_sha256"]),
    )


@dataclass(frozen=True)
class IndexTrust:
    """What a client trusts of one market: its key, and the newest index version seen."""

    key: PublicKey
    min_version: int = 0
    #: Called with the version of each index that verified (to persist it).
    on_verified: Callable[[int], None] | None = None


class RemoteStore(MarketStore):
    """The read side of a store, answered by a server's API.

    With an :class:`IndexTrust`, what is published (releases, their authors' keys, the
    digest of each package) comes from the market's signed index, verified, and every
    downloaded package is checked against it: this is what ``install`` reads. Without one,
    packages cannot be downloaded through this store.
    """

    def __init__(self, client: MarketClient, trust: IndexTrust | None = None) -> None:
        self.client = client
        self.url = client.url
        self.trust = trust
        self._index: SignedIndex | None = None

    def signed_index(self) -> SignedIndex:
        """The market's signed index, fetched and verified once per store.

        :raises IndexRejected: no trusted key, or the index is altered, old or expired.
        """
        if self.trust is None:
            raise IndexRejected(
                f"no market key is trusted for {self.url}: packages from it cannot be verified",
                hint=f"modhost market --server {self.url} trust-market MARKET_KEY.pub",
            )
        if self._index is None:
            blob, _ = self.client.download("/index")
            index = verify_index(blob, self.trust.key, min_version=self.trust.min_version)
            if self.trust.on_verified is not None:
                self.trust.on_verified(index.version)
            self._index = index
        return self._index

    def put_artifact(self, data: bytes) -> str:
        _read_only()

    def get_artifact(self, sha256: str) -> bytes:
        """Download a package the signed index names, and check its digest against it.

        :raises IndexRejected: no trusted index, or the bytes are not the named release.
        """
        entry = self.signed_index().entry_for(sha256)
        if entry is None:
            raise IndexRejected(
                f"the signed index names no package {sha256[:16]}...",
                code=DiagnosticCode.MARKET_INDEX_MISMATCH,
                hint="only what the market published can be installed",
            )
        data, _ = self.client.download(f"/submissions/{entry.submission_id}/package")
        check_package(self.signed_index(), entry.to_submission(), data, sha256_hex(data))
        return data

    def create_submission(self, **_: Any) -> Submission:
        _read_only()

    def transition(self, submission_id: int, **_: Any) -> Submission:
        _read_only()

    def get(self, submission_id: int) -> Submission:
        doc = self.client.call("GET", f"/submissions/{submission_id}")
        return submission_from_dict(doc["submission"])

    def submissions(
        self, *, state: State | None = None, mod_id: str | None = None
    ) -> list[Submission]:
        """Published ones (from the signed index when one is trusted), or the caller's
        visible ones of one mod."""
        if state is State.PUBLISHED and self.trust is not None:
            entries = self.signed_index().entries
            return [e.to_submission() for e in entries if mod_id in (None, e.mod_id)]
        if state is State.PUBLISHED:
            params = {"mod": mod_id} if mod_id else {}
            doc = self.client.call("GET", "/mods", params=params)
        elif state is State.REVIEW:
            doc = self.client.call("GET", "/queue")
        elif mod_id is not None:
            doc = self.client.call("GET", f"/mods/{mod_id}/submissions")
        else:
            doc = self.client.call("GET", "/submissions")
        subs = [submission_from_dict(d) for d in doc["submissions"]]
        return [s for s in subs if state is None or s.state == state]

    def history(self, submission_id: int) -> list[HistoryEntry]:
        doc = self.client.call("GET", f"/submissions/{submission_id}/history")
        return [history_from_dict(h) for h in doc["history"]]

    def mod_owner(self, mod_id: str) -> str | None:
        subs = self.submissions(state=State.PUBLISHED, mod_id=mod_id)
        return subs[0].author if subs else None

    def register_key(self, author: str, key_id: str, public_key: str, *, actor: str) -> None:
        _read_only()

    def remove_key(self, author: str, key_id: str, *, actor: str) -> bool:
        _read_only()

    def keys_for(self, author: str) -> list[AuthorKey]:
        """From the signed index when one is trusted (the keys the market vouched for)."""
        if self.trust is not None:
            pems = self.signed_index().keys.get(author, ())
            return [AuthorKey(author, parse_public_key(p).key_id, p, "") for p in pems]
        doc = self.client.call("GET", f"/keys/{author}")
        return [
            AuthorKey(author, str(k["key_id"]), str(k["public_key"]), str(k["added_at"]))
            for k in doc["keys"]
        ]

    def open_submissions(self, author: str) -> int:
        # The quota is the server's to enforce, at submit, inside its own transaction.
        _read_only()

    def grant_role(self, name: str, role: str, *, actor: str) -> None:
        _read_only()

    def roles_of(self, name: str) -> frozenset[str]:
        return frozenset(self.client.call("GET", f"/roles/{name}")["roles"])

    def audit_log(self) -> list[AuditRecord]:
        rows = self.client.call("GET", "/audit-log")["audit_log"]
        return [
            AuditRecord(r["at"], r["actor"], r["action"], r["subject"], r["detail"]) for r in rows
        ]

    def close(self) -> None:
        self.client.close()


def _read_only() -> NoReturn:
    raise MarketForbidden(
        "a remote store changes only through the marketplace API",
        hint="this is a bug in the caller: use RemoteMarket's methods",
    )


class RemoteMarket:
    """The :class:`Marketplace` methods the CLI uses, as API calls (``actor`` ignored)."""

    #: Longest ``request_review`` waits for gates running on workers.
    validation_timeout_s: float = 900.0

    def __init__(self, client: MarketClient, trust: IndexTrust | None = None) -> None:
        self.client = client
        self.store = RemoteStore(client, trust)

    def _sub(self, doc: dict[str, Any]) -> Submission:
        return submission_from_dict(doc["submission"])

    def _upload(self, path: str, package: bytes) -> Submission:
        files = {"package": ("package.modpkg", package, "application/zip")}
        return self._sub(self.client.call("POST", path, files=files))

    def submit(self, package: bytes, *, actor: str = "") -> Submission:
        return self._upload("/submissions", package)

    def revise(self, submission_id: int, package: bytes, *, actor: str = "") -> Submission:
        return self._upload(f"/submissions/{submission_id}/package", package)

    def request_review(self, submission_id: int, *, actor: str = "") -> Submission:
        """Enter review and wait until the gates' findings are in (a server may run them
        on workers: the submission is "validating" meanwhile)."""
        sub = self._sub(self.client.call("POST", f"/submissions/{submission_id}/review"))
        deadline = time.monotonic() + self.validation_timeout_s
        while sub.state is State.REVIEW and sub.gates_passed is None:
            if time.monotonic() > deadline:
                break
            time.sleep(POLL_S)
            sub = self.store.get(submission_id)
        return sub

    def move(
        self, submission_id: int, to_state: State, *, actor: str = "", reason: str = ""
    ) -> Submission:
        if to_state is State.REVIEW:
            return self.request_review(submission_id)
        verb = VERBS.get(to_state, str(to_state))
        path = f"/submissions/{submission_id}/{verb}"
        return self._sub(self.client.call("POST", path, json={"reason": reason}))

    def review_queue(self) -> list[Submission]:
        return self.store.submissions(state=State.REVIEW)

    def published(self, mod_id: str | None = None) -> list[Submission]:
        return self.store.submissions(state=State.PUBLISHED, mod_id=mod_id)

    def search(self, text: str) -> list[Submission]:
        doc = self.client.call("GET", "/search", params={"q": text})
        return [submission_from_dict(d) for d in doc["submissions"]]

    def history(self, submission_id: int) -> list[HistoryEntry]:
        return self.store.history(submission_id)

    def show(self, submission_id: int) -> dict[str, Any]:
        doc = self.client.call("GET", f"/submissions/{submission_id}")
        return {k: v for k, v in doc.items() if k != "ok"}

    def register_key(self, author: str, public_key_pem: str, *, actor: str = "") -> str:
        doc = self.client.call("POST", f"/keys/{author}", json={"public_key": public_key_pem})
        return str(doc["key_id"])

    def revoke_key(self, author: str, key_id: str, *, actor: str = "") -> None:
        self.client.call("DELETE", f"/keys/{author}/{key_id}")

    def grant_role(self, name: str, role: str, *, actor: str = "") -> None:
        self.client.call("POST", "/roles", json={"name": name, "role": role})

    def close(self) -> None:
        self.store.close()
