"""``/api/v1`` identities: logging in and out, accounts, tokens, roles, author keys and the
audit log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field

from ..store import SubmissionNotFound
from ._accounts import DEFAULT_TOKEN_DAYS, MAX_PASSWORD, MAX_TOKEN_DAYS
from ._api_common import Body, ok, session
from ._auth import client_address, context

router = APIRouter()


class LoginBody(Body):
    name: str = Field(max_length=64)
    password: str = Field(max_length=MAX_PASSWORD)
    days: float = Field(default=DEFAULT_TOKEN_DAYS, gt=0, le=MAX_TOKEN_DAYS)


class AccountBody(Body):
    name: str = Field(max_length=64)
    password: str = Field(max_length=MAX_PASSWORD)


class TokenBody(Body):
    name: str = Field(max_length=64)
    days: float = Field(default=DEFAULT_TOKEN_DAYS, gt=0, le=MAX_TOKEN_DAYS)
    label: str = Field(default="", max_length=100)


class ReasonBody(Body):
    reason: str = Field(default="", max_length=4000)


class KeyBody(Body):
    public_key: str = Field(max_length=4096)


class RoleBody(Body):
    name: str = Field(max_length=64)
    role: str = Field(max_length=32)


@router.post("/login", tags=["identities"])
def login(body: LoginBody, request: Request) -> dict[str, Any]:
    """Exchange an account's password for an API token (rate limited per account and
    address)."""
    ctx = context(request)
    ctx.limiter.check("login", f"acct:{body.name}", f"addr:{client_address(request)}")
    handle = ctx.handle()
    name = handle.accounts.authenticate(body.name, body.password)
    issued = handle.accounts.issue(name, actor=name, days=body.days, label="login")
    return ok(token=issued.secret, **issued.info.to_dict())


@router.post("/logout", tags=["identities"])
def logout(request: Request) -> dict[str, Any]:
    """Revoke the token this request carries."""
    handle, caller = session(request)
    token = request.headers["authorization"].partition(" ")[2].strip()
    handle.accounts.revoke_secret(token)
    return ok(name=caller.name, revoked=True)


@router.get("/whoami", tags=["identities"])
def whoami(request: Request) -> dict[str, Any]:
    """The authenticated account and its roles."""
    _, caller = session(request)
    return ok(name=caller.name, roles=sorted(caller.roles))


@router.post("/accounts", tags=["identities"])
def create_account(body: AccountBody, request: Request) -> dict[str, Any]:
    """Create an account (maintainers)."""
    handle, caller = session(request)
    handle.accounts.create(body.name, body.password, actor=caller.name)
    return ok(name=body.name)


@router.post("/tokens", tags=["identities"])
def issue_token(body: TokenBody, request: Request) -> dict[str, Any]:
    """Issue an API token (maintainers for anyone; an account for itself). The secret is
    in this answer only."""
    handle, caller = session(request)
    issued = handle.accounts.issue(body.name, actor=caller.name, days=body.days, label=body.label)
    return ok(token=issued.secret, **issued.info.to_dict())


@router.get("/tokens/{name}", tags=["identities"])
def list_tokens(name: str, request: Request) -> dict[str, Any]:
    """An account's tokens, without secrets (the account itself or a maintainer)."""
    handle, caller = session(request)
    if caller.name != name and not caller.is_maintainer:
        raise SubmissionNotFound(f"no tokens of '{name}' visible to you")
    return ok(tokens=[t.to_dict() for t in handle.accounts.tokens(name)])


@router.delete("/tokens/{token_id}", tags=["identities"])
def revoke_token(token_id: str, request: Request) -> dict[str, Any]:
    """Revoke a token (its owner or a maintainer)."""
    handle, caller = session(request)
    handle.accounts.revoke(token_id, actor=caller.name)
    return ok(revoked=token_id)


@router.post("/roles", tags=["identities"])
def grant_role(body: RoleBody, request: Request) -> dict[str, Any]:
    """Grant ``reviewer`` or ``maintainer`` (maintainers)."""
    handle, caller = session(request)
    handle.market.grant_role(body.name, body.role, actor=caller.name)
    return ok(name=body.name, roles=sorted(handle.store.roles_of(body.name)))


@router.get("/roles/{name}", tags=["identities"])
def roles(name: str, request: Request) -> dict[str, Any]:
    """The roles of an account (public: who reviews is not a secret)."""
    return ok(name=name, roles=sorted(context(request).handle().store.roles_of(name)))


@router.get("/keys/{author}", tags=["identities"])
def keys(author: str, request: Request) -> dict[str, Any]:
    """An author's registered public keys (public: installs verify against them)."""
    found = context(request).handle().store.keys_for(author)
    return ok(
        author=author,
        keys=[
            {"key_id": k.key_id, "added_at": k.added_at, "public_key": k.public_key} for k in found
        ],
    )


@router.post("/keys/{author}", tags=["identities"])
def register_key(author: str, body: KeyBody, request: Request) -> dict[str, Any]:
    """Register an author's Ed25519 public key (the author, or a maintainer)."""
    handle, caller = session(request)
    key_id = handle.market.register_key(author, body.public_key, actor=caller.name)
    return ok(author=author, key_id=key_id)


@router.delete("/keys/{author}/{key_id}", tags=["identities"])
def revoke_key(author: str, key_id: str, request: Request) -> dict[str, Any]:
    """Revoke an author's key (the author, or a maintainer)."""
    handle, caller = session(request)
    handle.market.revoke_key(author, key_id, actor=caller.name)
    return ok(author=author, revoked=key_id)


@router.get("/audit-log", tags=["identities"])
def audit_log(request: Request) -> dict[str, Any]:
    """Key, role, account and token changes (reviewers and maintainers)."""
    handle, caller = session(request)
    if not caller.is_staff:
        raise SubmissionNotFound("the audit log is visible to reviewers and maintainers only")
    return ok(audit_log=[r.to_dict() for r in handle.store.audit_log()])
