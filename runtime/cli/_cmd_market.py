"""``modhost market ...``: the submission pipeline from the command line.

Every command takes ``--json`` (one JSON document on stdout: ``{"ok": ..., ...}``), ``--store
URL`` (else ``$MODHOST_MARKET_URL``, else ``.modhost/market/market.db``) and, when it acts on
someone's behalf, ``--as NAME`` (else ``$MODHOST_USER``). Progress bars (pack, upload,
install) go to stderr and never mix with the JSON.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Final, TypeVar

import typer
from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from host_api import ModhostError, load_manifest
from marketplace import (
    PACKAGE_SUFFIX,
    AuditRecord,
    Finding,
    HistoryEntry,
    InstalledMod,
    Marketplace,
    State,
    Submission,
    as_market_error,
    install,
    pack_bytes,
    parse_request,
    read_package,
)

from ._cli_common import (
    EXIT_ERROR,
    JSON_OPTION,
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


def register(app: typer.Typer) -> None:
    """Add the ``market`` command group."""
    app.add_typer(market_app, name="market")


# -- plumbing ----------------------------------------------------------------------------


def _actor(value: str | None) -> str:
    if remote_url() is not None:
        return ""  # a server takes the actor from the login token, never from the client
    actor = (value or os.environ.get(USER_ENV, "")).strip()
    if not actor:
        usage_error(f"say who is acting with --as NAME (or set {USER_ENV})")
    return actor


@contextmanager
def _diagnosed(as_json: bool) -> Iterator[None]:
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


def _run(
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
    reported as in :func:`_diagnosed` (exit 1); a usage error raised in ``action`` exits 2.
    Returns the result, so a command can still pick its exit code from it.
    """
    with _diagnosed(as_json), open_market(store_url) as market:
        result = action(market)
    if as_json:
        print_json({"ok": True, **document(result)})
    else:
        human(result)
    return result


def _bar(disabled: bool, *, count: bool = False) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn() if count else DownloadColumn(),
        console=err_console,
        transient=True,
        disable=disabled,
    )


def _run_submission(
    store_url: str | None, as_json: bool, verb: str, action: Callable[[Marketplace], Submission]
) -> Submission:
    """:func:`_run` for an action that returns one submission: ``{"submission": ...}``, or
    ``VERB: #ID MOD VERSION is now STATE`` (plus the findings once the gates have run)."""
    return _run(
        store_url,
        as_json,
        action,
        document=lambda sub: {"submission": sub.to_dict()},
        human=lambda sub: _print_submission(sub, verb),
    )


def _print_submission(sub: Submission, verb: str) -> None:
    console.print(f"{verb}: #{sub.id} {sub.mod_id} {sub.version} is now [bold]{sub.state}[/]")
    if sub.state == State.REVIEW and sub.gates_passed is not None:
        _print_findings(sub)


def _print_findings(sub: Submission) -> None:
    if sub.findings:
        print_diagnostics([f.to_diagnostic() for f in sub.findings])
    verdict = "[green]all gates passed[/]" if sub.gates_passed else "[red]gates failed[/]"
    console.print(verdict)


def _run_list(
    store_url: str | None,
    as_json: bool,
    title: str,
    action: Callable[[Marketplace], list[Submission]],
) -> None:
    """:func:`_run` for an action that lists submissions: ``{"submissions": [...]}``, or a
    table called ``title`` (``TITLE: nothing`` when it is empty)."""
    _run(
        store_url,
        as_json,
        action,
        document=lambda subs: {"submissions": [s.to_dict() for s in subs]},
        human=lambda subs: console.print(_table(subs, title) if subs else f"{title}: nothing"),
    )


def _table(subs: list[Submission], title: str) -> Table:
    table = Table(title=title)
    for column in ("id", "mod", "version", "author", "state", "gates", "updated"):
        table.add_column(column)
    for s in subs:
        gates = {None: "-", True: "passed", False: "failed"}[s.gates_passed]
        table.add_row(
            str(s.id), s.mod_id, s.version, s.author, str(s.state), gates, s.updated_at[:19]
        )
    return table


# -- author ------------------------------------------------------------------------------


@market_app.command("pack")
def pack_cmd(
    folder: Annotated[Path, typer.Argument(help="The mod folder (with mod.toml, mod.sig).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Package path.")] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Build a .modpkg (a zip of the mod folder with its mod.sig)."""
    if not folder.is_dir():
        usage_error(f"{folder} is not a folder")
    with _diagnosed(as_json):
        manifest = load_manifest(folder)
        with _bar(as_json) as bar:
            task = bar.add_task(f"packing {manifest.id}", total=None)
            data = pack_bytes(folder, progress=lambda d, t: bar.update(task, completed=d, total=t))
    target = out or Path(f"{manifest.id}-{manifest.version}{PACKAGE_SUFFIX}")
    with _diagnosed(as_json):
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
    with _diagnosed(as_json), _bar(as_json) as bar:
        task = bar.add_task(f"uploading {path.name}", total=None)
        return read_package(path, progress=lambda d, t: bar.update(task, completed=d, total=t))


@market_app.command("submit")
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
    who = _actor(actor)
    data = _read_with_progress(package, as_json)

    def submit(market: Marketplace) -> Submission:
        if revise is None:
            return market.submit(data, actor=who)
        return market.revise(revise, data, actor=who)

    _run_submission(store, as_json, "submitted", submit)


@market_app.command("request-review")
def request_review_cmd(
    submission: IdArg,
    actor: ActorOpt = None,
    store: StoreOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Move a draft to review; runs every validation gate and records the findings."""
    who = _actor(actor)

    def request_review(market: Marketplace) -> Submission:
        if not as_json:
            err_console.print("running the validation gates...")
        return market.request_review(submission, actor=who)

    sub = _run_submission(store, as_json, "review requested", request_review)
    if not sub.gates_passed:
        raise typer.Exit(EXIT_ERROR) from None


# -- reviewer and maintainer -------------------------------------------------------------


@market_app.command("review-queue")
def review_queue_cmd(store: StoreOpt = None, as_json: bool = JSON_OPTION) -> None:
    """Submissions waiting for a reviewer, oldest first."""
    _run_list(store, as_json, "review queue", lambda market: market.review_queue())


#: What ``show`` reads: the JSON document ``Marketplace.show`` builds, the submission itself
#: and its history (the human form needs the objects, the JSON form only the document).
_Shown = tuple[dict[str, Any], Submission, list[HistoryEntry]]


@market_app.command("show")
def show_cmd(submission: IdArg, store: StoreOpt = None, as_json: bool = JSON_OPTION) -> None:
    """Manifest, findings, file diff against the previous published version, and history."""

    def show(market: Marketplace) -> _Shown:
        shown = market.show(submission)
        return shown, market.store.get(submission), market.history(submission)

    _run(store, as_json, show, document=lambda shown: shown[0], human=_print_shown)


def _print_shown(shown: _Shown) -> None:
    document, sub, history = shown
    console.print(f"#{sub.id} {sub.mod_id} {sub.version} by {sub.author}: [bold]{sub.state}[/]")
    console.print(f"package sha256 {sub.artifact}")
    for key in ("name", "description", "host", "capabilities"):
        if key in sub.manifest:
            console.print(f"  {key}: {sub.manifest[key]}")
    if sub.gates_passed is not None:
        _print_findings(sub)
    if document["package_unsafe"]:
        console.print("the stored package is unsafe; its files are not shown:")
        print_diagnostics(
            [Finding.from_dict(f).to_diagnostic() for f in document["package_unsafe"]]
        )
    diff = document["diff"]
    if diff:
        console.print(f"files vs published {diff['against']['version']}:")
        for kind, sign in (("added", "+"), ("removed", "-"), ("changed", "~")):
            for name in diff[kind]:
                console.print(f"  {sign} {name}")
    _print_history(history)


def _print_history(history: list[HistoryEntry]) -> None:
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


def _move_command(name: str, target: State, *, needs_reason: bool, doc: str) -> None:
    def command(
        submission: IdArg,
        reason: ReasonOpt = "",
        actor: ActorOpt = None,
        store: StoreOpt = None,
        as_json: bool = JSON_OPTION,
    ) -> None:
        who = _actor(actor)
        if needs_reason and not reason.strip():
            usage_error(f"'market {name}' needs --reason")
        _run_submission(
            store,
            as_json,
            name,
            lambda market: market.move(submission, target, actor=who, reason=reason),
        )

    command.__doc__ = doc
    market_app.command(name)(command)


_move_command(
    "approve",
    State.APPROVED,
    needs_reason=False,
    doc="Approve a submission in review (a reviewer, not its author; gates passed).",
)
_move_command(
    "reject",
    State.REJECTED,
    needs_reason=True,
    doc="Reject a submission in review, with --reason (final).",
)
_move_command(
    "request-changes",
    State.CHANGES_REQUESTED,
    needs_reason=True,
    doc="Send a submission in review back to its author, with --reason.",
)
_move_command(
    "publish",
    State.PUBLISHED,
    needs_reason=False,
    doc="Publish an approved submission (a maintainer).",
)
_move_command(
    "yank",
    State.YANKED,
    needs_reason=True,
    doc="Withdraw a published submission, with --reason (a maintainer; final).",
)


@market_app.command("register-key")
def register_key_cmd(
    name: Annotated[str, typer.Argument(help="The author.")],
    pubkey: Annotated[Path, typer.Argument(help="Their public key (.pub, PEM).")],
    actor: ActorOpt = None,
    store: StoreOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Register an author's public key; the signature gate trusts only registered keys."""
    who = _actor(actor)
    if not pubkey.is_file():
        usage_error(f"{pubkey} is not a file")
    _run(
        store,
        as_json,
        lambda market: market.register_key(name, pubkey.read_text(encoding="utf-8"), actor=who),
        document=lambda key_id: {"author": name, "key_id": key_id},
        human=lambda key_id: console.print(f"registered key {key_id} for {name}"),
    )


@market_app.command("revoke-key")
def revoke_key_cmd(
    name: Annotated[str, typer.Argument(help="The author.")],
    key_id: Annotated[str, typer.Argument(help="The key id (as register-key printed it).")],
    actor: ActorOpt = None,
    store: StoreOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Revoke an author's key: what it signed no longer passes review or installs."""
    who = _actor(actor)
    _run(
        store,
        as_json,
        lambda market: market.revoke_key(name, key_id, actor=who),
        document=lambda _: {"author": name, "revoked": key_id},
        human=lambda _: console.print(f"revoked key {key_id} of {name}"),
    )


@market_app.command("keys")
def keys_cmd(
    name: Annotated[str, typer.Argument(help="The author.")],
    store: StoreOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """List an author's registered keys."""
    _run(
        store,
        as_json,
        lambda market: market.store.keys_for(name),
        document=lambda keys: {
            "author": name,
            "keys": [{"key_id": k.key_id, "added_at": k.added_at} for k in keys],
        },
        human=lambda keys: console.print(
            "\n".join(f"{k.key_id}  added {k.added_at[:19]}" for k in keys)
            or f"{name} has no registered keys"
        ),
    )


@market_app.command("grant-role")
def grant_role_cmd(
    name: Annotated[str, typer.Argument(help="Who gets the role.")],
    role: Annotated[str, typer.Argument(help="reviewer or maintainer.")],
    actor: ActorOpt = None,
    store: StoreOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Grant a role (maintainers only; in a store without maintainers, anyone: bootstrap)."""
    who = _actor(actor)

    def grant(market: Marketplace) -> list[str]:
        market.grant_role(name, role, actor=who)
        return sorted(market.store.roles_of(name))

    _run(
        store,
        as_json,
        grant,
        document=lambda roles: {"name": name, "roles": roles},
        human=lambda roles: console.print(f"{name}: {', '.join(roles)}"),
    )


# -- players and operators ---------------------------------------------------------------


@market_app.command("audit-log")
def audit_log_cmd(store: StoreOpt = None, as_json: bool = JSON_OPTION) -> None:
    """Every key registration, key revocation and role grant (transitions: 'history')."""
    _run(
        store,
        as_json,
        lambda market: market.store.audit_log(),
        document=lambda records: {"audit_log": [r.to_dict() for r in records]},
        human=_print_audit_log,
    )


def _print_audit_log(records: list[AuditRecord]) -> None:
    table = Table(title="audit log")
    for column in ("at", "actor", "action", "subject", "detail"):
        table.add_column(column)
    for r in records:
        table.add_row(r.at[:19], r.actor, r.action, r.subject, r.detail)
    console.print(table)


@market_app.command("list")
def list_cmd(store: StoreOpt = None, as_json: bool = JSON_OPTION) -> None:
    """Published mods (nothing else is ever listed)."""
    _run_list(store, as_json, "published", lambda market: market.published())


@market_app.command("search")
def search_cmd(
    text: Annotated[str, typer.Argument(help="Words to find in id, name or description.")],
    store: StoreOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Search published mods."""
    _run_list(store, as_json, f"published matching '{text}'", lambda m: m.search(text))


@market_app.command("history")
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

    _run(
        store,
        as_json,
        history,
        document=lambda rows: {"history": [h.to_dict() for h in rows]},
        human=_print_history_with_findings,
    )


def _print_history_with_findings(rows: list[HistoryEntry]) -> None:
    _print_history(rows)
    for h in rows:
        if h.findings:
            console.print(f"gate results at #{h.submission_id}.{h.seq}:")
            print_diagnostics([f.to_diagnostic() for f in h.findings])


@market_app.command("install")
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
        with _bar(as_json, count=True) as bar:
            task = bar.add_task("installing", total=None)
            step: Callable[[str, int, int], Any] = lambda s, d, t: bar.update(  # noqa: E731
                task, description=s, completed=d, total=t
            )
            return install(market.store, wanted, mods, progress=step)

    _run(
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
