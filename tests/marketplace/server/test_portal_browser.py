"""The portal in a real headless browser (Debian's chromium through chromium-driver):
an author submits through the form, a reviewer approves, a maintainer publishes, a player
finds and downloads the mod.

Skips only when chromium or chromium-driver is not installed (``make test`` installs both
when it runs as root with apt-get).
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from marketplace import pack_bytes

from .conftest import PASSWORDS, LiveServer, ServerFactory

MakeMod = Callable[..., Path]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver") or (
    "/usr/lib/chromium/chromedriver" if Path("/usr/lib/chromium/chromedriver").exists() else None
)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="chromium and chromium-driver are not installed ('make test' installs them as root)",
)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1200,900",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


class Person:
    """One browser session acting through the pages, by element ids."""

    def __init__(self, driver: object, url: str) -> None:
        from selenium.webdriver.common.by import By

        self.d, self.url, self.by = driver, url, By

    def go(self, path: str) -> None:
        self.d.get(self.url + path)  # type: ignore[attr-defined]

    def el(self, element_id: str) -> object:
        return self.d.find_element(self.by.ID, element_id)  # type: ignore[attr-defined]

    def click(self, element: object) -> None:
        """Click something that loads a new page, and wait until the old one is gone."""
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        def gone(_: object) -> bool:
            # Chrome reports a node of the old page either as stale or, while the new page
            # replaces the document, as a node that "does not belong to the document".
            try:
                element.is_enabled()  # type: ignore[attr-defined]
            except WebDriverException:
                return True
            return False

        element.click()  # type: ignore[attr-defined]
        wait = WebDriverWait(self.d, 30)
        wait.until(gone)
        # A form post answers with a redirect: wait for the page it leads to, whole.
        wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

    def press(self, element_id: str) -> None:
        self.click(self.el(element_id))

    def text(self, element_id: str) -> str:
        from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

        for attempt in range(3):
            try:
                return str(self.el(element_id).text)  # type: ignore[attr-defined]
            except (StaleElementReferenceException, WebDriverException) as exc:
                # Found in a document the browser was still replacing: look again.
                if attempt == 2 or "document" not in str(exc):
                    raise
                time.sleep(0.2)
        raise AssertionError("unreachable")

    def login(self, name: str) -> None:
        self.go("/login")
        self.el("name").send_keys(name)  # type: ignore[attr-defined]
        self.el("password").send_keys(PASSWORDS[name])  # type: ignore[attr-defined]
        self.press("login")
        assert self.text("whoami") == name

    def logout(self) -> None:
        self.press("logout")
        assert self.el("nav-login")

    def wait_text(self, path: str, element_id: str, wanted: str, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            self.go(path)
            if self.text(element_id) == wanted:
                return
            assert time.monotonic() < deadline, f"{element_id} never became {wanted!r}"
            time.sleep(0.3)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # one backend is enough
def test_submit_review_publish_download_in_a_browser(
    browser: object,
    live_server: ServerFactory,
    store_url: str,
    make_mod: MakeMod,
    tmp_path: Path,
) -> None:
    live: LiveServer = live_server(gate_worker="embedded")
    package = tmp_path / "coin-1.0.0.modpkg"
    package.write_bytes(pack_bytes(make_mod("coin", "1.0.0")))
    person = Person(browser, live.url)

    # The author submits through the form and asks for review.
    person.login("ada")
    person.el("package").send_keys(str(package))  # type: ignore[attr-defined]
    person.el("changelog").send_keys("First release: coins!")  # type: ignore[attr-defined]
    person.press("submit")
    rows = person.text("my-submissions")
    assert "coin" in rows and "draft" in rows
    sub_id = int(rows.splitlines()[1].split()[0])
    person.press(f"request-review-{sub_id}")
    person.wait_text("/author", f"state-{sub_id}", "review")  # validated by the worker
    person.logout()

    # A player sees nothing yet.
    person.go("/")
    assert person.text("empty").startswith("Nothing published")

    # The reviewer reads the findings and the manifest, and approves.
    person.login("rex")
    person.press("nav-review")
    person.press(f"open-{sub_id}")
    assert person.text("gates") == "All gates passed"
    assert '"id": "coin"' in person.text("manifest")
    person.el("reason").send_keys("clean and small")  # type: ignore[attr-defined]
    person.press("action-approve")
    assert person.text("state") == "approved"
    person.logout()

    # The maintainer publishes.
    person.login("mia")
    person.press("nav-maintain")
    person.press(f"open-{sub_id}")
    person.press("action-publish")
    assert person.text("state") == "published"
    history = person.text("history")
    assert "rex" in history and "clean and small" in history and "mia" in history
    person.logout()

    # A player finds it, opens its page and downloads it.
    person.go("/")
    person.el("search").send_keys("coin")  # type: ignore[attr-defined]
    person.press("search-go")
    assert "coin" in person.text("catalogue")
    person.click(person.d.find_element(person.by.CLASS_NAME, "mod-link"))  # type: ignore[attr-defined]
    assert person.text("mod-name").startswith("Coin")
    assert "First release: coins!" in person.d.page_source  # type: ignore[attr-defined]
    href = person.el("download").get_attribute("href")  # type: ignore[attr-defined]
    downloaded = httpx.get(href).content
    assert hashlib.sha256(downloaded).digest() == hashlib.sha256(package.read_bytes()).digest()
    person.d.save_screenshot(str(tmp_path / "mod-page.png"))  # type: ignore[attr-defined]
