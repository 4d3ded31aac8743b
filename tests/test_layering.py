"""The import direction of DESIGN.md, checked by walking every module's imports with ast."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
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
                    "only runtime/present/_panda*.py modules (imported lazily) may"
                )


# -- inside the packages: subpackages per concern, no import circles ------------------------

#: Per package, the sibling subpackages each subpackage may import. The package root (its
#: ``__init__`` and the modules beside it) may import every subpackage; none imports the root.
SUBPACKAGES: dict[str, dict[str, set[str]]] = {
    "runtime": {
        "core": set(),
        "gameplay": {"core"},
        "reload": {"core"},
        "profile": {"core"},
        "present": {"core"},
        "replay": {"core", "gameplay", "present"},
        "cli": {"core", "gameplay", "profile", "reload", "replay", "present"},
    },
    "sandbox": {
        "base": set(),
        "python": {"base"},
        "wasm": {"base"},
        "audit": {"base", "python", "wasm"},
    },
    # The submission flow and install stay at the root; server/ and client/ sit above it.
    "marketplace": {"signing": set(), "store": set()},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {_module_name(p): p for _, p in _modules()}


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Ids of the nodes under ``if TYPE_CHECKING:`` (annotations only, never run)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return skip


def _internal_imports(name: str, *, annotations: bool) -> list[tuple[str, int]]:
    """(modhost module, line) for each import of ``name``, function-level ones included;
    ``from pkg import submodule`` counts as importing the submodule, not the package."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = set() if annotations else _type_checking_only(tree)
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name in MODULES]
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            subs = [f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in MODULES]
            found += [(s, node.lineno) for s in subs]
            if len(subs) < len(node.names) and module in MODULES:
                found.append((module, node.lineno))
    return found


def test_no_import_cycles_between_modules() -> None:
    graph = nx.DiGraph()
    graph.add_nodes_from(MODULES)
    for name in MODULES:
        graph.add_edges_from((name, t) for t, _ in _internal_imports(name, annotations=False))
    graph.remove_edges_from(nx.selfloop_edges(graph))
    cycles = sorted(nx.simple_cycles(graph), key=len)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c + c[:1]) for c in cycles[:5])


def _subpackage(name: str) -> str | None:
    """The subpackage a module belongs to (None for the package root)."""
    parts = name.split(".")
    if len(parts) < 2 or parts[1] not in SUBPACKAGES.get(parts[0], {}):
        return None
    return parts[1]


def _in_subpackages() -> list[str]:
    return sorted(n for n in MODULES if _subpackage(n) is not None)


@pytest.mark.parametrize("name", _in_subpackages())
def test_subpackages_import_in_one_direction(name: str) -> None:
    package, own = name.split(".")[0], _subpackage(name)
    assert own is not None
    for target, line in _internal_imports(name, annotations=False):
        if target.split(".")[0] != package:
            continue
        other = _subpackage(target)
        assert other is not None, f"{name}:{line} imports the package root ({target})"
        assert other == own or other in SUBPACKAGES[package][own], (
            f"{name}:{line} imports {target}; {package}.{own} may import only "
            f"{sorted(SUBPACKAGES[package][own])}"
        )


def test_subpackage_map_is_complete() -> None:
    for package, subs in SUBPACKAGES.items():
        on_disk = {p.parent.name for p in (ROOT / package).glob("*/__init__.py")}
        assert on_disk <= set(subs) | {"server", "client"}, package
        for own, allowed in subs.items():
            assert allowed <= set(subs) - {own}, (package, own)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_reaches_into_another_subpackage(name: str) -> None:
    """Subpackages are used through their ``__init__``: their underscored modules are theirs."""
    own = name.split(".")[:-1] if MODULES[name].name != "__init__.py" else name.split(".")
    for target, line in _internal_imports(name, annotations=True):
        parts = target.split(".")
        private = next((i for i, p in enumerate(parts) if p.startswith("_")), None)
        if private is None or private < 2:
            continue  # a package's own root modules, or a public module
        owner = parts[:private]
        assert own[: len(owner)] == owner, (
            f"{name}:{line} imports {target}: use {'.'.join(owner)} (its __init__) instead"
        )


# -- the host's private state stays in runtime.core ------------------------------------------


def _host_private_reads(path: Path) -> list[tuple[int, str]]:
    """(line, ``host._x``) for each private attribute read on something named ``host``
    (``host``, ``self.host``, ``self._host``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Attribute) and node.attr.startswith("_")):
            continue
        if node.attr.startswith("__"):
            continue
        owner = node.value
        name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
        if name in ("host", "_host"):
            found.append((node.lineno, f"{name}.{node.attr}"))
    return found


@pytest.mark.parametrize(
    "path",
    [p for _, p in _modules() if ROOT / "runtime" / "core" not in p.parents],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_only_the_core_reads_the_hosts_private_state(path: Path) -> None:
    """Gameplay, reload, the CLI and the rest use ``Host``'s public face and the narrow
    interfaces it hands them (``ModCalls``, ``ReloadPort``), never its private attributes."""
    reads = _host_private_reads(path)
    assert not reads, f"{path.relative_to(ROOT)} reads private host state: " + ", ".join(
        f"line {line}: {what}" for line, what in reads
    )


# -- module size: one screen of purpose per file --------------------------------------------

#: A module past this many lines holds more than one job: split it by what its parts do.
MAX_MODULE_LINES = 450

#: Modules allowed past :data:`MAX_MODULE_LINES`, each with its size when it was listed and
#: why. Remove an entry once its module is split (a test below says when).
LONG_MODULES: dict[str, tuple[int, str]] = {}


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize(
    ("package", "path"),
    _modules(),
    ids=lambda v: str(v.relative_to(ROOT)) if isinstance(v, Path) else v,
)
def test_modules_stay_small(package: str, path: Path) -> None:
    name = path.relative_to(ROOT).as_posix()
    if name in LONG_MODULES:
        return
    lines = _line_count(path)
    assert lines <= MAX_MODULE_LINES, (
        f"{name} has {lines} lines (at most {MAX_MODULE_LINES}): split it into modules with "
        "one job each, or, for one cohesive algorithm, list it in LONG_MODULES with why"
    )


@pytest.mark.parametrize("name", sorted(LONG_MODULES))
def test_long_module_allowance_is_still_needed(name: str) -> None:
    path = ROOT / name
    assert path.is_file(), f"{name} is gone: remove it from LONG_MODULES"
    assert _line_count(path) > MAX_MODULE_LINES, (
        f"{name} is within {MAX_MODULE_LINES} lines now: remove it from LONG_MODULES"
    )
