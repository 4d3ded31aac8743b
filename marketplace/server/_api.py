"""The versioned JSON API, ``/api/v1``: every ``modhost market`` command, over HTTP.

Each handler authenticates (:mod:`._auth`), checks what only the server can know (who may
see an unpublished submission, rate limits), and calls the same :class:`Marketplace` method
the CLI calls locally; the state machine, gates and roles are enforced there. Answers have
the CLI's ``--json`` shape: ``{"ok": true, ...}``, or ``{"ok": false, "diagnostics":
[...]}`` with an HTTP status from :data:`._errors.STATUS`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from ..signing import SigningKey
from ..store import State, Submission, SubmissionNotFound
from ._accounts import DEFAULT_TOKEN_DAYS, MAX_PASSWORD, MAX_TOKEN_DAYS
from ._auth import Caller, client_address, context, optional_caller, require_caller
from ._context import Handle
from ._index import current_index
from ._upload import receive_submission
from ._workers import job_progress

router = APIRouter(prefix="/api/v1")

#: URL verb -> target state of a transition.
ACTIONS: Final = {
    "approve": State.APPROVED,
    "reject": State.REJECTED,
    "request-changes": State.CHANGES_REQUESTED,
    "publish": State.PUBLISHED,
    "yank": State.YANKED,
}
PUBLIC_STATES: Final = frozenset({State.PUBLISHED, State.YANKED})
MAX_SEARCH: Final = 200


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LoginBody(_Body):
    name: str = Field(max_length=64)
    password: str = Field(max_length=MAX_PASSWORD)
    days: float = Field(default=DEFAULT_TOKEN_DAYS, gt=0, le=MAX_TOKEN_DAYS)


class AccountBody(_Body):
    name: str = Field(max_length=64)
    password: str = Field(max_length=MAX_PASSWORD)


class TokenBody(_Body):
    name: str = Field(max_length=64)
    days: float = Field(default=DEFAULT_TOKEN_DAYS, gt=0, le=MAX_TOKEN_DAYS)
    label: str = Field(default="", max_length=100)


class ReasonBody(_Body):
    reason: str = Field(default="", max_length=4000)


class KeyBody(_Body):
    public_key: str = Field(max_length=4096)


class RoleBody(_Body):
    name: str = Field(max_length=64)
    role: str = Field(max_length=32)


def _ok(**document: Any) -> dict[str, Any]:
    return {"ok": True, **document}


def _session(request: Request) -> tuple[Handle, Caller]:
    handle = context(request).handle()
    return handle, require_caller(request, handle)


def can_see(sub: Submission, caller: Caller | None) -> bool:
    """Published and yanked submissions are public; the rest only to their author and to
    reviewers and maintainers."""
    if sub.state in PUBLIC_STATES:
        return True
    return caller is not None and (caller.name == sub.author or caller.is_staff)


def visible(request: Request, submission_id: int) -> tuple[Handle, Submission, Caller | None]:
    """The submission if the caller may see it.

    :raises SubmissionNotFound: no such submission, or one the caller may not see (the same
        answer, so ids of hidden submissions leak nothing).
    """
    handle = context(request).handle()
    caller = optional_caller(request, handle)
    sub = handle.store.get(submission_id)
    if not can_see(sub, caller):
        raise SubmissionNotFound(
            f"no submission {submission_id} visible to you",
            hint="log in as its author, a reviewer or a maintainer",
        )
    return handle, sub, caller


# -- identities ---------------------------------------------------------------------------


@router.post("/login", tags=["identities"])
def login(body: LoginBody, request: Request) -> dict[str, Any]:
    """Exchange an account's password for an API token (rate limited per account and
    address)."""
    ctx = context(request)
    ctx.limiter.check("login", f"acct:{body.name}", f"addr:{client_address(request)}")
    handle = ctx.handle()
    name = handle.accounts.authenticate(body.name, body.password)
    issued = handle.accounts.issue(name, actor=name, days=body.days, label="login")
    return _ok(token=issued.secret, **issued.info.to_dict())


@router.post("/logout", tags=["identities"])
def logout(request: Request) -> dict[str, Any]:
    """Revoke the token this request carries."""
    handle, caller = _session(request)
    token = request.headers["authorization"].partition(" ")[2].strip()
    handle.accounts.revoke_secret(token)
    return _ok(name=caller.name, revoked=True)


@router.get("/whoami", tags=["identities"])
def whoami(request: Request) -> dict[str, Any]:
    """The authenticated account and its roles."""
    _, caller = _session(request)
    return _ok(name=caller.name, roles=sorted(caller.roles))


@router.post("/accounts", tags=["identities"])
def create_account(body: AccountBody, request: Request) -> dict[str, Any]:
    """Create an account (maintainers)."""
    handle, caller = _session(request)
    handle.accounts.create(body.name, body.password, actor=caller.name)
    return _ok(name=body.name)


@router.post("/tokens", tags=["identities"])
def issue_token(body: TokenBody, request: Request) -> dict[str, Any]:
    """Issue an API token (maintainers for anyone; an account for itself). The secret is
    in this answer only."""
    handle, caller = _session(request)
    issued = handle.accounts.issue(body.name, actor=caller.name, days=body.days, label=body.label)
    return _ok(token=issued.secret, **issued.info.to_dict())


@router.get("/tokens/{name}", tags=["identities"])
def list_tokens(name: str, request: Request) -> dict[str, Any]:
    """An account's tokens, without secrets (the account itself or a maintainer)."""
    handle, caller = _session(request)
    if caller.name != name and not caller.is_maintainer:
        raise SubmissionNotFound(f"no tokens of '{name}' visible to you")
    return _ok(tokens=[t.to_dict() for t in handle.accounts.tokens(name)])


@router.delete("/tokens/{token_id}", tags=["identities"])
def revoke_token(token_id: str, request: Request) -> dict[str, Any]:
    """Revoke a token (its owner or a maintainer)."""
    handle, caller = _session(request)
    handle.accounts.revoke(token_id, actor=caller.name)
    return _ok(revoked=token_id)


@router.post("/roles", tags=["identities"])
def grant_role(body: RoleBody, request: Request) -> dict[str, Any]:
    """Grant ``reviewer`` or ``maintainer`` (maintainers)."""
    handle, caller = _session(request)
    handle.market.grant_role(body.name, body.role, actor=caller.name)
    return _ok(name=body.name, roles=sorted(handle.store.roles_of(body.name)))


@router.get("/roles/{name}", tags=["identities"])
def roles(name: str, request: Request) -> dict[str, Any]:
    """The roles of an account (public: who reviews is not a secret)."""
    return _ok(name=name, roles=sorted(context(request).handle().store.roles_of(name)))


@router.get("/keys/{author}", tags=["identities"])
def keys(author: str, request: Request) -> dict[str, Any]:
    """An author's registered public keys (public: installs verify against them)."""
    found = context(request).handle().store.keys_for(author)
    return _ok(
        author=author,
        keys=[
            {"key_id": k.key_id, "added_at": k.added_at, "public_key": k.public_key} for k in found
        ],
    )


@router.post("/keys/{author}", tags=["identities"])
def register_key(author: str, body: KeyBody, request: Request) -> dict[str, Any]:
    """Register an author's Ed25519 public key (the author, or a maintainer)."""
    handle, caller = _session(request)
    key_id = handle.market.register_key(author, body.public_key, actor=caller.name)
    return _ok(author=author, key_id=key_id)


@router.delete("/keys/{author}/{key_id}", tags=["identities"])
def revoke_key(author: str, key_id: str, request: Request) -> dict[str, Any]:
    """Revoke an author's key (the author, or a maintainer)."""
    handle, caller = _session(request)
    handle.market.revoke_key(author, key_id, actor=caller.name)
    return _ok(author=author, revoked=key_id)


@router.get("/audit-log", tags=["identities"])
def audit_log(request: Request) -> dict[str, Any]:
    """Key, role, account and token changes (reviewers and maintainers)."""
    handle, caller = _session(request)
    if not caller.is_staff:
        raise SubmissionNotFound("the audit log is visible to reviewers and maintainers only")
    return _ok(audit_log=[r.to_dict() for r in handle.store.audit_log()])


# -- submissions --------------------------------------------------------------------------


async def _upload(request: Request) -> tuple[bytes, dict[str, str]]:
    ctx = context(request)
    handle = await run_in_threadpool(ctx.handle)
    caller = await run_in_threadpool(require_caller, request, handle)
    upload = await receive_submission(request, caller.name)
    request.state.caller = caller
    return upload.package, upload.fields


@router.post("/submissions", tags=["submissions"])
async def submit(request: Request) -> dict[str, Any]:
    """Upload a ``.modpkg`` (multipart field ``package``): a new submission in ``draft``
    owned by the caller. The size cap is enforced while the body streams in."""
    package, _ = await _upload(request)
    caller: Caller = request.state.caller

    def run() -> Submission:
        return context(request).handle().market.submit(package, actor=caller.name)

    return _ok(submission=(await run_in_threadpool(run)).to_dict())


@router.post("/submissions/{submission_id}/package", tags=["submissions"])
async def revise(submission_id: int, request: Request) -> dict[str, Any]:
    """Give a submission in ``changes_requested`` a new package (its author)."""
    package, _ = await _upload(request)
    caller: Caller = request.state.caller

    def run() -> Submission:
        market = context(request).handle().market
        return market.revise(submission_id, package, actor=caller.name)

    return _ok(submission=(await run_in_threadpool(run)).to_dict())


@router.post("/submissions/{submission_id}/review", tags=["submissions"])
def request_review(submission_id: int, request: Request) -> dict[str, Any]:
    """``draft`` -> ``review``; runs the validation gates."""
    ctx = context(request)
    handle, caller = _session(request)
    if ctx.jobs is None:
        sub = handle.market.request_review(submission_id, actor=caller.name)
        return _ok(submission=sub.to_dict())
    sub = handle.market.request_review(submission_id, actor=caller.name, defer_gates=True)
    ctx.jobs.enqueue(handle.accounts.store, sub.id, sub.revision)
    return _ok(submission=sub.to_dict(), validation=_validation(handle, sub))


def _validation(handle: Handle, sub: Submission) -> dict[str, Any] | None:
    """Progress of the gates while a submission is "validating" (review, no findings yet)."""
    if sub.state is not State.REVIEW or sub.gates_passed is not None:
        return None
    return job_progress(handle.store, sub.id, sub.revision) or {"status": "queued"}


@router.post("/submissions/{submission_id}/{action}", tags=["submissions"])
def transition(
    submission_id: int, action: str, body: ReasonBody, request: Request
) -> dict[str, Any]:
    """approve, reject, request-changes, publish or yank, with a reason where needed."""
    target = ACTIONS.get(action)
    if target is None:
        raise SubmissionNotFound(
            f"no action '{action}'", hint=f"actions: {', '.join(sorted(ACTIONS))}"
        )
    handle, caller = _session(request)
    sub = handle.market.move(submission_id, target, actor=caller.name, reason=body.reason)
    return _ok(submission=sub.to_dict())


@router.get("/queue", tags=["submissions"])
def review_queue(request: Request) -> dict[str, Any]:
    """Submissions waiting for a reviewer (reviewers and maintainers)."""
    handle, caller = _session(request)
    if not caller.is_staff:
        raise SubmissionNotFound("the review queue is visible to reviewers and maintainers only")
    return _ok(submissions=[s.to_dict() for s in handle.market.review_queue()])


@router.get("/submissions", tags=["submissions"])
def my_submissions(request: Request) -> dict[str, Any]:
    """The caller's own submissions, every state."""
    handle, caller = _session(request)
    mine = [s for s in handle.store.submissions() if s.author == caller.name]
    return _ok(submissions=[s.to_dict() for s in mine])


@router.get("/submissions/{submission_id}", tags=["submissions"])
def show(submission_id: int, request: Request) -> dict[str, Any]:
    """Manifest, findings, file diff and history of a submission the caller may see."""
    handle, sub, _ = visible(request, submission_id)
    return _ok(**handle.market.show(submission_id), validation=_validation(handle, sub))


@router.get("/submissions/{submission_id}/history", tags=["submissions"])
def history(submission_id: int, request: Request) -> dict[str, Any]:
    """Every transition of a submission the caller may see."""
    handle, _, _ = visible(request, submission_id)
    return _ok(history=[h.to_dict() for h in handle.market.history(submission_id)])


@router.get("/mods/{mod_id}/submissions", tags=["submissions"])
def mod_submissions(mod_id: str, request: Request) -> dict[str, Any]:
    """The submissions of a mod that the caller may see."""
    handle = context(request).handle()
    caller = optional_caller(request, handle)
    subs = [s for s in handle.store.submissions(mod_id=mod_id) if can_see(s, caller)]
    return _ok(submissions=[s.to_dict() for s in subs])


@router.get("/mods/{mod_id}/history", tags=["submissions"])
def mod_history(mod_id: str, request: Request) -> dict[str, Any]:
    """Every transition of the submissions of a mod that the caller may see."""
    handle = context(request).handle()
    caller = optional_caller(request, handle)
    subs = [s for s in handle.store.submissions(mod_id=mod_id) if can_see(s, caller)]
    rows = [h.to_dict() for s in subs for h in handle.market.history(s.id)]
    return _ok(history=rows)


@router.get("/submissions/{submission_id}/package", tags=["catalogue"])
def download(submission_id: int, request: Request) -> Response:
    """The ``.modpkg`` bytes of a submission the caller may see."""
    handle, sub, _ = visible(request, submission_id)
    data = handle.store.get_artifact(sub.artifact)
    return Response(
        data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{sub.mod_id}-{sub.version}.modpkg"',
            "X-Content-SHA256": sub.artifact,
        },
    )


# -- catalogue ----------------------------------------------------------------------------


def _market_key(request: Request) -> SigningKey:
    key = context(request).config.market_key
    if key is None:
        raise SubmissionNotFound(
            "this market signs no index (it was started without a market key)",
            hint="start it with 'modhost market serve --market-key FILE'",
        )
    return key


@router.get("/index", tags=["catalogue"])
def signed_index(request: Request) -> Response:
    """The signed index of published releases (verify it with the market's public key)."""
    ctx = context(request)
    key = _market_key(request)
    body = current_index(
        ctx.handle().accounts.store, key, timedelta(seconds=ctx.config.index_ttl_s)
    )
    return Response(body, media_type="application/json")


@router.get("/index/key", tags=["catalogue"])
def index_key(request: Request) -> dict[str, Any]:
    """The market's public key (compare its id with the one the operator publishes)."""
    key = _market_key(request)
    return _ok(key_id=key.key_id, public_key=key.public_key.to_pem())


@router.get("/mods", tags=["catalogue"])
def published(request: Request, mod: str | None = None) -> dict[str, Any]:
    """Published submissions (nothing else is ever listed)."""
    subs = context(request).handle().market.published(mod)
    return _ok(submissions=[s.to_dict() for s in subs])


@router.get("/search", tags=["catalogue"])
def search(request: Request, q: Annotated[str, Query(max_length=200)] = "") -> dict[str, Any]:
    """Published submissions whose id, name or description contains ``q`` (rate limited
    per account and address)."""
    ctx = context(request)
    handle = ctx.handle()
    caller = optional_caller(request, handle)
    keys = [f"addr:{client_address(request)}"] + ([f"acct:{caller.name}"] if caller else [])
    ctx.limiter.check("search", *keys)
    return _ok(submissions=[s.to_dict() for s in handle.market.search(q)[:MAX_SEARCH]])
