"""What every ``modhost market`` command shares: the group, its options, and the plumbing
that opens the store, runs one action, reports it (JSON or people's text) and turns a
marketplace error into diagnostics."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Final, TypeVar

import typer
from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from host_api import ModhostError
from marketplace import HistoryEntry, Marketplace, State, Submission, as_market_error

from ._cli_common import (
    EXIT_ERROR,
    console,
    err_console,
    print_diagnostics,
    print_json,
    usage_error,
)
from ._market_target import open_market, remote_url

USER_ENV: Final = "MODHOST_USER"

_T = TypeVar("_T")

market_app = typer.Typer(
    name="market",
    help="Package, submit, review, publish and install mods.",
    no_args_is_help=True,
)

StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Store URL (sqlite:///path.db or postgresql://...); "
        "default $MODHOST_MARKET_URL or .modhost/market/market.db.",
    ),
]
ActorOpt = Annotated[str | None, typer.Option("--as", help=f"Who is acting (default ${USER_ENV}).")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (recorded in the history).")]
IdArg = Annotated[int, typer.Argument(help="Submission id.", min=1)]


# -- plumbing ----------------------------------------------------------------------------


def actor_of(value: str | None) -> str:
    if remote_url() is not None:
        return ""  # a server takes the actor from the login token, never from the client
    actor = (value or os.environ.get(USER_ENV, "")).strip()
    if not actor:
        usage_error(f"say who is acting with --as NAME (or set {USER_ENV})")
    return actor


@contextmanager
def diagnosed(as_json: bool) -> Iterator[None]:
    """Turn a ModhostError raised inside into its diagnostics (stderr, or the JSON document
    ``{"ok": false, "diagnostics": [...]}``) and exit 1. The marketplace's error boundary:
    a file or driver error is translated by :func:`marketplace.as_market_error` first."""
    try:
        try:
            yield
        except ModhostError:
            raise
        except Exception as exc:
            translated = as_market_error(exc)
            if translated is None:
                raise
            raise translated from exc
    except ModhostError as exc:
        diagnostics = list(getattr(exc, "diagnostics", ()) or (exc.to_diagnostic(),))
        if as_json:
            dumped = [d.model_dump(mode="json") for d in diagnostics]
            print_json({"ok": False, "diagnostics": dumped})
        else:
            print_diagnostics(diagnostics, stderr=True)
        raise typer.Exit(EXIT_ERROR) from None


def run_action(
    store_url: str | None,
    as_json: bool,
    action: Callable[[Marketplace], _T],
    *,
    document: Callable[[_T], dict[str, Any]],
    human: Callable[[_T], object],
) -> _T:
    """The body of a store command: open the store, run ``action``, close the store, report.

    Prints ``{"ok": true, **document(result)}`` with ``--json``, else calls ``human(result)``
    (which prints for people). A ModhostError from opening the store or from ``action`` is
    reported as in :func:`diagnosed` (exit 1); a usage error raised in ``action`` exits 2.
    Returns the result, so a command can still pick its exit code from it.
    """
    with diagnosed(as_json), open_market(store_url) as market:
        result = action(market)
    if as_json:
        print_json({"ok": True, **document(result)})
    else:
        human(result)
    return result


def progress_bar(disabled: bool, *, count: bool = False) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn() if count else DownloadColumn(),
        console=err_console,
        transient=True,
        disable=disabled,
    )


def run_submission(
    store_url: str | None, as_json: bool, verb: str, action: Callable[[Marketplace], Submission]
) -> Submission:
    """:func:`run_action` for an action that returns one submission: ``{"submission": ...}``, or
    ``VERB: #ID MOD VERSION is now STATE`` (plus the findings once the gates have run)."""
    return run_action(
        store_url,
        as_json,
        action,
        document=lambda sub: {"submission": sub.to_dict()},
        human=lambda sub: print_submission(sub, verb),
    )


def print_submission(sub: Submission, verb: str) -> None:
    console.print(f"{verb}: #{sub.id} {sub.mod_id} {sub.version} is now [bold]{sub.state}[/]")
    if sub.state == State.REVIEW and sub.gates_passed is not None:
        print_findings(sub)


def print_findings(sub: Submission) -> None:
    if sub.findings:
        print_diagnostics([f.to_diagnostic() for f in sub.findings])
    verdict = "[green]all gates passed[/]" if sub.gates_passed else "[red]gates failed[/]"
    console.print(verdict)


def run_list(
    store_url: str | None,
    as_json: bool,
    title: str,
    action: Callable[[Marketplace], list[Submission]],
) -> None:
    """:func:`run_action` for an action that lists submissions: ``{"submissions": [...]}``, or a
    table called ``title`` (``TITLE: nothing`` when it is empty)."""
    run_action(
        store_url,
        as_json,
        action,
        document=lambda subs: {"submissions": [s.to_dict() for s in subs]},
        human=lambda subs: console.print(
            submissions_table(subs, title) if subs else f"{title}: nothing"
        ),
    )


def submissions_table(subs: list[Submission], title: str) -> Table:
    table = Table(title=title)
    for column in ("id", "mod", "version", "author", "state", "gates", "updated"):
        table.add_column(column)
    for s in subs:
        gates = {None: "-", True: "passed", False: "failed"}[s.gates_passed]
        table.add_row(
            str(s.id), s.mod_id, s.version, s.author, str(s.state), gates, s.updated_at[:19]
        )
    return table


def print_history(history: list[HistoryEntry]) -> None:
    """One plain line per step, naming the submission and its version (never cut to the
    terminal's width)."""
    console.print("history")
    for h in history:
        errors = sum(f.severity == "error" for f in h.findings)
        gates = ""
        if h.to_state == State.REVIEW:
            gates = ", gates passed" if not errors else f", gates: {errors} error(s)"
        reason = f": {h.reason}" if h.reason else ""
        console.print(
            f"  #{h.submission_id} {h.version or '?'} step {h.seq}  {h.at[:19]}  "
            f"{h.from_state or 'new'} -> {h.to_state} by {h.actor}{gates}{reason}",
            soft_wrap=True,
            markup=False,
            highlight=False,
        )
