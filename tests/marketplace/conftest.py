"""Fixtures for the marketplace tests: mod folders, signing keys, and both store backends.

The PostgreSQL backend runs against a real PostgreSQL server this file starts once per test
session in a temporary folder (``initdb`` + ``pg_ctl``, unix socket only). PostgreSQL refuses
to run as root, so under root the server runs as the unprivileged ``nobody`` user (created
with ``useradd`` when missing). ``make test`` installs PostgreSQL when it is missing; the
postgres tests skip, saying why, only when no server binary can be found.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from marketplace import (
    ManifestGate,
    Marketplace,
    MarketStore,
    PackageGate,
    SignatureGate,
    SigningKey,
    Submission,
    VersionGate,
    generate_key,
    open_store,
    pack_bytes,
    sign_mod,
)

PG_USER = "nobody"


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _as_pg_user() -> dict[str, Any]:
    """subprocess arguments that drop root to the unprivileged server user."""
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", PG_USER], check=True)
    entry = pwd.getpwnam(PG_USER)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server for this session; yields the URL of its ``market`` database."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip(
            "PostgreSQL (initdb, pg_ctl) is not installed and could not be installed "
            "by 'make test' (needs root and apt-get)"
        )
    root = Path(tempfile.mkdtemp(prefix="modhost-pg-"))
    drop = _as_pg_user()
    if drop:
        os.chown(root, drop["user"], drop["group"])
    data, log = root / "data", root / "server.log"
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    run = dict(check=True, capture_output=True, env=env, cwd=root, **drop)
    subprocess.run(
        [
            initdb,
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C",
        ],
        **run,
    )
    subprocess.run(
        [
            pg_ctl,
            "-D",
            str(data),
            "-l",
            str(log),
            "-w",
            "-t",
            "60",
            "-o",
            f"-k {root} -c listen_addresses='' -F",
            "start",
        ],
        **run,
    )
    admin = f"postgresql://postgres@/postgres?host={root}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("CREATE DATABASE market")
    try:
        yield f"postgresql://postgres@/market?host={root}"
    finally:
        subprocess.run(
            [pg_ctl, "-D", str(data), "-m", "immediate", "stop"], **{**run, "check": False}
        )
        shutil.rmtree(root, ignore_errors=True)


_db_numbers = itertools.count(1)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty schema on the session's server (cheaper than a database: CREATE
    DATABASE copies and checkpoints a template)."""
    name = f"test_{next(_db_numbers)}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    return f"{postgres_server}&options=-csearch_path%3D{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL for an empty store, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'market.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[MarketStore]:
    with open_store(store_url) as opened:
        yield opened


MANIFEST = """\
id = "{id}"
name = "{name}"
version = "{version}"
host = "{host}"
authors = ["Ada <ada@example.org>"]
capabilities = ["log", "world.read"]
{deps}
[[scripts]]
path = "scripts/main.py"
"""

SCRIPT = """\
def on_load(ctx):
    ctx.log("loaded")


def on_tick(ctx, dt):
    ctx.state["ticks"] = ctx.state.get("ticks", 0) + 1
"""


@pytest.fixture(scope="session")
def ada_key() -> SigningKey:
    return generate_key()


@pytest.fixture(scope="session")
def eve_key() -> SigningKey:
    return generate_key()


ModFactory = Callable[..., Path]


@pytest.fixture
def make_mod(tmp_path: Path, ada_key: SigningKey) -> ModFactory:
    """Write (and sign) a mod folder: ``make_mod("coin", "1.0.0", requires={...})``."""

    def make(
        mod_id: str = "coin",
        version: str = "1.0.0",
        *,
        requires: dict[str, str] | None = None,
        host: str = ">=0.1,<0.2",
        script: str = SCRIPT,
        key: SigningKey | None = ada_key,
        extra: dict[str, str] | None = None,
        manifest: str | None = None,
    ) -> Path:
        folder = tmp_path / "src" / f"{mod_id}-{version}"
        if folder.exists():
            shutil.rmtree(folder)
        (folder / "scripts").mkdir(parents=True)
        deps = ""
        if requires:
            pairs = ", ".join(f'"{k}" = "{v}"' for k, v in requires.items())
            deps = f"[dependencies]\nrequired = {{ {pairs} }}\n"
        text = manifest or MANIFEST.format(
            id=mod_id, name=mod_id.title(), version=version, host=host, deps=deps
        )
        (folder / "mod.toml").write_text(text)
        (folder / "scripts" / "main.py").write_text(script)
        for rel, content in (extra or {}).items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(content)
        if key is not None:
            sign_mod(folder, key)
        return folder

    return make


@pytest.fixture
def fast_gates() -> list[Any]:
    """Every gate but the smoke run (which starts a host process; tested on its own)."""
    return [PackageGate(), ManifestGate(), VersionGate(), SignatureGate()]


@pytest.fixture
def market(store: MarketStore, fast_gates: list[Any], ada_key: SigningKey) -> Marketplace:
    """A marketplace with a maintainer/reviewer ``mia``, a reviewer ``rex``, and author
    ``ada`` whose key is registered."""
    m = Marketplace(store, gates=fast_gates)
    m.grant_role("mia", "maintainer", actor="mia")
    m.grant_role("mia", "reviewer", actor="mia")
    m.grant_role("rex", "reviewer", actor="mia")
    m.register_key("ada", ada_key.public_key.to_pem(), actor="ada")
    return m


@pytest.fixture
def publish_mod(market: Marketplace) -> Callable[[Path], int]:
    """Take a mod folder through the whole pipeline; return the submission id."""

    def run(folder: Path, author: str = "ada") -> int:
        sub = market.submit(pack_bytes(folder), actor=author)
        sub = market.request_review(sub.id, actor=author)
        assert sub.gates_passed, [f.to_dict() for f in sub.findings]
        market.approve(sub.id, actor="rex")
        market.publish(sub.id, actor="mia")
        return sub.id

    return run


def store_directly(
    store: MarketStore, package: bytes, mod_id: str, version: str, author: str
) -> Submission:
    """A draft holding ``package`` written straight into the store, past ``submit``'s
    checks: what a store holds when a limit was tightened after the package came in."""
    return store.create_submission(
        mod_id=mod_id,
        version=version,
        author=author,
        artifact=store.put_artifact(package),
        manifest={"id": mod_id, "version": version},
    )


def run_modhost(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``modhost ARGS`` as a real child process (``python -m runtime``), output captured.

    :param env: the environment (default: this process's).
    """
    return subprocess.run(
        [sys.executable, "-m", "runtime", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
        check=False,
    )
