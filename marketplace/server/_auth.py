"""Who is asking: the one place a request's credential becomes an actor name.

An API request proves who it is with ``Authorization: Bearer <token>`` (the CLI, scripts);
cookies are never accepted here, so the JSON API needs no CSRF defence (the portal's
session cookie is read only by :mod:`._web`, whose forms carry CSRF tokens). Nothing a
client sends names the actor directly: there is no ``--as`` over HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from ._context import STAFF, Handle, ServerContext
from ._errors import Unauthenticated


@dataclass(frozen=True)
class Caller:
    """The authenticated actor of a request, with the roles the store grants them."""

    name: str
    roles: frozenset[str]

    @property
    def is_staff(self) -> bool:
        """Reviewers and maintainers see every submission."""
        return bool(self.roles & STAFF)

    @property
    def is_maintainer(self) -> bool:
        return "maintainer" in self.roles


def context(request: Request) -> ServerContext:
    """The app's shared context."""
    ctx: ServerContext = request.app.state.ctx
    return ctx


def client_address(request: Request) -> str:
    """The peer address (no proxy headers are trusted: they are client-controlled)."""
    return request.client.host if request.client else "unknown"


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def optional_caller(request: Request, handle: Handle) -> Caller | None:
    """The caller when the request carries a credential, else None.

    :raises Unauthenticated: a credential was sent and it is not valid (never silently
        downgraded to anonymous).
    """
    token = bearer_token(request)
    if token is None:
        return None
    name = handle.accounts.owner_of(token)
    return Caller(name, handle.store.roles_of(name))


def require_caller(request: Request, handle: Handle) -> Caller:
    """The caller; anonymous requests are refused.

    :raises Unauthenticated: no credential, or an invalid one.
    """
    caller = optional_caller(request, handle)
    if caller is None:
        raise Unauthenticated(
            "this action needs an account",
            hint="log in first: modhost market login --server URL --name NAME",
        )
    return caller
