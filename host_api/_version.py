"""The host API version mods declare compatibility with (the manifest's ``host`` range)."""

from __future__ import annotations

from typing import Final

from packaging.version import Version

#: The host API version this build implements. Mods say ``host = ">=0.1,<0.2"``.
HOST_API_VERSION: Final[Version] = Version("0.1.0")
