"""marketplace.server: the marketplace as an HTTP service (JSON API, accounts, limits).

A thin layer over :class:`marketplace.Marketplace`: the state machine, gates and store are
the package's; this adds who is asking (accounts, tokens), who may see what, rate limits and
a streaming upload.

May import: the marketplace package's modules, host_api, the standard library, fastapi,
starlette, uvicorn, python_multipart, jinja2 and procrastinate (confined to this
subpackage).
"""

__all__ = [
    "DEMO_ACCOUNTS",
    "Accounts",
    "RateLimited",
    "RateLimits",
    "RequestInvalid",
    "ServerConfig",
    "Unauthenticated",
    "WorkerSettings",
    "build_demo",
    "create_app",
    "job_progress",
    "run_worker",
    "serve",
]

from ._accounts import Accounts as Accounts
from ._app import create_app as create_app
from ._app import serve as serve
from ._context import ServerConfig as ServerConfig
from ._demo import DEMO_ACCOUNTS as DEMO_ACCOUNTS
from ._demo import build_demo as build_demo
from ._errors import RateLimited as RateLimited
from ._errors import RequestInvalid as RequestInvalid
from ._errors import Unauthenticated as Unauthenticated
from ._ratelimit import RateLimits as RateLimits
from ._workers import WorkerSettings as WorkerSettings
from ._workers import job_progress as job_progress
from ._workers import run_worker as run_worker
