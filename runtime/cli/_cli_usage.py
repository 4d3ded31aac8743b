"""Usage errors from the option parser, in the CLI's own one-line format.

Typer shows parser errors (unknown option or command, bad value, missing argument) in a boxed
panel over several lines; the README promises one plain ``usage error: ...`` line and exit 2
for every command. :class:`ModhostGroup` is the root command class: it runs the parser in
non-standalone mode, so parser errors reach it as exceptions, and prints them the same way
as the usage errors the commands raise themselves (:func:`runtime.cli._cli_common.usage_error`).
"""

from __future__ import annotations

import difflib
import re
import sys
from typing import Any, Final

import typer
from typer.core import TyperGroup

from ._cli_common import EXIT_ERROR, EXIT_USAGE, err_console, print_usage_error

# The parser's exception classes are not re-exported by typer (and typer >= 0.20 vendors
# click under a private name), so they are found from the one that is: BadParameter derives
# from UsageError, which derives from ClickException.
_USAGE_ERROR: Final[type[Exception]] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"
)
_CLICK_EXCEPTION: Final[type[Exception]] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)
_NO_SUCH_COMMAND: Final = re.compile(r"No such command '(?P<name>[^']*)'")


class ModhostGroup(TyperGroup):
    """The root command: parser errors become one ``usage error:`` line and exit 2."""

    def main(  # type: ignore[override]
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command line; exits (``SystemExit``) with the command's code."""
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.Abort:
            err_console.print("[red]aborted[/]")
            sys.exit(EXIT_ERROR)
        except _USAGE_ERROR as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":
                # A bare group (``modhost``, ``modhost market``): the help is the answer.
                # Typer has printed it already; older versions return it as the message.
                if message := _message_of(exc).strip():
                    sys.stderr.write(message + "\n")
            else:
                print_usage_error(describe_usage_error(exc))
            sys.exit(EXIT_USAGE)
        except _CLICK_EXCEPTION as exc:
            err_console.print(f"[red]error:[/] {_one_line(_message_of(exc))}", markup=True)
            sys.exit(int(getattr(exc, "exit_code", EXIT_ERROR)))
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


def describe_usage_error(exc: Exception) -> str:
    """One line for a parser error: what is wrong, a did-you-mean when a name is close to
    one that exists, and where the help is."""
    ctx = getattr(exc, "ctx", None)
    option = getattr(exc, "option_name", None)
    if type(exc).__name__ == "NoSuchOption" and option is not None:
        known = _option_names(ctx)
        text = f"no such option {option}{_did_you_mean(option, known)}"
    elif (match := _NO_SUCH_COMMAND.match(getattr(exc, "message", ""))) is not None:
        name = match["name"]
        known = _command_names(ctx)
        text = f"no such command '{name}'{_did_you_mean(name, known)}"
    else:
        text = _one_line(_message_of(exc)).rstrip(".")
        text = text[:1].lower() + text[1:]
    if ctx is not None:
        text += f" (see '{ctx.command_path} --help')"
    return text


def _did_you_mean(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    if not close:
        return ""
    # Name the runners-up only when they are about as close as the best match.
    best = difflib.SequenceMatcher(None, name, close[0]).ratio()
    close = [c for c in close if difflib.SequenceMatcher(None, name, c).ratio() >= best - 0.1]
    return "; did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def _option_names(ctx: Any) -> list[str]:
    if ctx is None:
        return []
    names: list[str] = []
    for param in ctx.command.get_params(ctx):
        names += [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]
    return [n for n in names if n.startswith("-")]


def _command_names(ctx: Any) -> list[str]:
    if ctx is None or not hasattr(ctx.command, "list_commands"):
        return []
    return list(ctx.command.list_commands(ctx))


def _message_of(exc: Exception) -> str:
    format_message = getattr(exc, "format_message", None)
    return str(format_message()) if callable(format_message) else str(exc)


def _one_line(text: str) -> str:
    return " ".join(text.split())
