"""What ``modhost run --input FILE --record FILE`` (and a window's keyboard) add to a run."""

from __future__ import annotations

from pathlib import Path

from host_api import Diagnostic

from ..core import Host, Stage
from ..gameplay import InputFileInvalid, load_input_file
from ._file import ReplayFileInvalid
from ._replay import Recorder


class RunIO:
    """What ``modhost run --input FILE --record FILE`` (and a window's keyboard) add to a run.

    Create it after ``host.load()``; it queues the input file, starts the recorder and, for a
    window, polls the keyboard and mouse once per tick (events land on the next tick, so a
    recording of a window run replays headless). :attr:`diagnostics` holds a bad input file;
    the caller should not run then. :meth:`finish` writes the recording.

    :param presenter: the run's presenter, if any (only a window is read).
    """

    def __init__(
        self,
        host: Host,
        *,
        input_file: Path | None,
        record: Path | None,
        presenter: object | None = None,
    ) -> None:
        self._host = host
        self._record = record
        self.diagnostics: list[Diagnostic] = []
        if input_file is not None:
            try:
                host.gameplay.input.queue(load_input_file(input_file))
            except InputFileInvalid as exc:
                self.diagnostics.append(exc.to_diagnostic())
        self._recorder = Recorder(host) if record is not None and not self.diagnostics else None
        if getattr(presenter, "mode", None) == "window":
            self._attach_window(presenter)

    def _attach_window(self, presenter: object) -> None:
        # The presenter keeps its Panda3D window private; reading input is the one other
        # thing that needs it, and only here, in a window run.
        window = getattr(presenter, "_output", None)
        if window is None:
            return
        from ..present import WindowInput

        source = WindowInput(window)
        state, world = self._host.gameplay.input, self._host.world

        def poll(dt: float) -> None:
            for kind, key, x, y in source.poll():
                xy = {"x": x, "y": y} if kind == "mouse_move" else {}
                state.queue_now(world.tick + 1, kind, key, **xy)  # type: ignore[arg-type]

        self._host.scheduler.add(Stage.INPUT, poll)

    def finish(self) -> list[Diagnostic]:
        """Write the recording, if any; problems come back as diagnostics."""
        if self._recorder is None or self._record is None:
            return []
        try:
            self._recorder.write(self._record)
        except ReplayFileInvalid as exc:
            return [exc.to_diagnostic()]
        return []
