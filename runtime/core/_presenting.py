"""The ``presentation`` stage: frames for the presenter attached to a host, if any.

The simulation never calls a renderer itself: every ``every`` ticks it copies the world into a
:class:`~runtime.core._frame.FrameSnapshot` (with the overlay lines and the mods' HUD items)
and hands it to the :class:`~runtime.core._frame.Presenter`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ._frame import FrameSnapshot, Presenter
from ._world import World

if TYPE_CHECKING:
    from ..gameplay import Gameplay

Overlay = Callable[[], dict[str, str]]


class Presentation:
    """The presenter of one host and the frames it draws.

    :param world: the host's world.
    :param gameplay: where the mods' HUD items and camera target are kept.
    :param lines: the host's own overlay lines (tick rate, entities, time per mod ...).
    """

    def __init__(self, world: World, gameplay: Gameplay, lines: Overlay) -> None:
        self._world = world
        self._gameplay = gameplay
        self._lines = lines
        self._presenter: Presenter | None = None
        self._every = 1
        self._extra: Overlay | None = None

    def attach(self, presenter: Presenter, every: int, overlay: Overlay | None) -> None:
        """Draw with ``presenter`` every ``every`` ticks; ``overlay`` adds lines."""
        self._presenter = presenter
        self._every = max(1, every)
        self._extra = overlay

    def snapshot(self) -> FrameSnapshot:
        """A copy of the world for presentation, with the overlay lines."""
        world = self._world
        overlay = self._lines()
        if self._extra is not None:
            overlay.update(self._extra())
        kind_codes, kind_table = world.labels()["kind"]
        hud = self._gameplay.hud
        return FrameSnapshot(
            tick=world.tick,
            ids=world.ids.copy(),
            kinds=world.kind_names(),
            # The world's interned codes: presentation groups entities without a string pass.
            kind_codes=kind_codes,
            kind_table=tuple(str(name) for name in kind_table),
            positions=world.positions.astype(np.float32),
            overlay=overlay,
            hud=hud.items(),
            camera_target=hud.camera_target(world.get),
        )

    def stage(self, dt: float) -> None:
        """The ``presentation`` stage: a frame on every ``every``-th tick."""
        if self._presenter is not None and self._world.tick % self._every == 0:
            self._presenter.draw(self.snapshot())

    def present(self) -> None:
        """Draw the current world now, if a presenter is attached."""
        if self._presenter is not None:
            self._presenter.draw(self.snapshot())

    def close(self) -> None:
        """Close the presenter, if one is attached."""
        if self._presenter is not None:
            self._presenter.close()
