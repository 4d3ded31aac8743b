"""Reading a multipart upload with its size caps enforced while the bytes arrive.

The body is fed chunk by chunk to python-multipart's streaming parser; the declared
``Content-Length`` is checked before the first byte is read, and the running count of the
whole body and of each part after every chunk, so an oversized upload is refused after at
most one chunk past its cap, never after buffering it whole (nor spooling it to disk).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Final

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from ._auth import client_address, context
from ._errors import RequestInvalid

#: The one file field a submission carries.
PACKAGE_FIELD: Final = "package"
#: Bytes allowed on top of the package for the multipart framing and the text fields.
FORM_OVERHEAD: Final = 64 * 1024
#: Cap on each text field (reason, changelog) and on their count.
MAX_FIELD_BYTES: Final = 16 * 1024
MAX_FIELDS: Final = 8


@dataclass
class Upload:
    """A parsed upload: the package bytes and the text fields."""

    package: bytes = b""
    fields: dict[str, str] = field(default_factory=dict)


class _Collector:
    """Receives the parser's callbacks and enforces the per-part caps."""

    def __init__(self, max_package: int) -> None:
        self.max_package = max_package
        self.upload = Upload()
        self._has_package = False
        self._header_name = b""
        self._header_value = b""
        self._part_name = ""
        self._is_file = False
        self._data: list[bytes] = []
        self._size = 0

    def on_part_begin(self) -> None:
        self._part_name, self._is_file, self._data, self._size = "", False, [], 0

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            _, params = parse_options_header(self._header_value)
            self._part_name = params.get(b"name", b"").decode("utf-8", "replace")
            self._is_file = b"filename" in params
        self._header_name, self._header_value = b"", b""

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        self._size += end - start
        cap = self.max_package if self._part_name == PACKAGE_FIELD else MAX_FIELD_BYTES
        if self._size > cap:
            raise RequestInvalid(
                f"form field '{self._part_name}' is over its {cap}-byte limit",
                hint="a package must stay under the marketplace's package size limit",
                details={"too_large": True, "limit": cap},
            )
        self._data.append(data[start:end])

    def on_part_end(self) -> None:
        value = b"".join(self._data)
        if self._part_name == PACKAGE_FIELD:
            self.upload.package = value
            self._has_package = True
        elif not self._is_file:
            if len(self.upload.fields) >= MAX_FIELDS:
                raise RequestInvalid(f"more than {MAX_FIELDS} form fields")
            self.upload.fields[self._part_name] = value.decode("utf-8", "replace")

    def finish(self) -> Upload:
        if not self._has_package:
            raise RequestInvalid(
                f"the upload has no '{PACKAGE_FIELD}' file field",
                hint=f"send the .modpkg as multipart/form-data field '{PACKAGE_FIELD}'",
            )
        return self.upload


async def read_upload(
    content_type: str,
    content_length: str | None,
    body: AsyncIterator[bytes],
    *,
    max_package: int,
) -> Upload:
    """Parse a ``multipart/form-data`` body with a ``package`` file field.

    :param max_package: cap on the package bytes; the whole body may add
        :data:`FORM_OVERHEAD`.
    :raises RequestInvalid: not multipart, malformed, no package, or over a cap
        (``details["too_large"]`` then).
    """
    kind, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise RequestInvalid(
            "a submission is a multipart/form-data upload",
            hint=f"send the .modpkg as form field '{PACKAGE_FIELD}'",
        )
    cap = max_package + FORM_OVERHEAD
    if content_length is not None and content_length.isdigit() and int(content_length) > cap:
        raise _too_large(int(content_length), cap)
    collector = _Collector(max_package)
    parser = MultipartParser(boundary, _callbacks(collector))  # type: ignore[arg-type]
    total = 0
    try:
        async for chunk in body:
            total += len(chunk)
            if total > cap:
                raise _too_large(total, cap)
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise RequestInvalid(f"the multipart body is malformed: {exc}") from exc
    return collector.finish()


async def receive_submission(request: Request, account: str) -> Upload:
    """The upload of a submission by ``account``: rate limited per account and address,
    then read under the server's package cap (the one path of the API and the portal).

    :raises RateLimited: too many submissions.
    :raises RequestInvalid: see :func:`read_upload`.
    """
    ctx = context(request)
    ctx.limiter.check("submit", f"acct:{account}", f"addr:{client_address(request)}")
    return await read_upload(
        request.headers.get("content-type", ""),
        request.headers.get("content-length"),
        request.stream(),
        max_package=ctx.config.package_limits.max_package_bytes,
    )


def _callbacks(c: _Collector) -> dict[str, object]:
    return {
        "on_part_begin": c.on_part_begin,
        "on_header_field": c.on_header_field,
        "on_header_value": c.on_header_value,
        "on_header_end": c.on_header_end,
        "on_part_data": c.on_part_data,
        "on_part_end": c.on_part_end,
    }


def _too_large(size: int, cap: int) -> RequestInvalid:
    return RequestInvalid(
        f"the upload is over its {cap}-byte limit (at least {size} bytes)",
        hint="a package must stay under the marketplace's package size limit",
        details={"too_large": True, "limit": cap},
    )
