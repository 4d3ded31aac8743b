"""``modhost market review-queue | show | approve | reject | request-changes | publish |
yank``: what reviewers and maintainers do with a submission."""

from __future__ import annotations

from typing import Any, Final

from marketplace import Finding, HistoryEntry, Marketplace, State, Submission

from ._cli_common import (
    JSON_OPTION,
    console,
    print_diagnostics,
    usage_error,
)
from ._market_common import (
    ActorOpt,
    IdArg,
    ReasonOpt,
    StoreOpt,
    actor_of,
    market_app,
    print_findings,
    print_history,
    run_action,
    run_list,
    run_submission,
)


def register_review() -> None:
    """Add these commands to ``modhost market``, in ``--help`` order."""
    market_app.command("review-queue")(review_queue_cmd)
    market_app.command("show")(show_cmd)
    for name, target, needs_reason, doc in _MOVES:
        _move_command(name, target, needs_reason=needs_reason, doc=doc)


def review_queue_cmd(store: StoreOpt = None, as_json: bool = JSON_OPTION) -> None:
    """Submissions waiting for a reviewer, oldest first."""
    run_list(store, as_json, "review queue", lambda market: market.review_queue())


#: What ``show`` reads: the JSON document ``Marketplace.show`` builds, the submission itself
#: and its history (the human form needs the objects, the JSON form only the document).
_Shown = tuple[dict[str, Any], Submission, list[HistoryEntry]]


def show_cmd(submission: IdArg, store: StoreOpt = None, as_json: bool = JSON_OPTION) -> None:
    """Manifest, findings, file diff against the previous published version, and history."""

    def show(market: Marketplace) -> _Shown:
        shown = market.show(submission)
        return shown, market.store.get(submission), market.history(submission)

    run_action(store, as_json, show, document=lambda shown: shown[0], human=_print_shown)


def _print_shown(shown: _Shown) -> None:
    document, sub, history = shown
    console.print(f"#{sub.id} {sub.mod_id} {sub.version} by {sub.author}: [bold]{sub.state}[/]")
    console.print(f"package sha256 {sub.artifact}")
    for key in ("name", "description", "host", "capabilities"):
        if key in sub.manifest:
            console.print(f"  {key}: {sub.manifest[key]}")
    if sub.gates_passed is not None:
        print_findings(sub)
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
    print_history(history)


def _move_command(name: str, target: State, *, needs_reason: bool, doc: str) -> None:
    def command(
        submission: IdArg,
        reason: ReasonOpt = "",
        actor: ActorOpt = None,
        store: StoreOpt = None,
        as_json: bool = JSON_OPTION,
    ) -> None:
        who = actor_of(actor)
        if needs_reason and not reason.strip():
            usage_error(f"'market {name}' needs --reason")
        run_submission(
            store,
            as_json,
            name,
            lambda market: market.move(submission, target, actor=who, reason=reason),
        )

    command.__doc__ = doc
    market_app.command(name)(command)


#: The moves a reviewer or maintainer makes: (command, target state, needs --reason, help).
_MOVES: Final[tuple[tuple[str, State, bool, str], ...]] = (
    (
        "approve",
        State.APPROVED,
        False,
        "Approve a submission in review (a reviewer, not its author; gates passed).",
    ),
    ("reject", State.REJECTED, True, "Reject a submission in review, with --reason (final)."),
    (
        "request-changes",
        State.CHANGES_REQUESTED,
        True,
        "Send a submission in review back to its author, with --reason.",
    ),
    ("publish", State.PUBLISHED, False, "Publish an approved submission (a maintainer)."),
    (
        "yank",
        State.YANKED,
        True,
        "Withdraw a published submission, with --reason (a maintainer; final).",
    ),
)
