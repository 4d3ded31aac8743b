"""A real marketplace server on loopback: uvicorn in a thread, on a free port.

The store is created and its first accounts bootstrapped the way an operator does it
(directly in the store), then every test talks HTTP to the running server.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from marketplace import Marketplace, SigningKey, generate_key, open_store
from marketplace.server import Accounts, RateLimits, ServerConfig, create_app

PASSWORDS = {
    "mia": "mia-secret-1",
    "rex": "rex-secret-1",
    "ada": "ada-secret-1",
    "eve": "eve-secret-1",
}


@dataclass
class LiveServer:
    """A running server and tokens for its accounts."""

    url: str
    store_url: str
    #: The market's public key file (what players trust).
    market_pub: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, who: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return httpx.Client(base_url=self.url + "/api/v1", headers=headers, timeout=60)


def bootstrap(store_url: str, ada_key: SigningKey) -> None:
    """mia (maintainer, reviewer), rex (reviewer), authors ada (key registered) and eve."""
    with open_store(store_url) as store:
        accounts = Accounts(store)
        market = Marketplace(store)
        for name in ("mia", "rex", "ada", "eve"):
            accounts.create(name, PASSWORDS[name], actor="mia")
            if name == "mia":
                market.grant_role("mia", "maintainer", actor="mia")
                market.grant_role("mia", "reviewer", actor="mia")
        market.grant_role("rex", "reviewer", actor="mia")
        market.register_key("ada", ada_key.public_key.to_pem(), actor="ada")


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def run_server(config: ServerConfig) -> Iterator[str]:
    """Serve ``config`` on a free loopback port in a thread; yield its URL."""
    sock = free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), log_level="warning", access_log=False, lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


ServerFactory = Callable[..., LiveServer]


@pytest.fixture
def live_server(
    store_url: str, ada_key: SigningKey, fast_gates: list[Any], tmp_path: Path
) -> Iterator[ServerFactory]:
    """``live_server(**config)`` starts a bootstrapped server (once per backend) and logs
    every account in."""
    bootstrap(store_url, ada_key)
    running: list[Any] = []
    market_key = generate_key()
    market_pub = tmp_path / "market.pub"
    market_pub.write_text(market_key.public_key.to_pem())

    def start(**overrides: Any) -> LiveServer:
        config = ServerConfig(
            store_url=store_url,
            gates=overrides.pop("gates", fast_gates),
            rate_limits=overrides.pop(
                "rate_limits", RateLimits(login=1000, submit=1000, search=1000)
            ),
            secure_cookies=False,
            market_key=market_key,
            **overrides,
        )
        ctx = run_server(config)
        url = ctx.__enter__()
        running.append(ctx)
        live = LiveServer(url, store_url, market_pub)
        with open_store(store_url) as store:
            accounts = Accounts(store)
            for name in PASSWORDS:
                live.tokens[name] = accounts.issue(name, actor=name, label="test").secret
        return live

    yield start
    for ctx in reversed(running):
        ctx.__exit__(None, None, None)
