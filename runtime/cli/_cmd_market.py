"""``modhost market ...``: the submission pipeline from the command line.

Every command takes ``--json`` (one JSON document on stdout: ``{"ok": ..., ...}``), ``--store
URL`` (else ``$MODHOST_MARKET_URL``, else ``.modhost/market/market.db``) and, when it acts on
someone's behalf, ``--as NAME`` (else ``$MODHOST_USER``). Progress bars (pack, upload,
install) go to stderr and never mix with the JSON.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

import typer

from host_api import load_manifest
from marketplace import PACKAGE_SUFFIX, Marketplace, Submission, pack_bytes, read_package

from ._cli_common import (
    EXIT_ERROR,
    JSON_OPTION,
    console,
    err_console,
    print_json,
    usage_error,
)
from ._market_browse import register_browse
from ._market_common import (
    ActorOpt,
    IdArg,
    StoreOpt,
    actor_of,
    diagnosed,
    market_app,
    progress_bar,
    run_submission,
)
from ._market_people import register_people
from ._market_review import register_review


def register(app: typer.Typer) -> None:
    """Add the ``market`` command group, its commands in ``--help`` order."""
    market_app.command("pack")(pack_cmd)
    market_app.command("submit")(submit_cmd)
    market_app.command("request-review")(request_review_cmd)
    register_review()
    register_people()
    register_browse()
    app.add_typer(market_app, name="market")


def pack_cmd(
    folder: Annotated[Path, typer.Argument(help="The mod folder (with mod.toml, mod.sig).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Package path.")] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Build a .modpkg (a zip of the mod folder with its mod.sig)."""
    if not folder.is_dir():
        usage_error(f"{folder} is not a folder")
    with diagnosed(as_json):
        manifest = load_manifest(folder)
        with progress_bar(as_json) as bar:
            task = bar.add_task(f"packing {manifest.id}", total=None)
            data = pack_bytes(folder, progress=lambda d, t: bar.update(task, completed=d, total=t))
    target = out or Path(f"{manifest.id}-{manifest.version}{PACKAGE_SUFFIX}")
    with diagnosed(as_json):
        target.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    signed = (folder / "mod.sig").is_file()
    if as_json:
        print_json(
            {
                "ok": True,
                "package": str(target),
                "mod": manifest.id,
                "version": manifest.version,
                "sha256": sha,
                "bytes": len(data),
                "signed": signed,
            }
        )
        return
    console.print(f"packed {manifest.id} {manifest.version} -> {target} ({len(data)} bytes)")
    if not signed:
        console.print(
            "[yellow]warning: no mod.sig; sign it with 'modhost sign DIR' first, "
            "or the signature gate will fail[/]"
        )


def _read_with_progress(path: Path, as_json: bool) -> bytes:
    """The package's bytes; refused by its size before it is read (PACKAGE_UNSAFE)."""
    if not path.is_file():
        usage_error(f"{path} is not a file")
    with diagnosed(as_json), progress_bar(as_json) as bar:
        task = bar.add_task(f"uploading {path.name}", total=None)
        return read_package(path, progress=lambda d, t: bar.update(task, completed=d, total=t))


def submit_cmd(
    package: Annotated[Path, typer.Argument(help="A .modpkg built by 'market pack'.")],
    revise: Annotated[
        int | None,
        typer.Option(
            "--revise", help="Submission id in changes_requested to give this new package."
        ),
    ] = None,
    actor: ActorOpt = None,
    store: StoreOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a submission in draft (or revise one whose changes were requested)."""
    who = actor_of(actor)
    data = _read_with_progress(package, as_json)

    def submit(market: Marketplace) -> Submission:
        if revise is None:
            return market.submit(data, actor=who)
        return market.revise(revise, data, actor=who)

    run_submission(store, as_json, "submitted", submit)


def request_review_cmd(
    submission: IdArg,
    actor: ActorOpt = None,
    store: StoreOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Move a draft to review; runs every validation gate and records the findings."""
    who = actor_of(actor)

    def request_review(market: Marketplace) -> Submission:
        if not as_json:
            err_console.print("running the validation gates...")
        return market.request_review(submission, actor=who)

    sub = run_submission(store, as_json, "review requested", request_review)
    if not sub.gates_passed:
        raise typer.Exit(EXIT_ERROR) from None
