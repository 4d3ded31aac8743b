"""What presenting can fail with.

Exceptions (all below :class:`host_api.ModhostError`)::

    PresentationError
    ├── PresentationUnavailable   PRESENTATION_UNAVAILABLE: no renderer at all
    ├── ScreenshotFailed          SCREENSHOT_FAILED: the PNG could not be written
    └── PresenterClosed           HOST_INTERNAL_ERROR: a closed presenter was used (host bug)
"""

from __future__ import annotations

from host_api import DiagnosticCode, ModhostError


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
