"""Marketplace errors.

::

    ModhostError
    └── MarketError                    root of this package
        ├── SubmissionNotFound         MARKET_NOT_FOUND: no such submission or mod
        ├── InvalidTransition          MARKET_INVALID_TRANSITION: not in the contract's table,
        │                              or this actor may not make it
        ├── ValidationFailed           MARKET_VALIDATION_FAILED: approve with failed gates
        ├── ConcurrentUpdate           MARKET_CONFLICT: someone else moved it first
        ├── MarketForbidden            MARKET_FORBIDDEN: actor lacks a role or ownership
        ├── StoreConfigError           MARKET_STORE_INVALID: bad store URL or schema
        ├── InstallFailed              MARKET_INSTALL_FAILED (digest, signature, resolution)
        ├── MarketBusy                 MARKET_BUSY: a lock or statement timeout expired
        ├── QuotaExceeded              MARKET_QUOTA_EXCEEDED: too many open submissions
        ├── MarketIOFailed             MARKET_IO_FAILED: a file or the store failed (disk,
        │                              permissions, network)
        └── PackageUnsafe (+ModFault)  PACKAGE_UNSAFE: zip-slip, links, bombs
"""

from __future__ import annotations

from typing import Any

from host_api import DiagnosticCode, ModFault, ModhostError


class MarketError(ModhostError):
    """Root of the marketplace package's errors."""


class SubmissionNotFound(MarketError):
    """The submission (or mod) does not exist in the store."""

    code = DiagnosticCode.MARKET_NOT_FOUND


class InvalidTransition(MarketError):
    """A transition outside the contract, or by an actor the contract does not allow."""

    code = DiagnosticCode.MARKET_INVALID_TRANSITION


class ValidationFailed(MarketError):
    """Approval refused: at least one validation gate reported an error."""

    code = DiagnosticCode.MARKET_VALIDATION_FAILED


class ConcurrentUpdate(MarketError):
    """The submission changed between reading it and writing it (compare-and-set lost)."""

    code = DiagnosticCode.MARKET_CONFLICT


class MarketForbidden(MarketError):
    """The actor lacks the role or ownership an action needs."""

    code = DiagnosticCode.MARKET_FORBIDDEN


class StoreConfigError(MarketError):
    """The store URL cannot be opened or the database is not a marketplace store."""

    code = DiagnosticCode.MARKET_STORE_INVALID


class InstallFailed(MarketError):
    """Install refused: nothing was written into ``mods/``."""

    code = DiagnosticCode.MARKET_INSTALL_FAILED


class MarketBusy(MarketError):
    """Another writer held the store (or the install folder) longer than the lock timeout."""

    code = DiagnosticCode.MARKET_BUSY


class QuotaExceeded(MarketError):
    """The author already has as many open submissions as the store allows."""

    code = DiagnosticCode.MARKET_QUOTA_EXCEEDED


class MarketIOFailed(MarketError):
    """A file or the store's connection failed for a reason outside the marketplace."""

    code = DiagnosticCode.MARKET_IO_FAILED


class PackageUnsafe(MarketError, ModFault):
    """A ``.modpkg`` that must not be extracted (zip-slip, links, devices, zip bombs)."""

    code = DiagnosticCode.PACKAGE_UNSAFE

    def __init__(self, message: str, *, mod_id: str, **kwargs: Any) -> None:
        kwargs.setdefault("hint", "rebuild the package with 'modhost market pack DIR'")
        super().__init__(message, mod_id=mod_id, **kwargs)
