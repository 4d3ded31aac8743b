"""What the simulation hands to presentation each frame, and what presentation must offer.

The simulation never calls Panda3D: it builds a :class:`FrameSnapshot` (copies of the arrays)
and passes it to a :class:`Presenter`, which ``runtime`` creates lazily only for window and
offscreen runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
