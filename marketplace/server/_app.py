"""The ASGI app: routes, the error boundary, and running it on uvicorn.

Every error a client can cause leaves as ``{"ok": false, "diagnostics": [...]}`` with the
status of :func:`._errors.http_status`; a bug in the server leaves as one
``HOST_INTERNAL_ERROR`` diagnostic (the traceback goes to the server's log, never to the
client).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from host_api import Diagnostic, DiagnosticCode, ModhostError

from ._api import router
from ._context import ServerConfig, ServerContext
from ._errors import RateLimited, http_status
from ._web import web

API_VERSION = "v1"
_log = logging.getLogger("modhost.market.server")


def create_app(config: ServerConfig) -> FastAPI:
    """The marketplace app over ``config.store_url``; stores open lazily, per thread."""
    ctx = ServerContext(config)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            ctx.close()

    app = FastAPI(
        title="modhost marketplace",
        version=API_VERSION,
        openapi_url=f"/api/{API_VERSION}/openapi.json",
        docs_url=f"/api/{API_VERSION}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.include_router(router)
    app.include_router(web)
    app.add_exception_handler(ModhostError, _modhost_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)
    return app


def _answer(status: int, diagnostics: list[Diagnostic], **headers: str) -> JSONResponse:
    body = {"ok": False, "diagnostics": [d.model_dump(mode="json") for d in diagnostics]}
    return JSONResponse(body, status_code=status, headers=headers or None)


async def _modhost_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ModhostError)
    diagnostics = list(getattr(exc, "diagnostics", ()) or (exc.to_diagnostic(),))
    status = http_status(exc.code, too_large=bool(exc.details.get("too_large")))
    headers = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(max(1, round(exc.details.get("retry_after_s", 1))))
    return _answer(status, diagnostics, **headers)


async def _invalid_request(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()
    ]
    return _answer(
        422,
        [
            Diagnostic(
                code=DiagnosticCode.MARKET_REQUEST_INVALID,
                message=f"the request is malformed: {'; '.join(problems)[:500]}",
                hint="see the API schema at /api/v1/openapi.json",
            )
        ],
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    """The framework's own refusals (a body that is not JSON, an unknown path, a method a
    path does not take): diagnostics under ``/api``, the framework's page elsewhere."""
    assert isinstance(exc, HTTPException)
    if not request.url.path.startswith("/api/"):
        return await http_exception_handler(request, exc)
    code = (
        DiagnosticCode.MARKET_NOT_FOUND
        if exc.status_code == 404
        else DiagnosticCode.MARKET_REQUEST_INVALID
    )
    return _answer(
        exc.status_code,
        [
            Diagnostic(
                code=code,
                message=f"the request was refused: {str(exc.detail)[:200]}",
                hint="see the API schema at /api/v1/openapi.json",
            )
        ],
        **(exc.headers or {}),
    )


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    _log.exception("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return _answer(
        500,
        [
            Diagnostic(
                code=DiagnosticCode.HOST_INTERNAL_ERROR,
                message="the marketplace server failed on this request",
                hint="the server's log has the details; report it to its operator",
            )
        ],
    )


def serve(config: ServerConfig, *, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Run the app on uvicorn until interrupted."""
    uvicorn.run(create_app(config), host=host, port=port, log_level="info", access_log=False)
