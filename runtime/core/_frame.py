"""What the simulation hands to presentation each frame, and what presentation must offer.

The simulation never calls Panda3D: it builds a :class:`FrameSnapshot` (copies of the arrays)
and passes it to a :class:`Presenter`, which ``runtime`` creates lazily only for window and
offscreen runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

PresentMode = Literal["window", "offscreen"]


@dataclass(frozen=True)
class FrameSnapshot:
    """One frame's worth of world state, copied out of the world."""

    tick: int
    #: Entity ids, ascending, shape (n,).
    ids: npt.NDArray[np.int64]
    #: Entity kinds, same order as ``ids``.
    kinds: tuple[str, ...]
    #: Positions, shape (n, 3), float32 (x, y, z; z is up).
    positions: npt.NDArray[np.float32]
    #: Overlay lines, e.g. {"tick rate": "60.0 Hz", "entities": "42", "coins": "0.12 ms"}.
    overlay: dict[str, str] = field(default_factory=dict)
    #: Text items mods set through the HUD (``ui.write``), by key.
    hud: dict[str, str] = field(default_factory=dict)
    #: A point the camera should look at (a mod's ``ui`` camera target), or None to frame the
    #: bounding box of all entities.
    camera_target: tuple[float, float, float] | None = None
    #: Optional, for speed: each entity's kind as an index into ``kind_table`` (the world's
    #: interned kind codes), shape (n,). When None it is derived from ``kinds``.
    kind_codes: npt.NDArray[np.int32] | None = None
    #: The kind names ``kind_codes`` index; ``kind_table[kind_codes[i]] == kinds[i]``.
    kind_table: tuple[str, ...] = ()

    @cached_property
    def kind_index(self) -> tuple[npt.NDArray[np.int32], tuple[str, ...]]:
        """Each entity's kind as (codes, names): ``kinds[i] == names[codes[i]]``.

        Given codes are used as they are (shape-checked: a bad pair falls back to deriving
        them); otherwise derived from ``kinds`` once per snapshot, O(n) in a dict.
        """
        codes = self.kind_codes
        if (
            codes is not None
            and codes.shape == (len(self.kinds),)
            and (not len(codes) or 0 <= int(codes.min()) <= int(codes.max()) < len(self.kind_table))
        ):
            return codes.astype(np.int32, copy=False), self.kind_table
        index: dict[str, int] = {}
        derived = np.fromiter(
            (index.setdefault(kind, len(index)) for kind in self.kinds), np.int32, len(self.kinds)
        )
        return derived, tuple(index)


class Presenter(Protocol):
    """A renderer for frames. A context manager; ``close`` is idempotent."""

    #: The mode actually in use (a window request falls back to offscreen without a display).
    mode: PresentMode

    def draw(self, frame: FrameSnapshot) -> None:
        """Render one frame."""
        ...

    def screenshot(self, path: Path) -> Path:
        """Save the last rendered frame as PNG; returns the path written."""
        ...

    @property
    def draw_calls(self) -> int:
        """Draw calls (geoms submitted) of the last frame; does not grow with the entities."""
        ...

    def close(self) -> None:
        """Release the window or buffer. Idempotent."""
        ...

    def __enter__(self) -> Presenter:
        """Return the presenter itself."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the presenter."""
        ...
