"""marketplace.server: the marketplace as an HTTP service (JSON API, accounts, limits).

A thin layer over :class:`marketplace.Marketplace`: the state machine, gates and store are
the package's; this adds who is asking (accounts, tokens), who may see what, rate limits and
a streaming upload.

May import: the marketplace package's modules, host_api, the standard library, fastapi,
starlette, uvicorn and python_multipart (confined to this subpackage).
"""

__all__ = [
    "Accounts",
    "RateLimited",
    "RateLimits",
    "RequestInvalid",
    "ServerConfig",
    "Unauthenticated",
    "create_app",
    "serve",
]

from ._accounts import Accounts as Accounts
from ._app import create_app as create_app
from ._app import serve as serve
from ._context import ServerConfig as ServerConfig
from ._errors import RateLimited as RateLimited
from ._errors import RequestInvalid as RequestInvalid
from ._errors import Unauthenticated as Unauthenticated
from ._ratelimit import RateLimits as RateLimits
