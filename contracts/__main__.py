"""``python -m contracts [check | update]``: compare or refresh the contract snapshot."""

from __future__ import annotations

import argparse
import sys

from ._snapshot import changes, committed, current, unaccepted_breaks, write

_UPDATE_HINT = "run 'make api-snapshot' to record additive changes"
_BREAK_HINT = (
    "a breaking change needs an entry in CHANGELOG.md that marks it as an accepted break and "
    "names it, e.g. '- Breaking: `{subject}`: why', then 'make api-snapshot'"
)


def _print(found: list, stream=sys.stdout) -> None:  # type: ignore[no-untyped-def]
    for change in found:
        print(f"  {change}", file=stream)


def check() -> int:
    """Exit 1 when the code's contracts differ from the snapshot, naming each change."""
    found = changes(committed(), current())
    if not found:
        print("contracts: the code matches the snapshot")
        return 0
    breaking = [c for c in found if c.severity == "breaking"]
    print(
        f"contracts: {len(found)} change(s) from the snapshot, {len(breaking)} breaking:",
        file=sys.stderr,
    )
    _print(found, sys.stderr)
    if breaking:
        print(f"hint: {_BREAK_HINT.format(subject=breaking[0].subject)}", file=sys.stderr)
    else:
        print(f"hint: {_UPDATE_HINT}", file=sys.stderr)
    return 1


def update() -> int:
    """Rewrite the snapshot; refuse breaking changes that CHANGELOG.md does not accept."""
    now = current()
    found = changes(committed(), now)
    refused = unaccepted_breaks(found)
    if refused:
        print("contracts: refusing to record breaking change(s):", file=sys.stderr)
        _print(refused, sys.stderr)
        print(f"hint: {_BREAK_HINT.format(subject=refused[0].subject)}", file=sys.stderr)
        return 1
    write(now)
    print(f"contracts: snapshot updated ({len(found)} change(s))")
    _print(found)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m contracts",
        description="Compare the public contracts with the committed snapshot.",
    )
    parser.add_argument(
        "command",
        nargs="?",
        choices=("check", "update"),
        default="check",
        help="check (default): exit 1 on any difference; update: rewrite the snapshot",
    )
    args = parser.parse_args(argv)
    return check() if args.command == "check" else update()


if __name__ == "__main__":
    sys.exit(main())
