"""Opening a presenter: the lazy entry point to Panda3D.

Nothing here imports Panda3D at module level: :func:`open_presenter` imports
``_panda_presenter`` when it is called, so a ``--headless`` run, which never calls it,
never loads Panda3D. The decision of which output to open is made here, up front:

- ``"offscreen"`` always renders with the software rasteriser into a buffer; no display is
  touched, whatever ``DISPLAY`` says.
- ``"window"`` opens a window when the machine has a display; without one (no ``DISPLAY`` or
  ``WAYLAND_DISPLAY`` on Linux and other X11 systems) it goes straight to offscreen, and when
  a display is named but no window can be opened on it, it falls back to offscreen too. Either
  way it reports one ``PRESENTATION_FALLBACK`` info diagnostic and no Panda3D error lines, and
  the returned presenter's ``mode`` is ``"offscreen"``.

The exceptions it raises live in ``_errors`` (the Panda3D modules raise them too).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from host_api import Diagnostic, DiagnosticCode

from ..core import Presenter, PresentMode
from ._errors import (
    PresentationError as PresentationError,
)
from ._errors import (
    PresentationUnavailable as PresentationUnavailable,
)
from ._errors import (
    PresenterClosed as PresenterClosed,
)
from ._errors import (
    ScreenshotFailed as ScreenshotFailed,
)

#: Receives the info diagnostics opening a presenter produces (the fallback note).
Reporter = Callable[[Diagnostic], None]


def display_available(environ: dict[str, str] | os._Environ[str] | None = None) -> bool:
    """Whether a window could be shown at all: always on Windows and macOS, else only when
    ``DISPLAY`` or ``WAYLAND_DISPLAY`` is set and non-empty."""
    env = os.environ if environ is None else environ
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def open_presenter(
    mode: PresentMode,
    *,
    size: tuple[int, int] = (960, 540),
    report: Reporter | None = None,
) -> Presenter:
    """Open a Panda3D presenter for ``mode`` (imports Panda3D on first call).

    :param mode: ``"window"`` or ``"offscreen"`` (see the module docstring for fallbacks).
    :param size: output size in pixels, (width, height), each at least 16.
    :param report: receives the ``PRESENTATION_FALLBACK`` info diagnostic when a window
        request ends up offscreen; by default it is printed as one line on stderr.
    :returns: a ``_panda_presenter.PandaPresenter``; its ``mode`` is the mode in use.
    :raises PresentationUnavailable: when not even offscreen rendering works.
    :raises ValueError: for a mode or size that makes no sense (a caller bug).
    """
    if mode not in ("window", "offscreen"):
        raise ValueError(f"mode must be 'window' or 'offscreen', not {mode!r}")
    if len(size) != 2 or min(size) < 16:
        raise ValueError(f"size must be (width, height), each >= 16, not {size!r}")
    from ._panda_presenter import PandaPresenter

    emit = report or _print_info
    if mode == "window" and not display_available():
        emit(_fallback("no display (DISPLAY is not set)"))
        mode = "offscreen"
    if mode == "window":
        try:
            return PandaPresenter("window", size)
        except PresentationUnavailable as exc:
            emit(_fallback(f"no window could be opened ({exc.message})"))
    return PandaPresenter("offscreen", size)


def _fallback(reason: str) -> Diagnostic:
    return Diagnostic(
        code=DiagnosticCode.PRESENTATION_FALLBACK,
        severity="info",
        message=f"rendering offscreen with the software renderer: {reason}",
        hint="use --offscreen to ask for this directly, or --headless to render nothing",
    )


def _print_info(diagnostic: Diagnostic) -> None:
    sys.stderr.write(diagnostic.render().partition("\n")[0] + "\n")
