"""Gates on workers: an embedded worker thread, and procrastinate workers on PostgreSQL
(real processes: two racing for jobs, one killed mid-job)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from marketplace import GateSubject, open_store, pack_bytes
from marketplace.server import job_progress

from .conftest import LiveServer, ServerFactory

MakeMod = Callable[..., Path]
ROOT = Path(__file__).resolve().parents[3]
FAST = "package,manifest,version,signature"


def _review(live: LiveServer, package: bytes) -> dict[str, Any]:
    with live.client("ada") as ada:
        sub = ada.post(
            "/submissions", files={"package": ("p.modpkg", package, "application/zip")}
        ).json()["submission"]
        answer = ada.post(f"/submissions/{sub['id']}/review").json()
        return answer  # type: ignore[no-any-return]


def _wait_findings(live: LiveServer, sub_id: int, timeout_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    with live.client("rex") as rex:
        while True:
            shown = rex.get(f"/submissions/{sub_id}").json()
            if shown["submission"]["gates_passed"] is not None:
                return shown  # type: ignore[no-any-return]
            assert time.monotonic() < deadline, f"no findings for {sub_id}: {shown['validation']}"
            time.sleep(0.2)


def _gate_rows(shown: dict[str, Any]) -> list[dict[str, Any]]:
    return [h for h in shown["history"] if h["actor"] == "(gates)"]


def test_embedded_worker_validates_in_the_background(
    live_server: ServerFactory, make_mod: MakeMod
) -> None:
    live = live_server(gate_worker="embedded")
    entered = _review(live, pack_bytes(make_mod("coin", "1.0.0")))
    sub = entered["submission"]
    assert sub["state"] == "review" and sub["gates_passed"] is None  # validating
    assert entered["validation"]["status"] in {"queued", "running", "done"}
    shown = _wait_findings(live, sub["id"])
    assert shown["submission"]["gates_passed"] is True and shown["validation"] is None
    assert [h["reason"] for h in _gate_rows(shown)] == ["gates finished"]
    with live.client("rex") as rex:
        assert rex.post(f"/submissions/{sub['id']}/approve", json={}).status_code == 200


def test_approval_waits_for_the_findings(
    live_server: ServerFactory, make_mod: MakeMod, store_url: str
) -> None:
    live = live_server(gate_worker="embedded", gates=[_Stuck(hold_s=3)])
    sub = _review(live, pack_bytes(make_mod("coin", "1.0.0")))["submission"]
    with live.client("rex") as rex:
        early = rex.post(f"/submissions/{sub['id']}/approve", json={})
        assert early.status_code == 422
        assert early.json()["diagnostics"][0]["code"] == "MARKET_VALIDATION_FAILED"
        deadline = time.monotonic() + 60
        while (progress := rex.get(f"/submissions/{sub['id']}").json()["validation"]) is None or (
            progress["gate"] != "stuck"
        ):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert progress["status"] == "running" and progress["total"] == 1
    assert _wait_findings(live, sub["id"])["submission"]["gates_passed"] is True


class _Stuck:
    """A gate that takes a while (to watch progress)."""

    name = "stuck"

    def __init__(self, hold_s: float) -> None:
        self.hold_s = hold_s

    def run(self, subject: GateSubject) -> list[Any]:
        time.sleep(self.hold_s)
        return []


class _Broken:
    """A gate that always crashes (a bug, a lost dependency)."""

    name = "broken"
    calls = 0

    def run(self, subject: GateSubject) -> list[Any]:
        type(self).calls += 1
        raise RuntimeError("the gate machine is on fire")


def test_a_job_that_keeps_failing_becomes_a_gate_failure(
    live_server: ServerFactory, make_mod: MakeMod
) -> None:
    _Broken.calls = 0
    live = live_server(gate_worker="embedded", gates=[_Broken()], gate_attempts=3)
    sub = _review(live, pack_bytes(make_mod("coin", "1.0.0")))["submission"]
    shown = _wait_findings(live, sub["id"])
    assert shown["submission"]["gates_passed"] is False
    finding = shown["submission"]["findings"][0]
    assert (finding["gate"], finding["code"]) == ("worker", "MARKET_GATE_UNAVAILABLE")
    assert "on fire" in finding["message"] and _Broken.calls == 3
    with open_store(live.store_url) as store:
        assert job_progress(store, sub["id"], sub["revision"])["status"] == "failed"  # type: ignore[index]


def test_a_job_that_times_out_is_retried_then_fails(
    live_server: ServerFactory, make_mod: MakeMod
) -> None:
    live = live_server(
        gate_worker="embedded", gates=[_Stuck(hold_s=30)], gate_attempts=2, gate_timeout_s=0.5
    )
    sub = _review(live, pack_bytes(make_mod("coin", "1.0.0")))["submission"]
    shown = _wait_findings(live, sub["id"])
    finding = shown["submission"]["findings"][0]
    assert (
        finding["code"] == "MARKET_GATE_UNAVAILABLE" and "longer than 0.5 s" in finding["message"]
    )
    assert "2 attempt(s)" in finding["message"] and len(_gate_rows(shown)) == 1


# -- procrastinate workers on PostgreSQL (real processes) --------------------------------


#: Queued gate jobs live in PostgreSQL: these tests run on that backend only.
on_postgres = pytest.mark.parametrize(
    "store_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def pg_live(live_server: ServerFactory) -> LiveServer:
    return live_server(gate_worker="queue")


@pytest.fixture
def workers(store_url: str, tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str, gates: str = FAST) -> subprocess.Popen[bytes]:
        with (tmp_path / f"{name}.log").open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "runtime", "market", "worker", "--store", store_url,
                 "--name", name, "--gates", gates, "--heartbeat", "0.5", "--stalled-after", "2"],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@on_postgres
def test_two_workers_race_and_each_job_is_recorded_once(
    pg_live: LiveServer,
    workers: Callable[..., subprocess.Popen[bytes]],
    make_mod: MakeMod,
) -> None:
    workers("w1")
    workers("w2")
    ids = [
        _review(pg_live, pack_bytes(make_mod(f"mod-{i}", "1.0.0")))["submission"]["id"]
        for i in range(6)
    ]
    for sub_id in ids:
        shown = _wait_findings(pg_live, sub_id)
        assert shown["submission"]["gates_passed"] is True
        assert len(_gate_rows(shown)) == 1
    with open_store(pg_live.store_url) as store, store._read() as tx:  # type: ignore[attr-defined]
        rows = tx.all("SELECT status, COUNT(*) FROM procrastinate_jobs GROUP BY status")
    assert dict(rows) == {"succeeded": 6}


@on_postgres
def test_a_worker_killed_mid_job_is_replaced(
    pg_live: LiveServer,
    workers: Callable[..., subprocess.Popen[bytes]],
    make_mod: MakeMod,
) -> None:
    doomed = workers("doomed", gates=FAST + ",smoke")
    sub = _review(pg_live, pack_bytes(make_mod("coin", "1.0.0")))["submission"]
    deadline = time.monotonic() + 120
    with open_store(pg_live.store_url) as store:
        while (p := job_progress(store, sub["id"], sub["revision"])) is None or p[
            "gate"
        ] != "smoke":
            assert time.monotonic() < deadline and doomed.poll() is None
            time.sleep(0.05)
    os.killpg(doomed.pid, signal.SIGKILL)  # mid-job: the smoke gate is running
    doomed.wait()
    workers("rescuer", gates=FAST + ",smoke")
    shown = _wait_findings(pg_live, sub["id"], timeout_s=240)
    assert shown["submission"]["gates_passed"] is True, shown["submission"]["findings"]
    assert len(_gate_rows(shown)) == 1
    with open_store(pg_live.store_url) as store:
        progress = job_progress(store, sub["id"], sub["revision"])
    assert progress is not None and progress["attempts"] == 2 and progress["status"] == "done"


def test_the_cli_waits_for_the_workers_findings(
    live_server: ServerFactory,
    make_mod: MakeMod,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from .test_cli_client import Client

    monkeypatch.delenv("MODHOST_MARKET_URL", raising=False)
    live = live_server(gate_worker="embedded", gates=[_Stuck(hold_s=1)])
    monkeypatch.setenv("MODHOST_MARKET_TOKEN", live.tokens["ada"])
    ada = Client(live.url, tmp_path / "ada", monkeypatch)
    package = tmp_path / "coin.modpkg"
    package.write_bytes(pack_bytes(make_mod("coin", "1.0.0")))
    sub = ada("submit", str(package))["submission"]
    reviewed = ada("request-review", str(sub["id"]))["submission"]
    assert (reviewed["state"], reviewed["gates_passed"]) == ("review", True)
