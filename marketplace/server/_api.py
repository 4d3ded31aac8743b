"""The versioned JSON API, ``/api/v1``: every ``modhost market`` command, over HTTP.

Each handler authenticates (:mod:`._auth`), checks what only the server can know (who may
see an unpublished submission, rate limits), and calls the same :class:`Marketplace` method
the CLI calls locally; the state machine, gates and roles are enforced there. Answers have
the CLI's ``--json`` shape: ``{"ok": true, ...}``, or ``{"ok": false, "diagnostics":
[...]}`` with an HTTP status from :data:`._errors.STATUS`.

The routes live in one module per area (identities, submissions, catalogue); this router
gathers them under the prefix, in that order (a route's place decides which of two matching
paths answers).
"""

from __future__ import annotations

from fastapi import APIRouter

from ._api_catalogue import router as catalogue
from ._api_identities import router as identities
from ._api_submissions import router as submissions

router = APIRouter(prefix="/api/v1")
router.include_router(identities)
router.include_router(submissions)
router.include_router(catalogue)
