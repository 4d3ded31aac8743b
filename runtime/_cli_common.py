"""Shared pieces of the CLI: output (rich for people, one JSON document for tools) and exit
codes (0 nothing is an error, 1 an error diagnostic was raised, 2 usage error)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any, Final, NoReturn

import typer
from pydantic import BaseModel
from rich.console import Console

from host_api import Diagnostic, any_error

EXIT_OK: Final = 0
EXIT_ERROR: Final = 1
EXIT_USAGE: Final = 2

#: Human output. JSON never goes through rich (no wrapping, no markup).
console: Final = Console(highlight=False, soft_wrap=True)
err_console: Final = Console(stderr=True, highlight=False, soft_wrap=True)

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
    err_console.print(f"[red]usage error:[/] {_escape(message)}")
    raise typer.Exit(EXIT_USAGE)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
