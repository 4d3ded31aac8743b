"""The JSON API against a real uvicorn server on loopback, on both store backends."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from marketplace import PackageLimits, open_store, pack_bytes
from marketplace.server import RateLimits

from .conftest import PASSWORDS, LiveServer, ServerFactory

MakeMod = Callable[..., Path]


def _submit(http: httpx.Client, package: bytes) -> httpx.Response:
    return http.post("/submissions", files={"package": ("p.modpkg", package, "application/zip")})


def _codes(answer: httpx.Response) -> list[str]:
    return [d["code"] for d in answer.json()["diagnostics"]]


def _publish(live: LiveServer, package: bytes) -> dict[str, Any]:
    with live.client("ada") as ada, live.client("rex") as rex, live.client("mia") as mia:
        sub = _submit(ada, package).json()["submission"]
        reviewed = ada.post(f"/submissions/{sub['id']}/review").json()["submission"]
        assert reviewed["gates_passed"], reviewed["findings"]
        assert rex.post(f"/submissions/{sub['id']}/approve", json={}).status_code == 200
        done = mia.post(f"/submissions/{sub['id']}/publish", json={"reason": "ship it"})
        assert done.status_code == 200, done.text
        published: dict[str, Any] = done.json()["submission"]
        return published


def test_the_whole_pipeline_over_http(live_server: ServerFactory, make_mod: MakeMod) -> None:
    live = live_server()
    package = pack_bytes(make_mod("coin", "1.0.0"))
    with live.client("ada") as ada, live.client("rex") as rex, live.client("mia") as mia:
        created = _submit(ada, package)
        assert created.status_code == 200, created.text
        sub = created.json()["submission"]
        assert (sub["mod"], sub["state"], sub["author"]) == ("coin", "draft", "ada")
        assert ada.post(f"/submissions/{sub['id']}/review").json()["submission"]["gates_passed"]
        queue = rex.get("/queue").json()["submissions"]
        assert [s["id"] for s in queue] == [sub["id"]]

        # The author cannot approve their own submission: the state machine says no.
        own = ada.post(f"/submissions/{sub['id']}/approve", json={})
        assert own.status_code == 409 and _codes(own) == ["MARKET_INVALID_TRANSITION"]
        assert rex.post(f"/submissions/{sub['id']}/approve", json={}).status_code == 200
        # A reviewer is not a maintainer: publishing is refused.
        assert rex.post(f"/submissions/{sub['id']}/publish", json={}).status_code == 409
        assert mia.post(f"/submissions/{sub['id']}/publish", json={}).status_code == 200
        history = mia.get(f"/submissions/{sub['id']}/history").json()["history"]
        assert [(h["to"], h["actor"]) for h in history] == [
            ("draft", "ada"),
            ("review", "ada"),
            ("approved", "rex"),
            ("published", "mia"),
        ]

    with live.client() as anyone:
        listed = anyone.get("/mods").json()["submissions"]
        assert [(s["mod"], s["version"]) for s in listed] == [("coin", "1.0.0")]
        assert [
            s["mod"] for s in anyone.get("/search", params={"q": "COI"}).json()["submissions"]
        ] == ["coin"]
        assert anyone.get("/search", params={"q": "nothing-like-it"}).json()["submissions"] == []
        download = anyone.get(f"/submissions/{sub['id']}/package")
        assert download.status_code == 200 and download.content == package
        assert download.headers["x-content-sha256"] == hashlib.sha256(package).hexdigest()


def test_no_action_without_a_valid_credential(
    live_server: ServerFactory, make_mod: MakeMod
) -> None:
    live = live_server()
    package = pack_bytes(make_mod("coin", "1.0.0"))
    with live.client() as anonymous:
        refused = _submit(anonymous, package)
        assert refused.status_code == 401 and _codes(refused) == ["MARKET_UNAUTHENTICATED"]
        assert (
            anonymous.post("/roles", json={"name": "eve", "role": "maintainer"}).status_code == 401
        )
    forged = httpx.Client(
        base_url=live.url + "/api/v1", headers={"Authorization": "Bearer mh_not-a-token"}
    )
    with forged:
        answer = forged.get("/whoami")
        assert answer.status_code == 401 and _codes(answer) == ["MARKET_UNAUTHENTICATED"]
    # The actor is never taken from the client: a body naming one is refused outright.
    with live.client("ada") as ada:
        sub = _submit(ada, package).json()["submission"]
        ada.post(f"/submissions/{sub['id']}/review")
        spoofed = ada.post(f"/submissions/{sub['id']}/approve", json={"actor": "rex"})
        assert spoofed.status_code == 422 and _codes(spoofed) == ["MARKET_REQUEST_INVALID"]
        assert ada.get("/whoami").json() == {"ok": True, "name": "ada", "roles": []}


def test_tokens_expire_and_are_revocable(live_server: ServerFactory) -> None:
    live = live_server()
    with live.client("mia") as mia:
        short = mia.post("/tokens", json={"name": "eve", "days": 1 / 86400, "label": "ci"})
        assert short.status_code == 200, short.text
        kept = mia.post("/tokens", json={"name": "eve", "days": 1}).json()
    as_eve = lambda token: httpx.Client(  # noqa: E731
        base_url=live.url + "/api/v1", headers={"Authorization": f"Bearer {token}"}
    )
    time.sleep(1.2)
    with as_eve(short.json()["token"]) as expired:
        answer = expired.get("/whoami")
        assert answer.status_code == 401 and "expired" in answer.json()["diagnostics"][0]["message"]
    with as_eve(kept["token"]) as eve:
        assert eve.get("/whoami").json()["name"] == "eve"
        # eve cannot issue tokens for others, nor revoke mia's.
        assert eve.post("/tokens", json={"name": "ada"}).status_code == 403
        assert eve.delete(f"/tokens/{kept['token_id']}").status_code == 200
        revoked = eve.get("/whoami")
        assert (
            revoked.status_code == 401 and "revoked" in revoked.json()["diagnostics"][0]["message"]
        )
    with live.client("mia") as mia:
        listed = mia.get("/tokens/eve").json()["tokens"]
        assert {t["token_id"] for t in listed if t["revoked_at"]} == {kept["token_id"]}
        assert all("token" not in t for t in listed)
        actions = [(r["action"], r["subject"]) for r in mia.get("/audit-log").json()["audit_log"]]
        assert ("issue-token", "eve") in actions and ("revoke-token", "eve") in actions


def test_login_gives_a_token_and_logout_revokes_it(live_server: ServerFactory) -> None:
    live = live_server()
    with live.client() as http:
        wrong = http.post("/login", json={"name": "ada", "password": "not-her-password"})
        unknown = http.post("/login", json={"name": "nobody", "password": "whatever-123"})
        # One answer for both: no account enumeration.
        assert (
            wrong.json()["diagnostics"][0]["message"] == unknown.json()["diagnostics"][0]["message"]
        )
        assert wrong.status_code == unknown.status_code == 401
        token = http.post("/login", json={"name": "ada", "password": PASSWORDS["ada"]}).json()[
            "token"
        ]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live.url + "/api/v1", headers=headers) as ada:
        assert ada.get("/whoami").json()["name"] == "ada"
        assert ada.post("/logout").status_code == 200
        assert ada.get("/whoami").status_code == 401


def test_secrets_are_stored_hashed(live_server: ServerFactory) -> None:
    live = live_server()
    with open_store(live.store_url) as store, store._read() as tx:  # type: ignore[attr-defined]
        secrets_ = [str(r[0]) for r in tx.all("SELECT secret FROM server_accounts")]
        digests = [str(r[0]) for r in tx.all("SELECT digest FROM server_tokens")]
    assert all(s.startswith("scrypt$") for s in secrets_)
    assert not any(p in s for s in secrets_ for p in PASSWORDS.values())
    assert not set(live.tokens.values()) & set(digests)
    assert hashlib.sha256(live.tokens["ada"].encode()).hexdigest() in digests


def test_unpublished_submissions_are_hidden(live_server: ServerFactory, make_mod: MakeMod) -> None:
    live = live_server()
    with live.client("ada") as ada:
        sub = _submit(ada, pack_bytes(make_mod("coin", "1.0.0"))).json()["submission"]
        assert ada.get(f"/submissions/{sub['id']}").status_code == 200
        assert [s["id"] for s in ada.get("/submissions").json()["submissions"]] == [sub["id"]]
    for who in (None, "eve"):
        with live.client(who) as other:
            for path in (
                f"/submissions/{sub['id']}",
                f"/submissions/{sub['id']}/package",
                f"/submissions/{sub['id']}/history",
            ):
                answer = other.get(path)
                assert answer.status_code == 404 and _codes(answer) == ["MARKET_NOT_FOUND"], path
            assert other.get("/mods/coin/submissions").json()["submissions"] == []
            assert other.get("/mods").json()["submissions"] == []
    with live.client("eve") as eve:
        assert eve.get("/submissions").json()["submissions"] == []
        assert eve.get("/queue").status_code == 404
        assert eve.get("/audit-log").status_code == 404
    with live.client("rex") as rex:
        assert rex.get(f"/submissions/{sub['id']}").json()["submission"]["state"] == "draft"


def test_roles_and_accounts_are_maintainers_business(live_server: ServerFactory) -> None:
    live = live_server()
    with live.client("ada") as ada:
        assert (
            ada.post("/accounts", json={"name": "zed", "password": "zed-secret-1"}).status_code
            == 403
        )
        assert ada.post("/roles", json={"name": "ada", "role": "maintainer"}).status_code == 403
    with live.client("mia") as mia:
        assert (
            mia.post("/accounts", json={"name": "zed", "password": "zed-secret-1"}).status_code
            == 200
        )
        granted = mia.post("/roles", json={"name": "zed", "role": "reviewer"})
        assert granted.json()["roles"] == ["reviewer"]
    with live.client() as http:
        assert (
            http.post("/login", json={"name": "zed", "password": "zed-secret-1"}).status_code == 200
        )


def _artifacts(store_url: str) -> int:
    if store_url.startswith("sqlite"):
        folder = Path(store_url.removeprefix("sqlite://")).parent / "artifacts"
        return sum(1 for _ in folder.rglob("*.modpkg")) if folder.exists() else 0
    with open_store(store_url) as store, store._read() as tx:  # type: ignore[attr-defined]
        return int(tx.one("SELECT COUNT(*) FROM artifacts")[0])


def _chunks(total: int) -> Iterator[bytes]:
    boundary = b"----modhost"
    yield (
        b"--"
        + boundary
        + b'\r\nContent-Disposition: form-data; name="package"; filename="p"\r\n\r\n'
    )
    for _ in range(total // 65536):
        yield b"\0" * 65536
    yield b"\r\n--" + boundary + b"--\r\n"


def test_uploads_over_the_cap_are_refused_while_streaming(live_server: ServerFactory) -> None:
    live = live_server(package_limits=PackageLimits(max_package_bytes=100_000))
    before = _artifacts(live.store_url)
    with live.client("ada") as ada:
        declared = _submit(ada, b"\0" * 400_000)
        assert declared.status_code == 413 and _codes(declared) == ["MARKET_REQUEST_INVALID"]
        # No Content-Length (chunked): the cap is enforced on the bytes as they arrive.
        streamed = ada.post(
            "/submissions",
            content=_chunks(4 * 1024 * 1024),
            headers={"Content-Type": "multipart/form-data; boundary=----modhost"},
        )
        assert streamed.status_code == 413 and _codes(streamed) == ["MARKET_REQUEST_INVALID"]
        not_multipart = ada.post("/submissions", content=b"hello")
        assert not_multipart.status_code == 400 and _codes(not_multipart) == [
            "MARKET_REQUEST_INVALID"
        ]
        no_package = ada.post("/submissions", files={"other": ("x", b"1")})
        assert no_package.status_code == 400
    assert _artifacts(live.store_url) == before


def test_rate_limits_per_address_and_account(live_server: ServerFactory, make_mod: MakeMod) -> None:
    live = live_server(rate_limits=RateLimits(login=3, submit=2, search=4))
    with live.client() as http:
        for _ in range(3):
            assert (
                http.post("/login", json={"name": "ada", "password": "wrong-pass"}).status_code
                == 401
            )
        limited = http.post("/login", json={"name": "ada", "password": PASSWORDS["ada"]})
        assert limited.status_code == 429 and _codes(limited) == ["MARKET_RATE_LIMITED"]
        assert int(limited.headers["retry-after"]) >= 1
        for _ in range(4):
            assert http.get("/search", params={"q": "x"}).status_code == 200
        assert http.get("/search", params={"q": "x"}).status_code == 429
    package = pack_bytes(make_mod("coin", "1.0.0"))
    with live.client("ada") as ada:
        assert _submit(ada, package).status_code == 200
        assert _submit(ada, package).status_code == 200
        assert _codes(_submit(ada, package)) == ["MARKET_RATE_LIMITED"]


def test_openapi_is_served(live_server: ServerFactory) -> None:
    live = live_server()
    schema = httpx.get(live.url + "/api/v1/openapi.json").json()
    assert schema["info"]["version"] == "v1"
    assert {"/api/v1/submissions", "/api/v1/login", "/api/v1/search"} <= set(schema["paths"])


def test_every_refusal_under_the_api_is_a_diagnostic(live_server: ServerFactory) -> None:
    live = live_server()
    cases = [
        ("POST", "/login", b"{not json", "MARKET_REQUEST_INVALID"),
        ("POST", "/login", b"[" * 100_000, "MARKET_REQUEST_INVALID"),  # too deep to parse
        ("POST", "/login", b'{"name": "mia\\ud800", "password": "x"}', "MARKET_REQUEST_INVALID"),
        ("GET", "/no/such/path", None, "MARKET_NOT_FOUND"),
        ("DELETE", "/login", None, "MARKET_REQUEST_INVALID"),
    ]
    with live.client("mia") as http:
        for method, path, body, code in cases:
            answer = http.request(
                method, path, content=body, headers={"content-type": "application/json"}
            )
            assert 400 <= answer.status_code < 500, (path, answer.text)
            document = answer.json()
            assert document["ok"] is False and _codes(answer) == [code], document
            assert document["diagnostics"][0]["hint"]
        assert http.get("/submissions").status_code == 200  # the server carries on
