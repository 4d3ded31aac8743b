"""The server's own errors, and how every marketplace error maps to an HTTP status.

::

    MarketError
    ├── Unauthenticated      MARKET_UNAUTHENTICATED: no, a wrong, an expired or a revoked
    │                        credential (401)
    ├── RateLimited          MARKET_RATE_LIMITED: too many requests of one kind (429)
    └── RequestInvalid       MARKET_REQUEST_INVALID: a malformed body, an upload that is not
                             multipart or has no package, or is over its cap (400 / 413)
"""

from __future__ import annotations

from typing import Final

from host_api import DiagnosticCode

from ..store import MarketError


class Unauthenticated(MarketError):
    """The request carries no valid credential for an action that needs one."""

    code = DiagnosticCode.MARKET_UNAUTHENTICATED


class RateLimited(MarketError):
    """One account or one address made too many requests of one kind in the window."""

    code = DiagnosticCode.MARKET_RATE_LIMITED


class RequestInvalid(MarketError):
    """A request the server refuses before it reaches the marketplace (bad body, upload
    not multipart, over its size cap)."""

    code = DiagnosticCode.MARKET_REQUEST_INVALID


#: The HTTP status for each code; anything else a marketplace error says is a 400.
STATUS: Final[dict[str, int]] = {
    DiagnosticCode.MARKET_UNAUTHENTICATED: 401,
    DiagnosticCode.MARKET_FORBIDDEN: 403,
    DiagnosticCode.MARKET_NOT_FOUND: 404,
    DiagnosticCode.MARKET_CONFLICT: 409,
    DiagnosticCode.MARKET_INVALID_TRANSITION: 409,
    DiagnosticCode.MARKET_VALIDATION_FAILED: 422,
    DiagnosticCode.PACKAGE_UNSAFE: 422,
    DiagnosticCode.MANIFEST_INVALID: 422,
    DiagnosticCode.MARKET_RATE_LIMITED: 429,
    DiagnosticCode.MARKET_STORE_INVALID: 503,
}


def http_status(code: str, *, too_large: bool = False) -> int:
    """The status for a diagnostic code (413 for an upload over its cap)."""
    return 413 if too_large else STATUS.get(code, 400)
