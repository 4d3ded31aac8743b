"""``modhost schema``: print the JSON Schema of ``mod.toml``."""

from __future__ import annotations

import typer

from host_api import manifest_json_schema

from ._cli_common import print_json


def register(app: typer.Typer) -> None:
    """Add the ``schema`` command."""

    @app.command("schema")
    def schema(
        profile: bool = typer.Option(
            False, "--profile", help="Print the schema of 'modhost profile --json' instead."
        ),
    ) -> None:
        """Print the JSON Schema of mod.toml, for editors that validate TOML."""
        if profile:
            from ..profile import profile_json_schema

            print_json(profile_json_schema())
            return
        print_json(manifest_json_schema())
