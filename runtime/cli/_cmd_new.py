"""``modhost new mod ID``: scaffold a mod folder that passes ``modhost check``."""

from __future__ import annotations

from pathlib import Path

import typer

from host_api import HOST_API_VERSION, MANIFEST_FILE, ManifestError, load_manifest, parse_manifest

from ._cli_common import (
    EXIT_ERROR,
    JSON_OPTION,
    console,
    print_diagnostics,
    print_json,
    usage_error,
)
from ._cmd_options import MODS_OPTION

_MANIFEST = """\
id = "{id}"
name = "{name}"
version = "0.1.0"
host = "{host}"
authors = []
description = "A new modhost mod."
capabilities = ["world.read", "world.write", "world.spawn", "events.emit", "events.listen", "log"]

[[scripts]]                 # a mod script: on_load once, on_tick once per tick
path = "scripts/main.py"

[[scripts]]                 # an entity script: runs for every "{kind}" entity
entity = "{kind}"
path = "scripts/{kind}.py"
"""

_MOD_SCRIPT = """\
# The mod script: runs once per tick for the whole mod. Spawn your entities here.


def on_load(ctx):
    ctx.world.spawn("{kind}", (0.0, 0.0, 0.5))
    ctx.log("{id} loaded")


def on_tick(ctx, dt):
    pass


def on_event(ctx, event):
    if event.name == "{id}.lap":
        ctx.log("lap %d" % event.payload["lap"])
"""

_ENTITY_SCRIPT = """\
# The entity script: runs once per tick for every "{kind}" entity, with ctx.entity set.
# ctx.state is kept per entity across ticks (and across hot reloads).
# For thousands of entities, on_system(ctx, dt, rows) instead of on_tick runs once per tick
# for all of them, as lists (see "System hooks" in the scripts guide).

SPEED = 2.0
TURN_TICKS = 60


def on_spawn(ctx):
    ctx.state["laps"] = 0
    ctx.world.set_velocity(ctx.entity.id, (SPEED, 0.0, 0.0))


def on_tick(ctx, dt):
    if ctx.tick % TURN_TICKS == 0:
        vx, vy, vz = ctx.entity.velocity
        ctx.world.set_velocity(ctx.entity.id, (-vy, vx, vz))
        if ctx.tick % (4 * TURN_TICKS) == 0:
            ctx.state["laps"] = ctx.state["laps"] + 1
            ctx.events.emit("{id}.lap", {{"lap": ctx.state["laps"]}})
"""


def scaffold(mods_dir: Path, mod_id: str) -> list[Path]:
    """Write a new mod folder ``mods_dir/mod_id``; return the files written.

    :raises FileExistsError: the folder exists already.
    :raises ValueError: ``mod_id`` is not a valid mod id.
    """
    major, minor = HOST_API_VERSION.major, HOST_API_VERSION.minor
    values = {
        "id": mod_id,
        "name": mod_id.replace("-", " ").title(),
        "kind": mod_id,
        "host": f">={major}.{minor},<{major}.{minor + 1}",
    }
    try:
        # The manifest model is the one judge of a valid id (and of the template).
        parse_manifest(_MANIFEST.format(**values), folder_name=mod_id)
    except ManifestError as exc:
        raise ValueError(
            f"'{mod_id}' is not a valid mod id: use lowercase letters, digits and '-', "
            "2-63 chars, starting with a letter"
        ) from exc
    folder = mods_dir / mod_id
    if folder.exists():
        raise FileExistsError(f"{folder} exists already")
    files = {
        MANIFEST_FILE: _MANIFEST,
        "scripts/main.py": _MOD_SCRIPT,
        f"scripts/{mod_id}.py": _ENTITY_SCRIPT,
    }
    (folder / "scripts").mkdir(parents=True)
    written = []
    for relative, template in files.items():
        path = folder / relative
        path.write_text(template.format(**values), encoding="utf-8")
        written.append(path)
    return written


def register(app: typer.Typer) -> None:
    """Add the ``new`` command group (``new mod``)."""
    new_app = typer.Typer(help="Scaffold new things.", no_args_is_help=True)

    @new_app.command("mod")
    def new_mod(
        mod_id: str = typer.Argument(..., metavar="ID", help="The new mod's id."),
        mods: Path = MODS_OPTION,
        json: bool = JSON_OPTION,
    ) -> None:
        """Scaffold a mod folder (manifest, a mod script, an entity script) that passes check."""
        try:
            written = scaffold(mods, mod_id)
        except (ValueError, FileExistsError) as exc:
            usage_error(str(exc))
        try:
            load_manifest(mods / mod_id)
        except ManifestError as exc:  # the templates are wrong: a bug, but say it plainly
            print_diagnostics([exc.to_diagnostic()], stderr=True)
            raise typer.Exit(EXIT_ERROR) from exc
        if json:
            print_json(
                {"mod": mod_id, "folder": str(mods / mod_id), "files": [str(p) for p in written]}
            )
            return
        console.print(f"created mod [bold]{mod_id}[/] in {mods / mod_id}:")
        for path in written:
            console.print(f"  {path}")
        console.print(f"next: modhost check --mods {mods}")

    app.add_typer(new_app, name="new")
