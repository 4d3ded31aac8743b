"""Reference pages generated from the code at build time (run by the mkdocs-gen-files plugin).

The CLI page walks the Typer app, the schema pages come from the pydantic models, the
diagnostics table from ``DiagnosticCode`` (with each code's ``#:`` comment, read by griffe),
and the WIT page is the file itself. Nothing here is edited by hand, so it cannot drift.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import griffe
import mkdocs_gen_files
import typer

ROOT = Path(__file__).resolve().parents[1]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _command_section(command: Any, path: list[str], parent: Any) -> list[str]:
    # Typer bundles its own click: build contexts and test for groups through the command.
    ctx = command.context_class(command, info_name=path[-1], parent=parent)
    lines = [f"## `{' '.join(path)}`", ""]
    usage = " ".join(command.collect_usage_pieces(ctx))
    lines += ["```", f"{' '.join(path)} {usage}".rstrip(), "```", ""]
    if command.help:
        lines += [command.help.strip().split("\n\n")[0], ""]
    rows = []
    for param in command.params:
        if getattr(param, "hidden", False):
            continue
        record = param.get_help_record(ctx)
        if record:
            rows.append(f"| `{_cell(record[0])}` | {_cell(record[1])} |")
        else:
            rows.append(f"| `{param.name.upper()}` | {_cell(getattr(param, 'help', '') or '')} |")
    if rows:
        lines += ["| option | meaning |", "| --- | --- |", *rows, ""]
    if hasattr(command, "list_commands"):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                lines += _command_section(sub, [*path, name], ctx)
    return lines


def cli_page() -> str:
    from runtime.cli._cli import build_app

    command = typer.main.get_command(build_app())
    intro = [
        "# Command line reference",
        "",
        "Generated from the `modhost` command itself; `modhost COMMAND --help` prints the same.",
        "Exit codes: 0 when nothing is an error, 1 when a diagnostic of severity error was",
        "raised, 2 for usage errors.",
        "",
    ]
    return "\n".join(intro + _command_section(command, ["modhost"], None))


def schema_page(title: str, intro: str, schema: dict[str, Any]) -> str:
    body = json.dumps(schema, indent=2, sort_keys=True)
    return f"# {title}\n\n{intro}\n\n```json\n{body}\n```\n"


def diagnostics_page() -> str:
    from host_api import DiagnosticCode

    loader = griffe.GriffeLoader(search_paths=[str(ROOT)], allow_inspection=False)
    module = loader.load("host_api")
    loader.resolve_aliases(implicit=False, external=False)
    enum_class = module["DiagnosticCode"].final_target
    lines = [
        "# Diagnostic codes",
        "",
        "Every problem a user, a mod or a package can cause is a diagnostic with one of these",
        "stable codes. Tools match on them: a code is never renamed or removed (the contract",
        "snapshot in `contracts/` enforces it).",
        "",
        "| code | meaning |",
        "| --- | --- |",
    ]
    for code in DiagnosticCode:
        member = enum_class.members.get(code.name)
        doc = member.docstring.value if member is not None and member.docstring else ""
        lines.append(f"| `{code.value}` | {_cell(doc)} |")
    return "\n".join(lines) + "\n"


def wit_page() -> str:
    text = (ROOT / "wit" / "mod.wit").read_text(encoding="utf-8")
    return (
        "# WIT: `modhost:mod@0.1.0`\n\n"
        "The contract every WebAssembly component is built against (`wit/mod.wit`).\n\n"
        f"```wit\n{text}```\n"
    )


def pages() -> dict[str, str]:
    from host_api import HostPolicy, manifest_json_schema
    from runtime.core._report import CheckReport, RunReport

    return {
        "reference/cli.md": cli_page(),
        "reference/mod-toml.md": schema_page(
            "`mod.toml` schema",
            "The JSON Schema of the manifest (`modhost schema` prints it). Unknown keys are "
            "an error.",
            manifest_json_schema(),
        ),
        "reference/modhost-toml.md": schema_page(
            "`modhost.toml` schema",
            "The JSON Schema of the host policy file.",
            HostPolicy.model_json_schema(by_alias=True),
        ),
        "reference/reports.md": schema_page(
            "JSON reports",
            "`modhost run --json` prints a `RunReport`; `modhost check --json` a `CheckReport` "
            "(in `$defs`).",
            {
                "RunReport": RunReport.model_json_schema(mode="serialization"),
                "CheckReport": CheckReport.model_json_schema(mode="serialization"),
            },
        ),
        "reference/diagnostics.md": diagnostics_page(),
        "reference/wit.md": wit_page(),
    }


for name, text in pages().items():
    with mkdocs_gen_files.open(name, "w") as page:
        page.write(text)
