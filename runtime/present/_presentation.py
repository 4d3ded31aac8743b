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

Exceptions (all below :class:`host_api.ModhostError`)::

    PresentationError
    ├── PresentationUnavailable   PRESENTATION_UNAVAILABLE: no renderer at all
    ├── ScreenshotFailed          SCREENSHOT_FAILED: the PNG could not be written
    └── PresenterClosed           HOST_INTERNAL_ERROR: a closed presenter was used (host bug)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from host_api import Diagnostic, DiagnosticCode, ModhostError

from ..core._frame import Presenter, PresentMode

#: Receives the info diagnostics opening a presenter produces (the fallback note).
Reporter = Callable[[Diagnostic], None]


class PresentationError(ModhostError):
    """Root of the presentation errors."""

    code = DiagnosticCode.PRESENTATION_UNAVAILABLE


class PresentationUnavailable(PresentationError):
    """No renderer could be opened, not even the offscreen software one."""

    code = DiagnosticCode.PRESENTATION_UNAVAILABLE


class ScreenshotFailed(PresentationError):
    """The screenshot could not be read back or written to the path given."""

    code = DiagnosticCode.SCREENSHOT_FAILED


class PresenterClosed(PresentationError):
    """A closed presenter was drawn to or asked for a screenshot: a bug in the caller."""

    code = DiagnosticCode.HOST_INTERNAL_ERROR


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
