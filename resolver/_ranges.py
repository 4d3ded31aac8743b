"""Version ranges as the resolver uses them: parsed once, tested with pre-releases included.

A range is a manifest string (PEP 440 specifiers, ``"*"`` = any). A version is *in* a range
when it satisfies every specifier; pre-release versions are not excluded, because an
installed or published version is what it is, and the manifest range is the only filter.
"""

from __future__ import annotations

from functools import lru_cache

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from host_api import parse_specifier


@lru_cache(maxsize=4096)
def spec(text: str) -> SpecifierSet:
    """Parse a range string once; manifests repeat the same few ranges many times."""
    return parse_specifier(text)


@lru_cache(maxsize=16384)
def version(text: str) -> Version:
    """Parse a version string once."""
    return Version(text)


@lru_cache(maxsize=65536)
def in_range(ver: Version, text: str) -> bool:
    """True when ``ver`` satisfies the range ``text`` (pre-releases included).

    Cached: a folder repeats the same few (version, range) pairs many times.
    """
    specifier = spec(text)
    # An empty SpecifierSet ("*") matches everything; skip the call on the hot path.
    return not len(specifier) or specifier.contains(ver, prereleases=True)


def show_range(text: str) -> str:
    """A range as messages print it: ``>=1.0,<2.0``, or ``(any version)`` for ``*``."""
    return "(any version)" if not len(spec(text)) else str(text).replace(" ", "")
