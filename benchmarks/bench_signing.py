"""Signature verification speed: one 50 MB mod, and 100 small mods.

Baselines, measured in the same run: plain ``hashlib`` SHA-256 of the same bytes (the floor
for hashing a big mod), and plain open+read of the same small files (the floor for 100 mods,
where file-system calls dominate). Peak Python memory while verifying the big mod shows that
hashing streams.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import tracemalloc
from pathlib import Path

from benchmarks._timing import best_of
from host_api import HostPolicy, load_manifest
from marketplace import SignatureChecker, generate_key, sign_mod, verify_mod

BIG_MB = 50
SMALL_MODS = 100
SMALL_FILES = 6


def _write_mod(folder: Path, mod_id: str, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True)
    (folder / "mod.toml").write_text(f'id = "{mod_id}"\nname = "{mod_id}"\nversion = "1.0.0"\n')
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    return folder


def _big(root: Path) -> None:
    key = generate_key()
    chunk = os.urandom(1 << 20)
    files = {f"assets/pack{i}.bin": chunk * 10 for i in range(BIG_MB // 10)}
    files["scripts/main.py"] = b"def on_tick(ctx, dt):\n    pass\n"
    folder = _write_mod(root / "big", "big-mod", files)
    sign_mod(folder, key)
    paths = sorted(p for p in folder.rglob("*") if p.is_file())

    def raw_hash() -> None:
        for p in paths:
            with p.open("rb") as fh:
                hashlib.file_digest(fh, "sha256")

    base = best_of(3, raw_hash)
    took = best_of(3, lambda: verify_mod(folder, trusted=[key.public_key]))
    tracemalloc.start()
    assert verify_mod(folder, trusted=[key.public_key]).status == "valid"
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"verify one {BIG_MB} MB mod        {took * 1000:8.1f} ms  {BIG_MB / took:7.0f} MB/s")
    print(f"  baseline: hashlib alone       {base * 1000:8.1f} ms  ratio {took / base:5.2f}x")
    print(f"  peak Python memory            {peak / 1024:8.0f} KiB (streaming)")


def _small(root: Path) -> None:
    key = generate_key()
    folders = [
        _write_mod(
            root / "small" / f"mod-{i:03d}",
            f"mod-{i:03d}",
            {
                f"scripts/s{j}.py": f"# mod {i} script {j}\n".encode() * 40
                for j in range(SMALL_FILES)
            },
        )
        for i in range(SMALL_MODS)
    ]
    for f in folders:
        sign_mod(f, key)
    manifests = {f: load_manifest(f) for f in folders}
    policy = HostPolicy.model_validate(
        {"signing": {"mode": "strict", "trusted_keys": [key.key_id]}}
    )
    paths = [p for f in folders for p in sorted(f.rglob("*")) if p.is_file()]

    def raw_read() -> None:
        for p in paths:
            p.read_bytes()

    def check_all() -> None:
        checker = SignatureChecker(policy, root)
        for f in folders:
            assert checker.check(f, manifests[f]).loadable

    base = best_of(3, raw_read)
    took = best_of(3, check_all)
    per_mod = took / SMALL_MODS * 1000
    print(f"check {SMALL_MODS} small mods (strict)   {took * 1000:8.1f} ms  {per_mod:6.2f} ms/mod")
    print(f"  baseline: open+read only      {base * 1000:8.1f} ms  ratio {took / base:5.2f}x")


def main() -> None:
    """Print the numbers (see the module docstring)."""
    with tempfile.TemporaryDirectory(prefix="modhost-bench-signing-") as tmp:
        _big(Path(tmp))
        _small(Path(tmp))


if __name__ == "__main__":
    main()
