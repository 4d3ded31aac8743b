"""Name tables: the world stores kinds, owners and tag sets as small ints into these."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


class Interned:
    """A name table: value -> small int, in first-seen order."""

    __slots__ = ("index", "values")

    def __init__(self) -> None:
        self.values: list[object] = []
        self.index: dict[object, int] = {}

    def intern(self, value: object) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.values)
            self.values.append(value)
        return found

    def counts(self, column: npt.NDArray[np.int32]) -> dict[str, int]:
        """How many rows of ``column`` hold each name, by name (names with none left out)."""
        counts = np.bincount(column, minlength=len(self.values))
        return {
            str(name): int(counts[i])
            for i, name in sorted(enumerate(self.values), key=lambda p: str(p[1]))
            if counts[i]
        }

    def canonical(self, column: npt.NDArray[np.int32]) -> tuple[bytes, bytes]:
        """``column`` re-encoded independently of interning order and of unused names.

        Returns the sorted names in use and the column as ranks into them (little-endian).
        """
        used = np.unique(column).tolist()
        names = sorted((self.values[i] for i in used), key=sort_key)
        rank_of = {name: r for r, name in enumerate(names)}
        lookup = np.zeros(len(self.values), dtype="<i4")
        for i in used:
            lookup[i] = rank_of[self.values[i]]
        return encode_names(names), lookup[column].tobytes()


def sort_key(value: object) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (str(value),)


def encode_names(values: list[object]) -> bytes:
    parts = []
    for v in values:
        text = "\x1f".join(v) if isinstance(v, tuple) else str(v)
        parts.append(text.encode("utf-8") + b"\x1e")
    return len(values).to_bytes(8, "little") + b"".join(parts)
