"""The HTTP transport: one place where httpx errors and error answers become diagnostics.

An error answer from the server carries its diagnostics; they are raised as a
:class:`RemoteError` whose ``diagnostics`` the CLI prints exactly as it prints local ones.
A server that cannot be reached, or answers something that is not the API, is
``MARKET_SERVER_UNREACHABLE``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import httpx

from host_api import Diagnostic, DiagnosticCode

from ..store import MarketError

#: The largest answer read (a package is capped far below this by the server).
MAX_RESPONSE_BYTES: Final = 256 * 1024 * 1024
API_PREFIX: Final = "/api/v1"


class RemoteError(MarketError):
    """An error the server answered; ``diagnostics`` are the server's, code of the first."""

    def __init__(self, diagnostics: list[Diagnostic], status: int) -> None:
        first = diagnostics[0]
        code = DiagnosticCode(first.code) if first.code in _CODES else None
        super().__init__(
            first.message, code=code, hint=first.hint, mod_id=first.mod, details={"status": status}
        )
        self.diagnostics = diagnostics
        self.status = status


class ServerUnreachable(MarketError):
    """The server could not be reached, or its answer is not the marketplace API."""

    code = DiagnosticCode.MARKET_SERVER_UNREACHABLE


_CODES: Final = frozenset(str(c) for c in DiagnosticCode)


class MarketClient:
    """Calls the ``/api/v1`` API of one server with one bearer token.

    :param url: the server, ``http(s)://host:port``.
    :param token: the bearer token (None: anonymous, for the public catalogue).
    """

    def __init__(self, url: str, token: str | None = None, *, timeout_s: float = 120.0) -> None:
        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout_s)

    def close(self) -> None:
        """Close the connection pool. Idempotent."""
        self._http.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> dict[str, Any]:
        """One API call; the JSON document of a 2xx answer.

        :raises RemoteError: the server answered with diagnostics.
        :raises ServerUnreachable: no answer, or not the API's.
        """
        response = self._send(method, path, json=json, params=params, files=files)
        try:
            document = response.json()
        except (ValueError, RecursionError) as exc:
            raise self._not_api(response) from exc
        if not isinstance(document, dict):
            raise self._not_api(response)
        return document

    def download(self, path: str) -> tuple[bytes, dict[str, str]]:
        """The raw bytes of a download, and its headers (capped at MAX_RESPONSE_BYTES)."""
        try:
            with self._http.stream("GET", API_PREFIX + path) as response:
                if response.status_code >= 400:
                    response.read()
                    self._raise_for(response)
                chunks, total = [], 0
                for chunk in response.iter_bytes():
                    total += len(chunk)
                    if total > MAX_RESPONSE_BYTES:
                        raise ServerUnreachable(
                            f"{self.url}{path}: the answer is over {MAX_RESPONSE_BYTES} bytes"
                        )
                    chunks.append(chunk)
                return b"".join(chunks), dict(response.headers)
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from exc

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, API_PREFIX + path, **kwargs)
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from exc
        if response.status_code >= 400:
            self._raise_for(response)
        return response

    def _raise_for(self, response: httpx.Response) -> None:
        try:
            raw = response.json()["diagnostics"]
            diagnostics = [Diagnostic.model_validate(d) for d in raw]
        except (ValueError, KeyError, TypeError) as exc:
            raise self._not_api(response) from exc
        if not diagnostics:
            raise self._not_api(response)
        raise RemoteError(diagnostics, response.status_code)

    def _not_api(self, response: httpx.Response) -> ServerUnreachable:
        return ServerUnreachable(
            f"{self.url} answered HTTP {response.status_code} with something that is not the "
            "marketplace API",
            hint="check the --server URL",
        )

    def _unreachable(self, exc: httpx.HTTPError) -> ServerUnreachable:
        return ServerUnreachable(
            f"cannot reach the marketplace at {self.url}: {exc}".strip(),
            hint="check the --server URL and that 'modhost market serve' runs there",
        )
