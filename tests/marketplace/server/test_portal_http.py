"""The portal's sessions, CSRF and visibility rules, over plain HTTP (no browser needed)."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from PIL import Image

from marketplace import SigningKey, pack_bytes, sign_mod

from .conftest import PASSWORDS, LiveServer, ServerFactory
from .test_api import _publish

MakeMod = Callable[..., Path]


def _browser(live: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=live.url, follow_redirects=False, timeout=60)


def _csrf(http: httpx.Client, path: str = "/login") -> str:
    page = http.get(path)
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def _login(http: httpx.Client, name: str) -> httpx.Response:
    token = _csrf(http)
    return http.post("/login", data={"csrf": token, "name": name, "password": PASSWORDS[name]})


def test_login_sets_a_protected_session_cookie_and_logout_revokes_it(
    live_server: ServerFactory,
) -> None:
    live = live_server()
    with _browser(live) as http:
        answer = _login(http, "ada")
        assert answer.status_code == 303 and answer.headers["location"] == "/author"
        cookie = next(c for c in answer.headers.get_list("set-cookie") if "mh_session" in c)
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=" in cookie
        stolen = http.cookies["mh_session"]
        assert "ada" in http.get("/author").text
        token = _csrf(http, "/author")
        assert http.post("/logout", data={"csrf": token}).status_code == 303
    with _browser(live) as replay:
        replay.cookies.set("mh_session", stolen)
        assert replay.get("/author").status_code == 303  # the session died with logout


def test_forms_without_the_csrf_token_are_refused(live_server: ServerFactory) -> None:
    live = live_server()
    with _browser(live) as http:
        _csrf(http)  # the cookie is set...
        forged = http.post("/login", data={"name": "ada", "password": PASSWORDS["ada"]})
        assert forged.status_code == 400 and "MARKET_REQUEST_INVALID" in forged.text
        assert "mh_session" not in http.cookies
        _login(http, "mia")
        wrong = http.post("/submissions/1/action", data={"csrf": "guessed", "action": "publish"})
        assert wrong.status_code == 400 and "CSRF" in wrong.text
    with _browser(live) as other_site:  # no cookie at all: what a cross-site form sends
        answer = other_site.post("/login", data={"csrf": "x", "name": "ada", "password": "y"})
        assert answer.status_code == 400


def test_sessions_expire(live_server: ServerFactory) -> None:
    live = live_server(session_ttl_s=1)
    with _browser(live) as http:
        _login(http, "ada")
        assert http.get("/author").status_code == 200
        time.sleep(1.5)
        assert http.get("/author").status_code == 303


def test_unpublished_submissions_stay_private(
    live_server: ServerFactory, make_mod: MakeMod
) -> None:
    live = live_server()
    with live.client("ada") as ada:
        sub = ada.post(
            "/submissions",
            files={"package": ("p", pack_bytes(make_mod("secret-mod", "1.0.0")), "x")},
        ).json()["submission"]
    with _browser(live) as anonymous:
        assert anonymous.get(f"/submissions/{sub['id']}").status_code == 404
        assert "secret-mod" not in anonymous.get("/").text
        assert "secret-mod" not in anonymous.get("/", params={"q": "secret"}).text
        assert anonymous.get("/mods/secret-mod").status_code == 404
    with _browser(live) as eve:
        _login(eve, "eve")
        assert eve.get(f"/submissions/{sub['id']}").status_code == 404
        assert "secret-mod" not in eve.get("/author").text
        assert eve.get("/review").status_code == 404
    with _browser(live) as rex:
        _login(rex, "rex")
        assert "secret-mod" in rex.get(f"/submissions/{sub['id']}").text


def test_screenshots_are_served_only_as_real_images(
    live_server: ServerFactory, make_mod: MakeMod, ada_key: SigningKey
) -> None:
    live = live_server()
    folder = make_mod("coin", "1.0.0", key=None)
    (folder / "screenshots").mkdir()
    image = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 170, 20)).save(image, format="PNG")
    (folder / "screenshots" / "shiny.png").write_bytes(image.getvalue())
    (folder / "screenshots" / "evil.png").write_text("<script>alert(document.cookie)</script>")
    sign_mod(folder, ada_key)
    published = _publish(live, pack_bytes(folder))
    base = f"/mods/coin/{published['id']}/screenshots"
    with _browser(live) as http:
        page = http.get("/mods/coin").text
        assert f'src="{base}/shiny.png"' in page
        shiny = http.get(f"{base}/shiny.png")
        assert shiny.status_code == 200 and shiny.content == image.getvalue()
        assert shiny.headers["content-type"] == "image/png"
        assert shiny.headers["x-content-type-options"] == "nosniff"
        assert http.get(f"{base}/evil.png").status_code == 404  # not really a PNG
        assert http.get(f"/mods/coin/{published['id']}/screenshots/mod.toml").status_code == 404
