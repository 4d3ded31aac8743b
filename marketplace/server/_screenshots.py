"""Screenshots of a published mod: PNG or JPEG files its package carries in ``screenshots/``.

They are served from the published package itself (nothing else is uploaded), only after
checking what the bytes are: the type comes from the file's magic number, never from its
name, so a package cannot get HTML or script served from the market's origin. Capped in count
and size.
"""

from __future__ import annotations

import io
import zipfile
from typing import Final

from .._package_extract import read_member

FOLDER: Final = "screenshots/"
MAX_SCREENSHOTS: Final = 8
MAX_SCREENSHOT_BYTES: Final = 2 * 1024 * 1024
_MAGIC: Final = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


def screenshot_names(package: bytes) -> list[str]:
    """The screenshot files of a package (sorted, at most MAX_SCREENSHOTS)."""
    try:
        with zipfile.ZipFile(io.BytesIO(package)) as zf:
            names = [
                i.filename
                for i in zf.infolist()
                if i.filename.startswith(FOLDER)
                and "/" not in i.filename[len(FOLDER) :]
                and i.filename.lower().endswith((".png", ".jpg", ".jpeg"))
                and 0 < i.file_size <= MAX_SCREENSHOT_BYTES
            ]
    except (zipfile.BadZipFile, ValueError, OSError):
        return []
    return sorted(names)[:MAX_SCREENSHOTS]


def read_screenshot(package: bytes, name: str) -> tuple[bytes, str] | None:
    """The bytes and media type of one listed screenshot, or None (absent, too large, or
    not really a PNG or JPEG)."""
    if name not in screenshot_names(package):
        return None
    data = read_member(package, name, max_bytes=MAX_SCREENSHOT_BYTES)
    if data is None:
        return None
    kind = next((media for magic, media in _MAGIC if data.startswith(magic)), None)
    return None if kind is None else (data, kind)
