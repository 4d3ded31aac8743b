"""The signed index: install trusts one market key, and refuses rollback, freeze,
mix-and-match and altered indexes, each with its own code.

Attacks go through a real mirror: an HTTP server on loopback that forwards to the market
and swaps the answers an attacker controls.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from marketplace import IndexRejected, generate_key, pack_bytes, sign_index, verify_index

from ..conftest import run_modhost
from .conftest import LiveServer, ServerFactory
from .test_api import _publish
from .test_cli_client import Client

MakeMod = Callable[..., Path]


class Mirror:
    """A loopback HTTP server that forwards GETs to ``upstream`` unless ``swap`` has the path."""

    def __init__(self, upstream: str) -> None:
        self.swap: dict[str, bytes] = {}
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = mirror.swap.get(self.path)
                status, kind = 200, "application/octet-stream"
                if body is None:
                    answer = httpx.get(upstream + self.path, timeout=30)
                    body, status = answer.content, answer.status_code
                    kind = answer.headers.get("content-type", kind)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mirror_for(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[LiveServer], Mirror]]:
    monkeypatch.delenv("MODHOST_MARKET_URL", raising=False)
    monkeypatch.delenv("MODHOST_MARKET_TOKEN", raising=False)
    made: list[Mirror] = []

    def make(live: LiveServer) -> Mirror:
        made.append(Mirror(live.url))
        return made[-1]

    yield make
    for mirror in made:
        mirror.close()


def _index(live: LiveServer) -> bytes:
    return httpx.get(live.url + "/api/v1/index").content


def _player(url: str, live: LiveServer, tmp_path: Path, mp: pytest.MonkeyPatch) -> Client:
    player = Client(url, tmp_path / "player", mp)
    player("trust-market", str(live.market_pub))
    return player


def _code(answer: dict[str, object]) -> str:
    return answer["diagnostics"][0]["code"]  # type: ignore[index, no-any-return]


def test_the_index_is_versioned_and_resigned_when_it_changes(
    live_server: ServerFactory, make_mod: MakeMod
) -> None:
    live = live_server()
    first = json.loads(json.loads(_index(live))["payload"])
    assert (first["version"], first["releases"]) == (1, [])
    assert json.loads(json.loads(_index(live))["payload"])["version"] == 1  # unchanged
    published = _publish(live, pack_bytes(make_mod("coin", "1.0.0")))
    second = json.loads(json.loads(_index(live))["payload"])
    assert second["version"] == 2
    assert [(r["mod"], r["sha256"]) for r in second["releases"]] == [
        ("coin", published["artifact_sha256"])
    ]
    assert list(second["keys"]) == ["ada"]


def test_rollback_is_refused(
    live_server: ServerFactory,
    make_mod: MakeMod,
    mirror_for: Callable[[LiveServer], Mirror],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    live = live_server()
    old = _publish(live, pack_bytes(make_mod("coin", "1.0.0")))
    stale = _index(live)  # lists coin 1.0.0
    with live.client("mia") as mia:
        mia.post(f"/submissions/{old['id']}/yank", json={"reason": "steals saves"})
    mirror = mirror_for(live)
    mods = tmp_path / "game" / "mods"
    # The player saw the current index once (coin 1.0.0 withdrawn)...
    player = _player(live.url, live, tmp_path, monkeypatch)
    assert _code(player("install", "coin", "--mods", str(mods), expect=1)).startswith("RESOLVE_")
    # ...so a mirror replaying the older index that still offers the yanked release fails.
    mirror.swap["/api/v1/index"] = stale
    replayed = Client(mirror.url, tmp_path / "player", monkeypatch)
    replayed("trust-market", str(live.market_pub))
    config = json.loads((tmp_path / "player" / "market.json").read_text())
    config["servers"][mirror.url]["index_version"] = config["servers"][live.url]["index_version"]
    (tmp_path / "player" / "market.json").write_text(json.dumps(config))
    refused = replayed("install", "coin", "--mods", str(mods), expect=1)
    assert _code(refused) == "MARKET_INDEX_ROLLBACK"
    assert not (mods / "coin").exists()


def test_freeze_is_refused(
    live_server: ServerFactory,
    make_mod: MakeMod,
    mirror_for: Callable[[LiveServer], Mirror],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    live = live_server(index_ttl_s=1.0)
    _publish(live, pack_bytes(make_mod("coin", "1.0.0")))
    frozen = _index(live)
    expires = json.loads(json.loads(frozen)["payload"])["expires_at"]
    while datetime.now(UTC) <= datetime.fromisoformat(expires):
        threading.Event().wait(0.2)
    mirror = mirror_for(live)
    mirror.swap["/api/v1/index"] = frozen
    player = _player(mirror.url, live, tmp_path, monkeypatch)
    mods = tmp_path / "game" / "mods"
    assert _code(player("install", "coin", "--mods", str(mods), expect=1)) == "MARKET_INDEX_EXPIRED"
    # The market itself re-signs: straight from it the same install works.
    direct = _player(live.url, live, tmp_path, monkeypatch)
    assert direct("install", "coin", "--mods", str(mods))["installed"][0]["mod"] == "coin"


def test_mix_and_match_is_refused(
    live_server: ServerFactory,
    make_mod: MakeMod,
    mirror_for: Callable[[LiveServer], Mirror],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    live = live_server()
    old_package = pack_bytes(make_mod("coin", "1.0.0"))
    _publish(live, old_package)
    new = _publish(live, pack_bytes(make_mod("coin", "1.1.0")))
    mirror = mirror_for(live)
    # A validly signed, published package, but not the release the index names here.
    mirror.swap[f"/api/v1/submissions/{new['id']}/package"] = old_package
    player = _player(mirror.url, live, tmp_path, monkeypatch)
    mods = tmp_path / "game" / "mods"
    refused = player("install", "coin@>=1.1", "--mods", str(mods), expect=1)
    assert _code(refused) == "MARKET_INDEX_MISMATCH"
    assert not (mods / "coin").exists()


def test_an_altered_or_foreign_index_is_refused(
    live_server: ServerFactory,
    make_mod: MakeMod,
    mirror_for: Callable[[LiveServer], Mirror],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    live = live_server()
    _publish(live, pack_bytes(make_mod("coin", "1.0.0")))
    document = json.loads(_index(live))
    payload = json.loads(document["payload"])
    payload["releases"][0]["sha256"] = "0" * 64
    document["payload"] = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    mirror = mirror_for(live)
    mirror.swap["/api/v1/index"] = json.dumps(document).encode()
    player = _player(mirror.url, live, tmp_path, monkeypatch)
    mods = tmp_path / "game" / "mods"
    assert _code(player("install", "coin", "--mods", str(mods), expect=1)) == "MARKET_INDEX_INVALID"
    # An index signed by another key (a mirror's own) is not the market's.
    impostor = sign_index(
        {"releases": payload["releases"], "keys": payload["keys"]},
        version=99,
        ttl=timedelta(days=1),
        key=generate_key(),
    )
    mirror.swap["/api/v1/index"] = impostor
    assert _code(player("install", "coin", "--mods", str(mods), expect=1)) == "MARKET_INDEX_INVALID"
    assert not (mods / "coin").exists()


def test_verify_index_checks_each_property() -> None:
    key = generate_key()
    blob = sign_index({"releases": [], "keys": {}}, version=5, ttl=timedelta(hours=1), key=key)
    assert verify_index(blob, key.public_key, min_version=5).version == 5
    with pytest.raises(IndexRejected) as rollback:
        verify_index(blob, key.public_key, min_version=6)
    assert rollback.value.code == "MARKET_INDEX_ROLLBACK"
    with pytest.raises(IndexRejected) as expired:
        verify_index(blob, key.public_key, now=datetime.now(UTC) + timedelta(hours=2))
    assert expired.value.code == "MARKET_INDEX_EXPIRED"
    document = json.loads(blob)
    document["signature"] = base64.b64encode(b"\0" * 64).decode()
    with pytest.raises(IndexRejected) as forged:
        verify_index(json.dumps(document).encode(), key.public_key)
    assert forged.value.code == "MARKET_INDEX_INVALID"
    with pytest.raises(IndexRejected):
        verify_index(b"not json", key.public_key)


def test_an_install_from_a_trusted_market_loads_under_strict(
    live_server: ServerFactory,
    make_mod: MakeMod,
    mirror_for: Callable[[LiveServer], Mirror],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Trusting the market's key is the only trust step: the author keys the verified index
    # vouched for are recorded with the installed mods, so a strict host loads them.
    live = live_server()
    _publish(live, pack_bytes(make_mod("coin", "1.0.0")))
    mirror_for(live)  # no mirror in the way; the fixture only clears the environment
    game = tmp_path / "game"
    (game / "mods").mkdir(parents=True)
    (game / "modhost.toml").write_text('[signing]\nmode = "strict"\n')
    player = _player(live.url, live, tmp_path, monkeypatch)
    player("install", "coin", "--mods", str(game / "mods"))
    ran = run_modhost(
        "run", "--headless", "--ticks", "5", "--json", "--strict", "--mods", "mods", cwd=game
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    report = json.loads(ran.stdout)
    assert report["mods"]["coin"]["state"] == "running"
    verified = run_modhost("verify", "mods/coin", "--json", cwd=game)
    assert json.loads(verified.stdout)["vouched_by"]["market"].startswith("http://127.0.0.1")
