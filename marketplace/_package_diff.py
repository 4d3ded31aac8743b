"""Which files differ between two packages, for a reviewer (``Marketplace.show``)."""

from __future__ import annotations

import hashlib
import io
import zipfile

from host_api import DiagnosticCode

from ._package_check import inspect_package, stream_entry


def file_diff(old: bytes, new: bytes) -> dict[str, list[str]]:
    """Added, removed and changed file names between two packages (by SHA-256).

    A package the ``package`` gate would refuse is not opened: it shows as having no files.
    """
    a, b = _hashes(old), _hashes(new)
    return {
        "added": sorted(b.keys() - a.keys()),
        "removed": sorted(a.keys() - b.keys()),
        "changed": sorted(k for k in a.keys() & b.keys() if a[k] != b[k]),
    }


def _hashes(package: bytes) -> dict[str, str]:
    if any(f.code == DiagnosticCode.PACKAGE_UNSAFE for f in inspect_package(package, mod_id="")):
        return {}
    out: dict[str, str] = {}
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            digest = hashlib.sha256()
            for chunk in stream_entry(zf, info, mod_id=""):
                digest.update(chunk)
            out[info.filename] = digest.hexdigest()
    return out
