"""Loading ahead: later mods' scripts start loading while earlier mods load, order unchanged."""

from __future__ import annotations

import contextlib
from pathlib import Path

from runtime import Host

CHAIN = ("m-a", "m-b", "m-c", "m-d")


def _chain(make_mod, *, broken: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """m-a <- m-b <- m-c <- m-d (each requires the one before); ``broken``'s module body raises."""
    before = None
    for mod_id in CHAIN:
        body = "raise ValueError('broken at load')\n" if mod_id == broken else ""
        make_mod(
            mod_id,
            scripts={
                "main.py": body
                + f"LOADED = '{mod_id}'\n"
                + "def on_load(ctx):\n    ctx.log('on_load ' + LOADED + ' at ' + str(ctx.tick))\n"
            },
            extra=f'[dependencies]\nrequired = {{ {before} = ">=1.0" }}\n' if before else "",
        )
        before = mod_id


def _load_lines(host: Host) -> list[str]:
    report = host.report()
    return [line for m in CHAIN if m in report.mods for line in report.mods[m].log]


def test_mods_still_load_and_run_on_load_in_load_order(make_mod, mods_dir: Path) -> None:
    _chain(make_mod)
    with Host(mods_dir) as host:
        assert host.policy.sandbox.tier == "process"
        host.load()
        report = host.report()
        assert report.load_order == list(CHAIN)
        assert {report.mods[m].state for m in CHAIN} == {"running"}
        assert _load_lines(host) == [f"on_load {m} at 0" for m in CHAIN]
        assert host._loader.started == {}


def test_a_module_body_fault_ahead_is_reported_for_its_own_mod(make_mod, mods_dir: Path) -> None:
    _chain(make_mod, broken="m-c")
    with Host(mods_dir) as host:
        host.load()
        report = host.report()
        assert report.mods["m-c"].state == "failed"
        assert [d.file for d in report.diagnostics if d.mod == "m-c" and d.severity == "error"] == [
            "scripts/main.py"
        ]
        assert {report.mods[m].state for m in ("m-a", "m-b", "m-d")} == {"running"}
        assert _load_lines(host) == [f"on_load {m} at 0" for m in ("m-a", "m-b", "m-d")]


def test_starts_not_loaded_are_released(make_mod, mods_dir: Path) -> None:
    _chain(make_mod)
    with Host(mods_dir) as host:
        host.load()
        order = list(CHAIN)
        with contextlib.closing(host.loading_ahead(order)) as ahead:
            assert next(ahead) == "m-a"
            started = dict(host._loader.started)
            assert set(started) == set(CHAIN)
        assert host._loader.started == {}
        assert all(s.sandbox.closed for s in started.values())


def test_a_reload_that_fails_midway_releases_the_mods_started_after_it(
    make_mod, mods_dir: Path
) -> None:
    _chain(make_mod)
    with Host(mods_dir) as host:
        host.load()
        host.step(2)
        (mods_dir / "m-b" / "scripts" / "main.py").write_text("raise ValueError('new bug')\n")
        manifest = mods_dir / "m-a" / "mod.toml"
        manifest.write_text(manifest.read_text().replace('name = "M-A"', 'name = "M-A again"'))
        assert "M-A again" in manifest.read_text()
        result = host.reload()
        assert set(result.rolled_back) == set(CHAIN)
        assert result.rolled_back and result.diagnostics[0].code == "RELOAD_ROLLED_BACK"
        assert host._loader.started == {}
        # The previous versions run on: every mod, with its old workers.
        host.step(1)
        assert {host.report().mods[m].state for m in CHAIN} == {"running"}
