"""``modhost market serve | login | logout | whoami | account | token``, and ``--server``.

The marketplace as a service: ``serve`` runs the HTTP server over a store; the rest manage
identities, either on the server (``--server URL``, with the saved token) or, for the first
maintainer account, directly in a local store.

``marketplace.server`` (fastapi, uvicorn) and ``marketplace.client`` (httpx) are imported
inside the commands that use them, so every other ``modhost`` command starts without them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from marketplace import (
    Gate,
    Marketplace,
    default_gates,
    default_store_url,
    generate_key,
    load_public_key,
    load_signing_key,
    open_store,
    write_keypair,
)

from ._cli_common import JSON_OPTION, console, print_json, usage_error
from ._market_common import StoreOpt, diagnosed, market_app
from ._market_target import remote_url, set_server

if TYPE_CHECKING:
    from marketplace.client import MarketClient

ServerOpt = Annotated[
    str | None,
    typer.Option(
        "--server",
        help="Marketplace server URL (http(s)://...); default $MODHOST_MARKET_URL when it is one.",
    ),
]
NameOpt = Annotated[str, typer.Option("--name", help="The account name.")]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]
#: Where ``serve`` keeps the market key unless told otherwise (beside the default store).
DEFAULT_MARKET_KEY = Path(".modhost") / "market" / "market.key"
#: Where ``serve`` keeps the market key unless told otherwise (beside the default store).
DaysOpt = Annotated[float, typer.Option("--days", help="Token lifetime in days.", min=0.001)]


def register(app: typer.Typer) -> None:
    """Add ``--server`` to ``modhost market`` and the server commands to its group."""
    market_app.callback()(_market_options)
    market_app.command("serve")(serve_cmd)
    market_app.command("login")(login_cmd)
    market_app.command("logout")(logout_cmd)
    market_app.command("whoami")(whoami_cmd)
    market_app.command("account-add")(account_add_cmd)
    market_app.command("token-issue")(token_issue_cmd)
    market_app.command("token-list")(token_list_cmd)
    market_app.command("token-revoke")(token_revoke_cmd)
    market_app.command("trust-market")(trust_market_cmd)
    market_app.command("worker")(worker_cmd)
    market_app.command("demo")(demo_cmd)


def _market_options(server: ServerOpt = None) -> None:
    """Package, submit, review, publish and install mods (locally, or on a server)."""
    set_server(server)


def _server(explicit: str | None) -> str:
    if explicit:
        set_server(explicit)
    url = remote_url()
    if url is None:
        usage_error("say which server with --server URL (or MODHOST_MARKET_URL=http(s)://...)")
    return url


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("password", hide_input=True))


@contextmanager
def _client(url: str, *, anonymous: bool = False) -> Iterator[MarketClient]:
    """A client of ``url`` with the saved token (``anonymous``: without one), closed after."""
    from marketplace.client import MarketClient, token_for

    token = None if anonymous else token_for(url)
    if token is None and not anonymous:
        usage_error(f"not logged in to {url}: run 'modhost market login --server {url}'")
    client = MarketClient(url, token)
    try:
        yield client
    finally:
        client.close()


def _say(as_json: bool, document: dict[str, Any], human: str) -> None:
    if as_json:
        print_json({"ok": True, **document})
    else:
        console.print(human)


def serve_cmd(
    store: StoreOpt = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.", min=1, max=65535)] = 8080,
    market_key: Annotated[
        Path,
        typer.Option(
            "--market-key",
            help="The market's Ed25519 key that signs the index (created, with its .pub, "
            "when missing).",
        ),
    ] = DEFAULT_MARKET_KEY,
    gate_worker: Annotated[
        str | None,
        typer.Option(
            "--gate-worker",
            help="embedded (a worker thread in the server; default for SQLite), queue "
            "(procrastinate on PostgreSQL, run 'market worker'; default there) or inline.",
        ),
    ] = None,
) -> None:
    """Run the marketplace server (JSON API under /api/v1) over a store."""
    from marketplace.server import ServerConfig, serve

    with diagnosed(False):
        with open_store(store) as opened:
            url = opened.url  # resolves the default store and fails early on a bad URL
        if not market_key.exists():
            write_keypair(generate_key(), market_key.parent, market_key.stem)
        key = load_signing_key(market_key)
    mode = gate_worker or ("queue" if url.startswith("postgres") else "embedded")
    if mode not in ("embedded", "queue", "inline"):
        usage_error("--gate-worker is embedded, queue or inline")
    console.print(f"marketplace on http://{host}:{port} over {url} (API: /api/v1/docs)")
    console.print(f"market key {key.key_id}: players trust {market_key.with_suffix('.pub')}")
    console.print(f"gates run: {mode}")
    config = ServerConfig(
        store_url=url,
        secure_cookies=host not in _LOOPBACK,
        market_key=key,
        gate_worker=mode,  # type: ignore[arg-type]
    )
    serve(config, host=host, port=port)


def demo_cmd(
    folder: Annotated[
        Path, typer.Option("--dir", help="Where the demo store and market key live.")
    ] = Path("build") / "market-demo",
    mods: Annotated[Path, typer.Option("--mods", help="The mods to publish.")] = Path("mods"),
    author_key: Annotated[
        Path, typer.Option("--author-key", help="The public key the mods are signed with.")
    ] = Path("keys") / "demo.pub",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8080,
) -> None:
    """Serve a demo marketplace on loopback: the example mods published, demo accounts."""
    from marketplace.server import DEMO_ACCOUNTS, ServerConfig, build_demo, serve

    store_url = f"sqlite://{(folder / 'market.db').resolve()}"
    with diagnosed(False):
        key = load_public_key(author_key)
        folders = [p for p in mods.iterdir() if (p / "mod.toml").is_file()]
        published = build_demo(store_url, folders, key)
        market_key = folder / "market.key"
        if not market_key.exists():
            write_keypair(generate_key(), folder, "market")
        signing = load_signing_key(market_key)
    url = f"http://127.0.0.1:{port}"
    console.print(f"demo marketplace: [bold]{url}[/]  (published: {', '.join(published)})")
    for account in DEMO_ACCOUNTS:
        roles = ", ".join(account.roles) or "author/player"
        console.print(f"  account {account.name:7} password {account.password:15} ({roles})")
    console.print(f"  players: modhost market --server {url} trust-market {folder / 'market.pub'}")
    config = ServerConfig(
        store_url=store_url, secure_cookies=False, market_key=signing, gate_worker="embedded"
    )
    serve(config, host="127.0.0.1", port=port)


def worker_cmd(
    store: StoreOpt = None,
    name: Annotated[
        str, typer.Option("--name", help="This worker's name in the queue.")
    ] = "worker",
    once: Annotated[bool, typer.Option("--once", help="Stop when the queue is empty.")] = False,
    gates: Annotated[
        str | None,
        typer.Option("--gates", help="Comma-separated gate names (default: all five)."),
    ] = None,
    heartbeat: Annotated[
        float, typer.Option("--heartbeat", help="Seconds between heartbeats.")
    ] = 5.0,
    stalled_after: Annotated[
        float, typer.Option("--stalled-after", help="Seconds without heartbeat = a dead worker.")
    ] = 30.0,
    attempts: Annotated[int, typer.Option("--attempts", min=1, help="Attempts per job.")] = 3,
    job_timeout: Annotated[
        float, typer.Option("--job-timeout", help="Seconds one attempt may take.")
    ] = 600.0,
) -> None:
    """Run validation gate jobs from the PostgreSQL store's queue (any number of workers)."""
    from marketplace.server import WorkerSettings, run_worker

    url = store or default_store_url()
    if not url.startswith(("postgresql://", "postgres://")):
        usage_error("workers take jobs from a PostgreSQL store: --store postgresql://...")
    settings = WorkerSettings(
        store_url=url,
        gates=_pick_gates(gates),
        max_attempts=attempts,
        stalled_after_s=stalled_after,
        heartbeat_s=heartbeat,
        job_timeout_s=job_timeout,
    )
    console.print(f"gate worker {name} on {url}")
    with diagnosed(False):
        run_worker(settings, name=name, once=once)


def _pick_gates(names: str | None) -> list[Gate] | None:
    if names is None:
        return None
    by_name = {g.name: g for g in default_gates()}
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        usage_error(f"unknown gate(s) {', '.join(unknown)}; gates: {', '.join(by_name)}")
    return [by_name[n] for n in wanted]


_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def login_cmd(
    name: NameOpt,
    server: ServerOpt = None,
    password_stdin: PasswordStdin = False,
    days: DaysOpt = 30.0,
    as_json: bool = JSON_OPTION,
) -> None:
    """Log in to a server; the token is saved (mode 0600) for the commands that follow."""
    from marketplace.client import config_path, update_server

    url = _server(server)
    password = _password(password_stdin)
    with diagnosed(as_json):
        with _client(url, anonymous=True) as client:
            doc = client.call(
                "POST", "/login", json={"name": name, "password": password, "days": days}
            )
        update_server(url, {"token": doc["token"], "name": name, "expires_at": doc["expires_at"]})
    _say(
        as_json,
        {
            "server": url,
            "name": name,
            "expires_at": doc["expires_at"],
            "config": str(config_path()),
        },
        f"logged in to {url} as {name} until {doc['expires_at'][:19]}",
    )


def logout_cmd(server: ServerOpt = None, as_json: bool = JSON_OPTION) -> None:
    """Revoke the saved token on the server and forget it."""
    from marketplace.client import token_for, update_server

    url = _server(server)
    with diagnosed(as_json):
        if token_for(url):
            with _client(url) as client:
                client.call("POST", "/logout")
        update_server(url, {"token": None, "expires_at": None})
    _say(as_json, {"server": url}, f"logged out of {url}")


def whoami_cmd(server: ServerOpt = None, as_json: bool = JSON_OPTION) -> None:
    """The account the saved token acts for, and its roles."""
    url = _server(server)
    with diagnosed(as_json), _client(url) as client:
        doc = client.call("GET", "/whoami")
    _say(
        as_json,
        {"name": doc["name"], "roles": doc["roles"]},
        f"{doc['name']}: " + (", ".join(doc["roles"]) or "no roles"),
    )


def account_add_cmd(
    name: Annotated[str, typer.Argument(help="The new account's name.")],
    role: Annotated[
        list[str] | None, typer.Option("--role", help="Grant reviewer/maintainer too.")
    ] = None,
    password_stdin: PasswordStdin = False,
    actor: Annotated[
        str | None, typer.Option("--as", help="Local store only: the maintainer acting.")
    ] = None,
    store: StoreOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Create an account: on the server (as the logged-in maintainer), or directly in a
    local store (the operator's bootstrap of the first maintainer)."""
    password = _password(password_stdin)
    roles = list(role or [])
    url = remote_url(store)
    with diagnosed(as_json):
        if url is not None:
            with _client(url) as client:
                client.call("POST", "/accounts", json={"name": name, "password": password})
                for r in roles:
                    client.call("POST", "/roles", json={"name": name, "role": r})
        else:
            _add_local(store, name, password, roles, actor or name)
    _say(as_json, {"name": name, "roles": sorted(roles)}, f"account {name} created")


def _add_local(store: str | None, name: str, password: str, roles: list[str], actor: str) -> None:
    from marketplace.server import Accounts

    with open_store(store) as opened:
        Accounts(opened).create(name, password, actor=actor)
        market = Marketplace(opened)
        for r in roles:
            market.grant_role(name, r, actor=actor)


def token_issue_cmd(
    name: Annotated[str, typer.Argument(help="The account the token acts for.")],
    days: DaysOpt = 30.0,
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "",
    server: ServerOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Issue an API token (maintainers, for anyone). The secret is printed once."""
    url = _server(server)
    with diagnosed(as_json), _client(url) as client:
        doc = client.call("POST", "/tokens", json={"name": name, "days": days, "label": label})
    doc.pop("ok", None)
    _say(as_json, doc, f"token {doc['token_id']} for {name}: {doc['token']}")


def token_list_cmd(
    name: Annotated[str, typer.Argument(help="The account.")],
    server: ServerOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """An account's tokens (never their secrets)."""
    url = _server(server)
    with diagnosed(as_json), _client(url) as client:
        tokens = client.call("GET", f"/tokens/{name}")["tokens"]
    lines = [
        f"{t['token_id']}  {t['label'] or '-'}  expires {t['expires_at'][:19]}"
        + (f"  revoked {t['revoked_at'][:19]}" if t["revoked_at"] else "")
        for t in tokens
    ]
    _say(as_json, {"tokens": tokens}, "\n".join(lines) or f"{name} has no tokens")


def trust_market_cmd(
    public_key: Annotated[Path, typer.Argument(help="The market's public key (.pub, PEM).")],
    server: ServerOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Trust whatever this market publishes: installs verify its signed index with this key."""
    from marketplace.client import update_server

    url = _server(server)
    if not public_key.is_file():
        usage_error(f"{public_key} is not a file")
    with diagnosed(as_json):
        key = load_public_key(public_key)
        update_server(url, {"market_key": key.to_pem(), "index_version": 0})
    _say(as_json, {"server": url, "key_id": key.key_id}, f"trusting {url} market key {key.key_id}")


def token_revoke_cmd(
    token_id: Annotated[str, typer.Argument(help="The token id (token-list shows them).")],
    server: ServerOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Revoke a token (its owner or a maintainer)."""
    url = _server(server)
    with diagnosed(as_json), _client(url) as client:
        client.call("DELETE", f"/tokens/{token_id}")
    _say(as_json, {"revoked": token_id}, f"revoked token {token_id}")
