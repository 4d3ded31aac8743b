"""``modhost market list | search | history | install``: what players and operators read
from the market, and installing published mods."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from marketplace import (
    PACKAGE_SUFFIX,
    HistoryEntry,
    InstalledMod,
    Marketplace,
    install,
    parse_request,
)

from ._cli_common import (
    JSON_OPTION,
    console,
    print_diagnostics,
    usage_error,
)
from ._market_common import (
    StoreOpt,
    market_app,
    print_history,
    progress_bar,
    run_action,
    run_list,
)


def register_browse() -> None:
    """Add these commands to ``modhost market``, in ``--help`` order."""
    market_app.command("list")(list_cmd)
    market_app.command("search")(search_cmd)
    market_app.command("history")(history_cmd)
    market_app.command("install")(install_cmd)


def list_cmd(store: StoreOpt = None, as_json: bool = JSON_OPTION) -> None:
    """Published mods (nothing else is ever listed)."""
    run_list(store, as_json, "published", lambda market: market.published())


def search_cmd(
    text: Annotated[str, typer.Argument(help="Words to find in id, name or description.")],
    store: StoreOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Search published mods."""
    run_list(store, as_json, f"published matching '{text}'", lambda m: m.search(text))


def history_cmd(
    target: Annotated[
        str, typer.Argument(help="A submission id, or a mod id (all its submissions).")
    ],
    store: StoreOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Every transition with actor, time, reason and gate results."""

    def history(market: Marketplace) -> list[HistoryEntry]:
        ids = (
            [int(target)]
            if target.isdigit()
            else [s.id for s in market.store.submissions(mod_id=target)]
        )
        if not ids:
            usage_error(f"no submissions for '{target}'")
        return [h for i in ids for h in market.history(i)]

    run_action(
        store,
        as_json,
        history,
        document=lambda rows: {"history": [h.to_dict() for h in rows]},
        human=_print_history_with_findings,
    )


def _print_history_with_findings(rows: list[HistoryEntry]) -> None:
    print_history(rows)
    for h in rows:
        if h.findings:
            console.print(f"gate results at #{h.submission_id}.{h.seq}:")
            print_diagnostics([f.to_diagnostic() for f in h.findings])


def install_cmd(
    requests: Annotated[list[str], typer.Argument(help="ID or ID@RANGE, e.g. coin@>=1.0,<2.")],
    mods: Annotated[Path, typer.Option("--mods", help="The mods folder.")] = Path("mods"),
    store: StoreOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Install published mods and their dependencies, verified before they reach --mods.

    The author keys that verified them are recorded in the host's trust store (for those
    mods only), so they load under a strict signing policy."""
    for text in requests:
        if text.endswith(PACKAGE_SUFFIX) or Path(text).is_file():
            usage_error(
                f"'{text}' is a package file; 'market install' takes ID or ID@RANGE of a "
                "published mod (a package goes through 'market submit' and review first)"
            )

    def install_all(market: Marketplace) -> list[InstalledMod]:
        wanted = dict(parse_request(text) for text in requests)
        with progress_bar(as_json, count=True) as bar:
            task = bar.add_task("installing", total=None)
            step: Callable[[str, int, int], Any] = lambda s, d, t: bar.update(  # noqa: E731
                task, description=s, completed=d, total=t
            )
            return install(market.store, wanted, mods, progress=step)

    run_action(
        store,
        as_json,
        install_all,
        document=lambda done: {"mods_dir": str(mods), "installed": [m.to_dict() for m in done]},
        human=_print_installed,
    )


def _print_installed(done: list[InstalledMod]) -> None:
    for m in done:
        key = f", key {m.key_id}" if m.key_id else ""
        where = "already installed" if m.action == "unchanged" else f"submission #{m.submission_id}"
        console.print(f"{m.action:9} {m.mod_id} {m.version} ({where}{key})")
