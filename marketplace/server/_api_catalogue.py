"""``/api/v1`` catalogue: the signed index and its key, published mods, and search."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request, Response

from ..signing import SigningKey
from ..store import SubmissionNotFound
from ._api_common import ok
from ._auth import client_address, context, optional_caller
from ._index import current_index

router = APIRouter()

MAX_SEARCH: Final = 200


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
    return ok(key_id=key.key_id, public_key=key.public_key.to_pem())


@router.get("/mods", tags=["catalogue"])
def published(request: Request, mod: str | None = None) -> dict[str, Any]:
    """Published submissions (nothing else is ever listed)."""
    subs = context(request).handle().market.published(mod)
    return ok(submissions=[s.to_dict() for s in subs])


@router.get("/search", tags=["catalogue"])
def search(request: Request, q: Annotated[str, Query(max_length=200)] = "") -> dict[str, Any]:
    """Published submissions whose id, name or description contains ``q`` (rate limited
    per account and address)."""
    ctx = context(request)
    handle = ctx.handle()
    caller = optional_caller(request, handle)
    keys = [f"addr:{client_address(request)}"] + ([f"acct:{caller.name}"] if caller else [])
    ctx.limiter.check("search", *keys)
    return ok(submissions=[s.to_dict() for s in handle.market.search(q)[:MAX_SEARCH]])
