"""The import direction of DESIGN.md, checked by walking every module's imports with ast."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("host_api", "sandbox", "resolver", "marketplace", "runtime")

#: modhost packages each package may import.
ALLOWED: dict[str, set[str]] = {
    "host_api": set(),
    "sandbox": {"host_api"},
    "resolver": {"host_api"},
    "marketplace": {"host_api", "sandbox", "resolver"},
    "runtime": {"host_api", "sandbox", "resolver", "marketplace"},
}

#: Third-party libraries confined to some packages (or to one module).
CONFINED: dict[str, set[str]] = {
    "wasmtime": {"sandbox"},
    "RestrictedPython": {"sandbox"},
    "networkx": {"resolver"},
    "resolvelib": {"resolver"},
    "panda3d": {"runtime"},
    "direct": {"runtime"},
    "watchfiles": {"runtime"},
    "cryptography": {"marketplace"},
    "fastapi": {"marketplace"},
    "starlette": {"marketplace"},
    "uvicorn": {"marketplace"},
    "python_multipart": {"marketplace"},
    "jinja2": {"marketplace"},
    "procrastinate": {"marketplace"},
    "httpx": {"marketplace"},
}

#: Libraries confined further, to one subpackage (a folder under the repository root).
CONFINED_TO_FOLDER: dict[str, str] = {
    "fastapi": "marketplace/server",
    "starlette": "marketplace/server",
    "uvicorn": "marketplace/server",
    "python_multipart": "marketplace/server",
    "jinja2": "marketplace/server",
    "procrastinate": "marketplace/server",
    "httpx": "marketplace/client",
}


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(top-level module, line, at module level) for each import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [
                (a.name.split(".")[0], node.lineno, id(node) in top_level) for a in node.names
            ]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], node.lineno, id(node) in top_level))
    return found


def _modules() -> list[tuple[str, Path]]:
    return [(pkg, p) for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))]


@pytest.mark.parametrize(
    ("package", "path"),
    _modules(),
    ids=lambda v: str(v.relative_to(ROOT)) if isinstance(v, Path) else v,
)
def test_imports_flow_one_way(package: str, path: Path) -> None:
    for module, line, _ in _imports(path):
        if module in PACKAGES and module != package:
            assert module in ALLOWED[package], (
                f"{path.relative_to(ROOT)}:{line} imports {module}; "
                f"{package} may import only {sorted(ALLOWED[package])}"
            )
        if module in CONFINED:
            assert package in CONFINED[module], (
                f"{path.relative_to(ROOT)}:{line} imports {module}, confined to "
                f"{sorted(CONFINED[module])}"
            )


@pytest.mark.parametrize("library", sorted(CONFINED_TO_FOLDER))
def test_server_libraries_stay_in_their_subpackage(library: str) -> None:
    folder = ROOT / CONFINED_TO_FOLDER[library]
    for _, path in _modules():
        if any(m == library for m, _, _ in _imports(path)):
            assert folder in path.parents, (
                f"{path.relative_to(ROOT)} imports {library}, confined to "
                f"{CONFINED_TO_FOLDER[library]}/"
            )


def test_cryptography_lives_in_one_module() -> None:
    users = {
        p.relative_to(ROOT).as_posix()
        for _, p in _modules()
        if any(m == "cryptography" for m, _, _ in _imports(p))
    }
    assert len(users) <= 1, f"cryptography imported by {sorted(users)}"
    assert all(u.endswith("_signing.py") for u in users)


def test_panda3d_is_imported_lazily() -> None:
    for _, path in _modules():
        for module, line, top in _imports(path):
            if module in ("panda3d", "direct"):
                assert not top or path.name.startswith("_panda"), (
                    f"{path.relative_to(ROOT)}:{line} imports {module} at module level; "
                    "only runtime/_panda*.py modules (imported lazily) may"
                )
