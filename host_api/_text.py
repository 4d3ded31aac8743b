"""Text that can be written anywhere: strings without lone surrogates.

Python strings may hold lone surrogates (``"\\ud800"``, ``chr(0xD800)``); UTF-8 files, JSON
reports, hashes and components' strings cannot. A script can make such a string, so every
string the host keeps from a script is tested (:func:`is_text`) or shown escaped
(:func:`printable`).
"""

from __future__ import annotations


def is_text(value: str) -> bool:
    """Whether ``value`` can be encoded as UTF-8 (holds no lone surrogate)."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(value: str) -> str:
    """``value`` with each lone surrogate written as its escape (``\\ud800``)."""
    if is_text(value):
        return value
    return value.encode("utf-8", "backslashreplace").decode("utf-8")
