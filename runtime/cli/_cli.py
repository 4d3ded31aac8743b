"""The ``modhost`` command line: one typer app, one module per command group.

Each ``_cmd_*`` module defines ``register(app)``; :func:`main` imports them in order, so a
command group never reaches into another's module.
"""

from __future__ import annotations

import importlib
import sys
from typing import Final

import typer

from host_api import DiagnosticCode, ModhostError

from ._cli_common import EXIT_ERROR, err_console, print_diagnostics
from ._cli_usage import ModhostGroup

#: Command modules, registered in this order (their order in ``--help``).
COMMAND_MODULES: Final[tuple[str, ...]] = (
    "runtime.cli._cmd_run",
    "runtime.cli._cmd_profile",
    "runtime.cli._cmd_replay",
    "runtime.cli._cmd_check",
    "runtime.cli._cmd_new",
    "runtime.cli._cmd_schema",
    "runtime.cli._cmd_signing",
    "runtime.cli._cmd_market",
    "runtime.cli._cmd_market_server",
    "runtime.cli._cmd_sandbox",
)

app = typer.Typer(
    name="modhost",
    cls=ModhostGroup,
    help="modhost: a scripting-first game runtime that hosts sandboxed mods.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)

_state: dict[str, bool] = {"debug": False}


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show Python tracebacks on host errors."),
) -> None:
    """modhost: run, check, sign and publish sandboxed mods."""
    _state["debug"] = debug


def build_app() -> typer.Typer:
    """Register every command module onto the app (idempotent) and return it."""
    if not getattr(build_app, "_done", False):
        for name in COMMAND_MODULES:
            importlib.import_module(name).register(app)
        build_app._done = True  # type: ignore[attr-defined]
    return app


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli = build_app()
    try:
        cli(args=argv, prog_name="modhost", standalone_mode=True)
    except ModhostError as exc:
        print_diagnostics([exc.to_diagnostic()], stderr=True)
        sys.exit(EXIT_ERROR)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:
        if _state["debug"] or "--debug" in (argv or sys.argv):
            raise
        err_console.print(
            f"[red]error: {DiagnosticCode.HOST_INTERNAL_ERROR}: {type(exc).__name__}: {exc}[/]\n"
            "[dim]    hint: this is a bug in modhost; rerun with --debug for the traceback[/]"
        )
        sys.exit(EXIT_ERROR)
