"""``/api/v1`` submissions: upload, revise, request review, the transitions, the review queue,
a submission's details and history, and downloading its package."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from ..store import State, Submission, SubmissionNotFound
from ._api_common import ACTIONS, Body, can_see, ok, session, visible
from ._auth import Caller, context, optional_caller, require_caller
from ._context import Handle
from ._upload import receive_submission
from ._workers import job_progress

router = APIRouter()


class ReasonBody(Body):
    reason: str = Field(default="", max_length=4000)


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

    return ok(submission=(await run_in_threadpool(run)).to_dict())


@router.post("/submissions/{submission_id}/package", tags=["submissions"])
async def revise(submission_id: int, request: Request) -> dict[str, Any]:
    """Give a submission in ``changes_requested`` a new package (its author)."""
    package, _ = await _upload(request)
    caller: Caller = request.state.caller

    def run() -> Submission:
        market = context(request).handle().market
        return market.revise(submission_id, package, actor=caller.name)

    return ok(submission=(await run_in_threadpool(run)).to_dict())


@router.post("/submissions/{submission_id}/review", tags=["submissions"])
def request_review(submission_id: int, request: Request) -> dict[str, Any]:
    """``draft`` -> ``review``; runs the validation gates."""
    ctx = context(request)
    handle, caller = session(request)
    if ctx.jobs is None:
        sub = handle.market.request_review(submission_id, actor=caller.name)
        return ok(submission=sub.to_dict())
    sub = handle.market.request_review(submission_id, actor=caller.name, defer_gates=True)
    ctx.jobs.enqueue(handle.accounts.store, sub.id, sub.revision)
    return ok(submission=sub.to_dict(), validation=_validation(handle, sub))


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
    handle, caller = session(request)
    sub = handle.market.move(submission_id, target, actor=caller.name, reason=body.reason)
    return ok(submission=sub.to_dict())


@router.get("/queue", tags=["submissions"])
def review_queue(request: Request) -> dict[str, Any]:
    """Submissions waiting for a reviewer (reviewers and maintainers)."""
    handle, caller = session(request)
    if not caller.is_staff:
        raise SubmissionNotFound("the review queue is visible to reviewers and maintainers only")
    return ok(submissions=[s.to_dict() for s in handle.market.review_queue()])


@router.get("/submissions", tags=["submissions"])
def my_submissions(request: Request) -> dict[str, Any]:
    """The caller's own submissions, every state."""
    handle, caller = session(request)
    mine = [s for s in handle.store.submissions() if s.author == caller.name]
    return ok(submissions=[s.to_dict() for s in mine])


@router.get("/submissions/{submission_id}", tags=["submissions"])
def show(submission_id: int, request: Request) -> dict[str, Any]:
    """Manifest, findings, file diff and history of a submission the caller may see."""
    handle, sub, _ = visible(request, submission_id)
    return ok(**handle.market.show(submission_id), validation=_validation(handle, sub))


@router.get("/submissions/{submission_id}/history", tags=["submissions"])
def history(submission_id: int, request: Request) -> dict[str, Any]:
    """Every transition of a submission the caller may see."""
    handle, _, _ = visible(request, submission_id)
    return ok(history=[h.to_dict() for h in handle.market.history(submission_id)])


@router.get("/mods/{mod_id}/submissions", tags=["submissions"])
def mod_submissions(mod_id: str, request: Request) -> dict[str, Any]:
    """The submissions of a mod that the caller may see."""
    handle = context(request).handle()
    caller = optional_caller(request, handle)
    subs = [s for s in handle.store.submissions(mod_id=mod_id) if can_see(s, caller)]
    return ok(submissions=[s.to_dict() for s in subs])


@router.get("/mods/{mod_id}/history", tags=["submissions"])
def mod_history(mod_id: str, request: Request) -> dict[str, Any]:
    """Every transition of the submissions of a mod that the caller may see."""
    handle = context(request).handle()
    caller = optional_caller(request, handle)
    subs = [s for s in handle.store.submissions(mod_id=mod_id) if can_see(s, caller)]
    rows = [h.to_dict() for s in subs for h in handle.market.history(s.id)]
    return ok(history=rows)


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
