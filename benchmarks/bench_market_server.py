"""The marketplace server under load, on loopback: 50 concurrent clients.

The server runs in its own process (uvicorn, SQLite store, gates inline and without the
smoke run); the clients are threads with one HTTP connection each, mixing list, search,
download and transitions, bounded by a request budget and a time limit. Reported: throughput
and p95 latency per kind, and the ratio of the 50-client throughput to one client's in the
same run (the baseline). Checked: every transition a client was told succeeded is in the
history exactly once, and no submission holds one that no client was told about (nothing
lost, nothing doubled), although several clients race on each submission.
"""

from __future__ import annotations

import multiprocessing
import random
import socket
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from marketplace import (
    ManifestGate,
    Marketplace,
    PackageGate,
    SignatureGate,
    VersionGate,
    generate_key,
    open_store,
    pack_bytes,
    sign_mod,
)
from marketplace.server import Accounts, RateLimits, ServerConfig, create_app

CLIENTS = 50
REQUESTS = 3000
TIME_LIMIT_S = 60.0
SUBMISSIONS = 40
MODS = 10
PASSWORD = "bench-password"

MANIFEST = """id = "{id}"
name = "{name}"
version = "{version}"
host = ">=0.1,<0.2"
description = "bench mod {id} {version}"
capabilities = ["log"]
[[scripts]]
path = "scripts/main.py"
"""


def _mod(root: Path, mod_id: str, version: str, key: Any) -> bytes:
    folder = root / f"{mod_id}-{version}"
    (folder / "scripts").mkdir(parents=True)
    (folder / "mod.toml").write_text(
        MANIFEST.format(id=mod_id, name=mod_id.title(), version=version)
    )
    (folder / "scripts" / "main.py").write_text("def on_load(ctx):\n    ctx.log('hi')\n")
    sign_mod(folder, key)
    return pack_bytes(folder)


def _prepare(root: Path) -> tuple[str, list[int], list[int]]:
    """A store with MODS published mods and SUBMISSIONS reviews waiting; returns the URL,
    the published ids and the ids in review."""
    url = f"sqlite:///{root / 'market.db'}"
    key = generate_key()
    with open_store(url) as store:
        accounts = Accounts(store)
        market = Marketplace(
            store,
            gates=[PackageGate(), ManifestGate(), VersionGate(), SignatureGate()],
            # The waiting reviews are one author's: the per-author quota is not measured here.
            max_open=SUBMISSIONS + 1,
        )
        market.grant_role("mia", "maintainer", actor="mia")
        for name in ("mia", "rex", "ada"):
            accounts.create(name, PASSWORD, actor="mia")
        market.grant_role("rex", "reviewer", actor="mia")
        market.register_key("ada", key.public_key.to_pem(), actor="ada")
        published = []
        for i in range(MODS):
            sub = market.submit(_mod(root, f"mod-{i}", "1.0.0", key), actor="ada")
            market.request_review(sub.id, actor="ada")
            market.approve(sub.id, actor="rex")
            published.append(market.publish(sub.id, actor="mia").id)
        waiting = []
        for i in range(SUBMISSIONS):
            sub = market.submit(_mod(root, f"new-{i}", "1.0.0", key), actor="ada")
            waiting.append(market.request_review(sub.id, actor="ada").id)
    return url, published, waiting


def _serve(store_url: str, sock: socket.socket) -> None:
    import uvicorn

    config = ServerConfig(
        store_url=store_url,
        gates=[PackageGate(), ManifestGate(), VersionGate(), SignatureGate()],
        rate_limits=RateLimits(login=10**6, submit=10**6, search=10**6),
        secure_cookies=False,
    )
    server = uvicorn.Server(uvicorn.Config(create_app(config), log_level="error", access_log=False))
    server.run(sockets=[sock])


class Load:
    """Shared counters of one run."""

    def __init__(self, budget: int, deadline: float) -> None:
        self.budget = budget
        self.deadline = deadline
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.won: list[tuple[int, str, str]] = []  # (submission, target state, actor)
        self.errors: list[str] = []

    def take(self) -> bool:
        with self.lock:
            if self.budget <= 0 or time.monotonic() > self.deadline:
                return False
            self.budget -= 1
            return True


def _client(
    url: str,
    tokens: dict[str, str],
    load: Load,
    published: list[int],
    waiting: list[int],
    seed: int,
) -> None:
    rng = random.Random(seed)
    clients = {
        who: httpx.Client(
            base_url=url + "/api/v1", headers={"Authorization": f"Bearer {t}"}, timeout=60
        )
        for who, t in tokens.items()
    }
    try:
        while load.take():
            roll = rng.random()
            if roll < 0.4:
                kind, call = "list", lambda: clients["ada"].get("/mods")
            elif roll < 0.7:
                q = f"mod-{rng.randrange(MODS)}"
                kind, call = "search", lambda q=q: clients["ada"].get("/search", params={"q": q})
            elif roll < 0.9:
                sid = rng.choice(published)
                kind, call = (
                    "download",
                    lambda s=sid: clients["ada"].get(f"/submissions/{s}/package"),
                )
            else:
                kind, call = "transition", _transition(clients, rng, waiting, load)
            start = time.perf_counter()
            answer = call()
            elapsed = time.perf_counter() - start
            with load.lock:
                load.latency[kind].append(elapsed)
                if answer.status_code >= 500:
                    load.errors.append(f"{kind}: HTTP {answer.status_code}")
    finally:
        for c in clients.values():
            c.close()


def _transition(
    clients: dict[str, httpx.Client], rng: random.Random, waiting: list[int], load: Load
) -> Any:
    sid = rng.choice(waiting)
    who, verb, target = rng.choice(
        [("rex", "approve", "approved"), ("mia", "publish", "published"),
         ("rex", "request-changes", "changes_requested")]
    )  # fmt: skip

    def call() -> httpx.Response:
        answer = clients[who].post(f"/submissions/{sid}/{verb}", json={"reason": "bench"})
        if answer.status_code == 200:
            with load.lock:
                load.won.append((sid, target, who))
        elif answer.status_code not in (409, 422):
            with load.lock:
                load.errors.append(f"{verb} {sid}: HTTP {answer.status_code} {answer.text[:200]}")
        return answer

    return call


def _run(url: str, tokens: dict[str, str], clients: int, budget: int, published: list[int],
         waiting: list[int]) -> tuple[Load, float]:  # fmt: skip
    load = Load(budget, time.monotonic() + TIME_LIMIT_S)
    threads = [
        threading.Thread(target=_client, args=(url, tokens, load, published, waiting, i))
        for i in range(clients)
    ]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return load, time.perf_counter() - start


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0


def _check(
    store_url: str, waiting: list[int], won: list[tuple[int, str, str]]
) -> tuple[int, list[str]]:
    """Compare what clients were told with the history of every raced submission: each
    success recorded once, and no recorded move that no client was told about."""
    with open_store(store_url) as store:
        recorded = [
            (h.submission_id, str(h.to_state), h.actor)
            for sid in waiting
            for h in store.history(sid)
            if h.seq > 2  # past the creation and the entry into review
        ]
    problems = []
    if sorted(recorded) != sorted(won):
        problems.append(f"clients were told of {len(won)} transitions, history has {len(recorded)}")
    return len(recorded), problems


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="modhost-bench-server-") as tmp:
        store_url, published, waiting = _prepare(Path(tmp))
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        server = multiprocessing.get_context("fork").Process(
            target=_serve, args=(store_url, sock), daemon=True
        )
        server.start()
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(url + "/api/v1/mods", timeout=2)
                    break
                except httpx.HTTPError:
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.1)
            with open_store(store_url) as store:
                accounts = Accounts(store)
                tokens = {n: accounts.issue(n, actor=n).secret for n in ("mia", "rex", "ada")}
            base, base_s = _run(url, tokens, 1, 200, published, waiting)
            load, load_s = _run(url, tokens, CLIENTS, REQUESTS, published, waiting)
            checked, problems = _check(store_url, waiting, base.won + load.won)
        finally:
            server.terminate()
            server.join(timeout=10)
            sock.close()
    _report(base, base_s, load, load_s, checked, problems)


def _report(base: Load, base_s: float, load: Load, load_s: float, checked: int,
            problems: list[str]) -> None:  # fmt: skip
    total = sum(len(v) for v in load.latency.values())
    single = sum(len(v) for v in base.latency.values()) / base_s
    print(f"{CLIENTS} clients, {total} requests in {load_s:.1f} s: {total / load_s:.0f} req/s "
          f"({total / load_s / single:.1f}x one client's {single:.0f} req/s)")  # fmt: skip
    print(f"{'kind':<12}{'requests':>10}{'p95 ms':>10}")
    for kind in ("list", "search", "download", "transition"):
        values = load.latency.get(kind, [])
        print(f"{kind:<12}{len(values):>10}{_p95(values) * 1000:>10.1f}")
    print(f"transitions won by clients: {len(base.won) + len(load.won)}, in history: {checked}")
    for line in problems + load.errors[:10]:
        print("PROBLEM:", line)
    print("consistency:", "ok" if not problems and not load.errors else "FAILED")
