"""What every handler of the JSON API shares: the request body base, the answer shape,
the caller's session, and who may see a submission."""

from __future__ import annotations

from typing import Any, Final

from fastapi import Request
from pydantic import BaseModel, ConfigDict

from ..store import State, Submission, SubmissionNotFound
from ._auth import Caller, context, optional_caller, require_caller
from ._context import Handle

#: URL verb -> target state of a transition.
ACTIONS: Final = {
    "approve": State.APPROVED,
    "reject": State.REJECTED,
    "request-changes": State.CHANGES_REQUESTED,
    "publish": State.PUBLISHED,
    "yank": State.YANKED,
}
PUBLIC_STATES: Final = frozenset({State.PUBLISHED, State.YANKED})


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def ok(**document: Any) -> dict[str, Any]:
    """The answer ``{"ok": true, **document}``."""
    return {"ok": True, **document}


def session(request: Request) -> tuple[Handle, Caller]:
    """The store handle and the logged-in caller. :raises: as :func:`._auth.require_caller`."""
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
