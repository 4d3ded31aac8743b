"""The marketplace over HTTP, with the local :class:`Marketplace`'s shape.

:class:`RemoteMarket` has the methods ``modhost market`` calls on a local marketplace, so
every command runs unchanged against a server. The ``actor`` arguments are ignored: over
HTTP the server decides who is acting, from the token. :class:`RemoteStore` answers the
read side of :class:`MarketStore` (what ``show``, ``history`` and ``install`` read); its
write methods refuse, because every change goes through the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from .._errors import MarketForbidden, SubmissionNotFound
from .._model import AuditRecord, AuthorKey, Finding, HistoryEntry, Submission
from .._states import State
from .._store import MarketStore
from ._http import MarketClient

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


class RemoteStore(MarketStore):
    """The read side of a store, answered by a server's API."""

    def __init__(self, client: MarketClient) -> None:
        self.client = client
        self.url = client.url
        self._artifact_owner: dict[str, int] = {}

    def _remember(self, subs: list[Submission]) -> list[Submission]:
        for sub in subs:
            self._artifact_owner[sub.artifact] = sub.id
        return subs

    def put_artifact(self, data: bytes) -> str:
        _read_only()

    def get_artifact(self, sha256: str) -> bytes:
        """Download the package of a submission seen through this store; the bytes are
        returned as served (callers compare them with the digest they trust)."""
        owner = self._artifact_owner.get(sha256)
        if owner is None:
            raise SubmissionNotFound(f"no known submission has artifact {sha256[:16]}...")
        data, _ = self.client.download(f"/submissions/{owner}/package")
        return data

    def create_submission(self, **_: Any) -> Submission:
        _read_only()

    def transition(self, submission_id: int, **_: Any) -> Submission:
        _read_only()

    def get(self, submission_id: int) -> Submission:
        doc = self.client.call("GET", f"/submissions/{submission_id}")
        return self._remember([submission_from_dict(doc["submission"])])[0]

    def submissions(
        self, *, state: State | None = None, mod_id: str | None = None
    ) -> list[Submission]:
        """Published ones (any caller), or the caller's visible ones of one mod."""
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
        return self._remember([s for s in subs if state is None or s.state == state])

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
        doc = self.client.call("GET", f"/keys/{author}")
        return [
            AuthorKey(author, str(k["key_id"]), str(k["public_key"]), str(k["added_at"]))
            for k in doc["keys"]
        ]

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

    def __init__(self, client: MarketClient) -> None:
        self.client = client
        self.store = RemoteStore(client)

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
        return self._sub(self.client.call("POST", f"/submissions/{submission_id}/review"))

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
