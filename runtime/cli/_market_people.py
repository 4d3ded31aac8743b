"""``modhost market register-key | revoke-key | keys | grant-role | audit-log``: who may
sign, review and publish, and the record of who changed that."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from marketplace import AuditRecord, Marketplace

from ._cli_common import (
    JSON_OPTION,
    console,
    usage_error,
)
from ._market_common import (
    ActorOpt,
    StoreOpt,
    actor_of,
    market_app,
    run_action,
)


def register_people() -> None:
    """Add these commands to ``modhost market``, in ``--help`` order."""
    market_app.command("register-key")(register_key_cmd)
    market_app.command("revoke-key")(revoke_key_cmd)
    market_app.command("keys")(keys_cmd)
    market_app.command("grant-role")(grant_role_cmd)
    market_app.command("audit-log")(audit_log_cmd)


def register_key_cmd(
    name: Annotated[str, typer.Argument(help="The author.")],
    pubkey: Annotated[Path, typer.Argument(help="Their public key (.pub, PEM).")],
    actor: ActorOpt = None,
    store: StoreOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Register an author's public key; the signature gate trusts only registered keys."""
    who = actor_of(actor)
    if not pubkey.is_file():
        usage_error(f"{pubkey} is not a file")
    run_action(
        store,
        as_json,
        lambda market: market.register_key(name, pubkey.read_text(encoding="utf-8"), actor=who),
        document=lambda key_id: {"author": name, "key_id": key_id},
        human=lambda key_id: console.print(f"registered key {key_id} for {name}"),
    )


def revoke_key_cmd(
    name: Annotated[str, typer.Argument(help="The author.")],
    key_id: Annotated[str, typer.Argument(help="The key id (as register-key printed it).")],
    actor: ActorOpt = None,
    store: StoreOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Revoke an author's key: what it signed no longer passes review or installs."""
    who = actor_of(actor)
    run_action(
        store,
        as_json,
        lambda market: market.revoke_key(name, key_id, actor=who),
        document=lambda _: {"author": name, "revoked": key_id},
        human=lambda _: console.print(f"revoked key {key_id} of {name}"),
    )


def keys_cmd(
    name: Annotated[str, typer.Argument(help="The author.")],
    store: StoreOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """List an author's registered keys."""
    run_action(
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


def grant_role_cmd(
    name: Annotated[str, typer.Argument(help="Who gets the role.")],
    role: Annotated[str, typer.Argument(help="reviewer or maintainer.")],
    actor: ActorOpt = None,
    store: StoreOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Grant a role (maintainers only; in a store without maintainers, anyone: bootstrap)."""
    who = actor_of(actor)

    def grant(market: Marketplace) -> list[str]:
        market.grant_role(name, role, actor=who)
        return sorted(market.store.roles_of(name))

    run_action(
        store,
        as_json,
        grant,
        document=lambda roles: {"name": name, "roles": roles},
        human=lambda roles: console.print(f"{name}: {', '.join(roles)}"),
    )


def audit_log_cmd(store: StoreOpt = None, as_json: bool = JSON_OPTION) -> None:
    """Every key registration, key revocation and role grant (transitions: 'history')."""
    run_action(
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
