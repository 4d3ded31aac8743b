"""The web portal: server-rendered pages over the same Marketplace as the JSON API.

Public: the catalogue (published mods, search) and each mod's page. Signed in: an author's
submissions and the upload form; the reviewer queue and the decision form; the maintainer
view (publish, yank, audit log). Unpublished submissions are shown only to their author,
reviewers and maintainers (the rule of :func:`._api.can_see`).

Sessions: logging in issues an ordinary API token, labelled ``web session`` and living
``session_ttl_s``; its secret is the session cookie (HttpOnly, SameSite=Lax, Secure unless
the server runs on plain-HTTP loopback). Logging out revokes it, so a copied cookie dies
too. Every form carries a CSRF token that must equal the ``mh_csrf`` cookie (double submit:
another site can make the browser send the cookie but cannot read it to fill the form).
"""

from __future__ import annotations

import hmac
import json
import secrets
from pathlib import Path
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from host_api import ModhostError

from ..store import State, Submission, SubmissionNotFound
from ._api_common import ACTIONS, can_see
from ._auth import Caller, client_address, context
from ._changelog import changelogs, save_changelog
from ._context import Handle
from ._errors import RequestInvalid, Unauthenticated, http_status
from ._screenshots import read_screenshot, screenshot_names
from ._upload import receive_submission
from ._workers import job_progress

SESSION_COOKIE: Final = "mh_session"
CSRF_COOKIE: Final = "mh_csrf"
MAX_CHANGELOG: Final = 4000

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
web = APIRouter(include_in_schema=False)


def validating(sub: Submission) -> bool:
    """In review with the gates still running."""
    return sub.state is State.REVIEW and sub.gates_passed is None


# -- sessions and CSRF --------------------------------------------------------------------


def web_caller(request: Request, handle: Handle) -> Caller | None:
    """The signed-in account of a browser request (an expired or revoked session is
    anonymous)."""
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    try:
        name = handle.accounts.owner_of(secret)
    except Unauthenticated:
        return None
    return Caller(name, handle.store.roles_of(name))


def _csrf(request: Request) -> str:
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "csrf", None)
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.csrf = token
    return str(token)


def check_csrf(request: Request, submitted: str | None) -> None:
    """:raises RequestInvalid: the form's token is missing or is not the cookie's."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not submitted or not hmac.compare_digest(cookie, submitted):
        raise RequestInvalid(
            "the form's CSRF token is missing or stale", hint="reload the page and try again"
        )


def _page(
    request: Request, name: str, caller: Caller | None, *, status: int = 200, **values: Any
) -> Response:
    csrf = _csrf(request)
    response = templates.TemplateResponse(
        request,
        name,
        {"caller": caller, "csrf": csrf, "validating": validating, **values},
        status_code=status,
    )
    if request.cookies.get(CSRF_COOKIE) != csrf:
        secure = context(request).config.secure_cookies
        response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="lax", secure=secure)
    return response


def _error(request: Request, caller: Caller | None, exc: ModhostError) -> Response:
    status = http_status(exc.code, too_large=bool(exc.details.get("too_large")))
    message = f"{exc.code}: {exc.message}" + (f" ({exc.hint})" if exc.hint else "")
    return _page(request, "base.html", caller, status=status, flash=message)


def _to(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _signed_in(request: Request) -> tuple[Handle, Caller | None]:
    handle = context(request).handle()
    return handle, web_caller(request, handle)


# -- public -------------------------------------------------------------------------------


@web.get("/", response_class=HTMLResponse)
def catalogue(request: Request, q: str = "") -> Response:
    """Published mods, the newest version of each; ``q`` searches them."""
    ctx = context(request)
    handle, caller = _signed_in(request)
    q = q[:200]
    try:
        if q:
            ctx.limiter.check("search", f"addr:{client_address(request)}")
        found = handle.market.search(q) if q else handle.market.published()
    except ModhostError as exc:
        return _error(request, caller, exc)
    latest: dict[str, Submission] = {}
    for sub in found:
        latest[sub.mod_id] = sub  # oldest first: the last one is the newest publication
    return _page(request, "catalogue.html", caller, mods=list(latest.values()), q=q)


@web.get("/mods/{mod_id}", response_class=HTMLResponse)
def mod_page(request: Request, mod_id: str) -> Response:
    """A published mod: description, versions with changelogs, dependencies, download."""
    handle, caller = _signed_in(request)
    versions = list(reversed(handle.market.published(mod_id)))
    if not versions:
        return _error(request, caller, SubmissionNotFound(f"no published mod '{mod_id}'"))
    package = handle.store.get_artifact(versions[0].artifact)
    return _page(
        request,
        "mod.html",
        caller,
        latest=versions[0],
        screenshots=[n.removeprefix("screenshots/") for n in screenshot_names(package)],
        versions=versions,
        changelogs=changelogs(handle.accounts.store, [s.id for s in versions]),
        base_url=str(request.base_url).rstrip("/"),
    )


@web.get("/mods/{mod_id}/{submission_id}/screenshots/{name}")
def screenshot(request: Request, mod_id: str, submission_id: int, name: str) -> Response:
    """A screenshot from a published package (checked to be a PNG or JPEG)."""
    handle = context(request).handle()
    sub = handle.store.get(submission_id)
    found = None
    if sub.mod_id == mod_id and sub.state is State.PUBLISHED:
        found = read_screenshot(handle.store.get_artifact(sub.artifact), f"screenshots/{name}")
    if found is None:
        return Response(status_code=404)
    data, media = found
    return Response(
        data,
        media_type=media,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=3600"},
    )


@web.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return _page(request, "login.html", None)


@web.post("/login")
async def login(request: Request) -> Response:
    """Check the password, start a session (a revocable token in an HttpOnly cookie)."""
    ctx = context(request)
    form = await request.form(max_files=0, max_fields=4, max_part_size=4096)
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    try:
        check_csrf(request, str(form.get("csrf", "")))
        ctx.limiter.check("login", f"acct:{name}", f"addr:{client_address(request)}")
        secret = await run_in_threadpool(_start_session, request, name, password)
    except ModhostError as exc:
        return _error(request, None, exc)
    response = _to("/author")
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=ctx.config.session_ttl_s,
        httponly=True,
        samesite="lax",
        secure=ctx.config.secure_cookies,
    )
    return response


def _start_session(request: Request, name: str, password: str) -> str:
    ctx = context(request)
    accounts = ctx.handle().accounts
    accounts.authenticate(name, password)
    days = ctx.config.session_ttl_s / 86400
    return accounts.issue(name, actor=name, days=days, label="web session").secret


@web.post("/logout")
async def logout(request: Request) -> Response:
    """End the session: its token is revoked, the cookie dropped."""
    form = await request.form(max_files=0, max_fields=2, max_part_size=1024)
    try:
        check_csrf(request, str(form.get("csrf", "")))
    except ModhostError as exc:
        return _error(request, None, exc)
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        await run_in_threadpool(lambda: context(request).handle().accounts.revoke_secret(secret))
    response = _to("/")
    response.delete_cookie(SESSION_COOKIE)
    return response


# -- authors ------------------------------------------------------------------------------


@web.get("/author", response_class=HTMLResponse)
def author_area(request: Request) -> Response:
    """The signed-in account's submissions, and the upload form."""
    handle, caller = _signed_in(request)
    if caller is None:
        return _to("/login")
    mine = [s for s in handle.store.submissions() if s.author == caller.name]
    return _page(request, "author.html", caller, subs=list(reversed(mine)))


@web.post("/author/submit")
async def author_submit(request: Request) -> Response:
    """Upload a package (streamed, capped) with a changelog: a new draft."""
    _, caller = await run_in_threadpool(_signed_in, request)
    if caller is None:
        return _to("/login")
    try:
        upload = await receive_submission(request, caller.name)
        check_csrf(request, upload.fields.get("csrf"))
        changelog = upload.fields.get("changelog", "")[:MAX_CHANGELOG]

        def submit() -> Submission:
            own = context(request).handle()
            sub = own.market.submit(upload.package, actor=caller.name)
            save_changelog(own.accounts.store, sub.id, changelog)
            return sub

        await run_in_threadpool(submit)
    except ModhostError as exc:
        return _error(request, caller, exc)
    return _to("/author")


# -- one submission -----------------------------------------------------------------------


def _actions(sub: Submission, caller: Caller | None) -> list[tuple[str, str]]:
    """The buttons this caller may press (the state machine still has the last word)."""
    if caller is None:
        return []
    found: list[tuple[str, str]] = []
    if sub.state is State.DRAFT and caller.name == sub.author:
        found.append(("review", "Request review"))
    if sub.state is State.REVIEW and caller.is_staff and caller.name != sub.author:
        found += [
            ("approve", "Approve"),
            ("request-changes", "Request changes"),
            ("reject", "Reject"),
        ]
    if sub.state is State.APPROVED and caller.is_maintainer:
        found.append(("publish", "Publish"))
    if sub.state is State.PUBLISHED and caller.is_maintainer:
        found.append(("yank", "Yank"))
    return found


@web.get("/submissions/{submission_id}", response_class=HTMLResponse)
def submission_page(request: Request, submission_id: int) -> Response:
    """Findings, manifest, file diff, history, and the decision form."""
    handle, caller = _signed_in(request)
    try:
        sub = handle.store.get(submission_id)
        if not can_see(sub, caller):
            raise SubmissionNotFound(f"no submission {submission_id} visible to you")
        shown = handle.market.show(submission_id)
    except ModhostError as exc:
        return _error(request, caller, exc)
    validation = None
    if validating(sub):
        validation = job_progress(handle.store, sub.id, sub.revision) or {"status": "queued"}
    return _page(
        request,
        "submission.html",
        caller,
        sub=sub,
        validation=validation,
        diff=shown["diff"],
        history=handle.market.history(submission_id),
        manifest_text=json.dumps(dict(sub.manifest), indent=2, sort_keys=True),
        changelog=changelogs(handle.accounts.store, [sub.id]).get(sub.id, ""),
        actions=_actions(sub, caller),
    )


@web.post("/submissions/{submission_id}/action")
async def submission_action(request: Request, submission_id: int) -> Response:
    """Request review, approve, request changes, reject, publish or yank, with a reason."""
    form = await request.form(max_files=0, max_fields=4, max_part_size=8192)
    _, caller = await run_in_threadpool(_signed_in, request)
    if caller is None:
        return _to("/login")
    action, reason = str(form.get("action", "")), str(form.get("reason", ""))[:4000]
    try:
        check_csrf(request, str(form.get("csrf", "")))
        await run_in_threadpool(_act, request, caller, submission_id, action, reason)
    except ModhostError as exc:
        return _error(request, caller, exc)
    return _to("/author" if action == "review" else f"/submissions/{submission_id}")


def _act(request: Request, caller: Caller, submission_id: int, action: str, reason: str) -> None:
    ctx = context(request)
    handle = ctx.handle()
    if action == "review":
        deferred = ctx.jobs is not None
        sub = handle.market.request_review(submission_id, actor=caller.name, defer_gates=deferred)
        if ctx.jobs is not None:
            ctx.jobs.enqueue(handle.accounts.store, sub.id, sub.revision)
        return
    target = ACTIONS.get(action)
    if target is None:
        raise RequestInvalid(f"no action '{action}'")
    handle.market.move(submission_id, target, actor=caller.name, reason=reason)


# -- reviewers and maintainers ------------------------------------------------------------


@web.get("/review", response_class=HTMLResponse)
def review_queue(request: Request) -> Response:
    """Submissions waiting for a reviewer."""
    handle, caller = _signed_in(request)
    if caller is None:
        return _to("/login")
    if not caller.is_staff:
        return _error(request, caller, SubmissionNotFound("the review queue is for reviewers"))
    subs = handle.market.review_queue()
    return _page(request, "queue.html", caller, subs=subs, heading="Review queue", audit=None)


@web.get("/maintain", response_class=HTMLResponse)
def maintain(request: Request) -> Response:
    """Approved submissions to publish, published ones to yank, and the audit log."""
    handle, caller = _signed_in(request)
    if caller is None:
        return _to("/login")
    if not caller.is_maintainer:
        return _error(request, caller, SubmissionNotFound("this view is for maintainers"))
    subs = handle.store.submissions(state=State.APPROVED) + handle.market.published()
    return _page(
        request,
        "queue.html",
        caller,
        subs=subs,
        heading="Approved and published",
        audit=list(reversed(handle.store.audit_log())),
    )
