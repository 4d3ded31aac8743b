"""``modhost replay FILE``: run a recording again and say whether it came out the same.

Exit 0 when every tick matched and the final ``world_hash`` is the recorded one; 1 when the
file is bad, the mod set differs (the replay stops before running, naming the mod), or the
run diverged (the report names the first tick, entity and mod); 2 for usage errors.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ..replay import ReplayReport, replay
from ._cli_common import JSON_OPTION, console, finish, print_diagnostics, print_json, usage_error
from ._cmd_options import MODS_OPTION, POLICY_OPTION, choose_policy, require_mods_dir

FILE_ARGUMENT = typer.Argument(
    ..., metavar="FILE", help="A file written by 'modhost run --record'."
)


def register(app: typer.Typer) -> None:
    """Add the ``replay`` command."""

    @app.command("replay")
    def replay_command(
        file: Path = FILE_ARGUMENT,
        mods: Path = MODS_OPTION,
        policy: Path | None = POLICY_OPTION,
        allow_changed_mods: bool = typer.Option(
            False,
            "--allow-changed-mods",
            help="Replay even if a mod differs from the recording, to see where it shows.",
        ),
        json: bool = JSON_OPTION,
    ) -> None:
        """Replay a recorded run headless and compare it tick by tick with the recording.

        Exit 0 when it reproduces the same world_hash, 1 when it does not (or cannot be
        replayed), 2 for usage errors.
        """
        if not file.is_file():
            usage_error(f"replay file '{file}' does not exist")
        require_mods_dir(mods)
        choice = choose_policy(mods, policy)
        if choice.policy is None:
            print_diagnostics(choice.diagnostics, stderr=json)
            finish(choice.diagnostics)
        report = replay(
            file,
            mods,
            policy=choice.policy,
            base_dir=choice.base_dir,
            allow_changed_mods=allow_changed_mods,
        )
        if json:
            print_json(report)
        else:
            _print_summary(report)
        finish(report.diagnostics)


def _print_summary(report: ReplayReport) -> None:
    print_diagnostics(report.diagnostics)
    if not report.world_hash:
        # Stopped before running (a bad file, a changed mod set): nothing to compare.
        console.print(f"replay {report.replay}: [red]not replayed[/] (see the errors above)")
        sys.stdout.flush()
        return
    verdict = "[green]same[/]" if report.same else "[red]different[/]"
    console.print(
        f"replay {report.replay}: {verdict} "
        f"({report.ticks} of {report.ticks_recorded} ticks, seed {report.seed})"
    )
    if report.diverged is not None:
        d = report.diverged
        console.print(
            f"first divergence: tick {d.tick}, entity {d.entity}"
            f"{f' ({d.kind})' if d.kind else ''}, mod {d.mod}: {d.difference}"
        )
    console.print(f"world hash: {report.world_hash or '-'}")
    console.print(f"recorded:   {report.recorded_world_hash or '-'}")
    sys.stdout.flush()
