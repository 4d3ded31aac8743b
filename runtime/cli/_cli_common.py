"""Shared pieces of the CLI: output (rich for people, one JSON document for tools) and exit
codes (0 nothing is an error, 1 an error diagnostic was raised, 2 usage error)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any, Final, NoReturn

import typer
from pydantic import BaseModel
from rich.console import Console, ConsoleDimensions

from host_api import Diagnostic, any_error

EXIT_OK: Final = 0
EXIT_ERROR: Final = 1
EXIT_USAGE: Final = 2

#: The width output is laid out for when it goes to a file or pipe: wide enough that no
#: table cell is ever cut (a table takes only the width its cells need).
UNBOUNDED_WIDTH: Final = 100_000


class _Console(Console):
    """A rich console that lays out for the terminal when there is one and never truncates
    otherwise: piped to a file or a CI log, rich would assume 80 columns and cut table cells
    (``faul…``), losing the values people grep for."""

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        return size if self.is_terminal else ConsoleDimensions(UNBOUNDED_WIDTH, size.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


#: Human output. JSON never goes through rich (no wrapping, no markup).
console: Final = _Console(highlight=False, soft_wrap=True)
err_console: Final = _Console(stderr=True, highlight=False, soft_wrap=True)

JSON_OPTION: Final = typer.Option(False, "--json", help="Print one JSON document on stdout.")


def print_json(document: BaseModel | dict[str, Any]) -> None:
    """Print exactly one JSON document on stdout."""
    if isinstance(document, BaseModel):
        text = document.model_dump_json(indent=2, by_alias=True)
    else:
        text = json.dumps(document, indent=2, sort_keys=False, default=str)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def print_diagnostics(diagnostics: Iterable[Diagnostic], *, stderr: bool = False) -> None:
    """Print diagnostics for people, coloured by severity."""
    out = err_console if stderr else console
    colours = {"error": "red", "warning": "yellow", "info": "cyan"}
    for d in diagnostics:
        head, _, rest = d.render().partition("\n")
        out.print(f"[{colours[d.severity]}]{_escape(head)}[/]")
        if rest:
            out.print(f"[dim]{_escape(rest)}[/]")


def exit_code_for(diagnostics: Iterable[Diagnostic]) -> int:
    """1 when any diagnostic is an error, else 0."""
    return EXIT_ERROR if any_error(list(diagnostics)) else EXIT_OK


def finish(diagnostics: Iterable[Diagnostic]) -> NoReturn:
    """Exit with the code the diagnostics call for."""
    raise typer.Exit(exit_code_for(diagnostics))


def usage_error(message: str) -> NoReturn:
    """Report a usage error and exit 2."""
    print_usage_error(message)
    raise typer.Exit(EXIT_USAGE)


def print_usage_error(message: str) -> None:
    """The one line every usage error is: ``usage error: <what is wrong>`` on stderr."""
    err_console.print(f"[red]usage error:[/] {_escape(message)}")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
