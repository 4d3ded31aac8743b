"""``modhost keygen``, ``modhost sign DIR``, ``modhost verify DIR``: signing mods.

Keys live in ``~/.modhost/keys/`` unless ``--out``/``--key`` say otherwise (or the
``MODHOST_SIGNING_KEY`` environment variable names the private key). ``verify`` judges
strictly, whatever the policy's mode: it exits 0 only for a valid signature by a trusted key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Final, NoReturn

import typer

from host_api import (
    POLICY_FILE,
    Diagnostic,
    HostPolicy,
    ModhostError,
    load_manifest,
    load_policy,
)
from marketplace import (
    SIGFILE_NAME,
    TrustSet,
    generate_key,
    key_file_warnings,
    load_signing_key,
    sign_mod,
    verify_mod,
    write_keypair,
)

from ._cli_common import (
    EXIT_ERROR,
    JSON_OPTION,
    console,
    finish,
    print_diagnostics,
    print_json,
    usage_error,
)

DEFAULT_KEY_DIR: Final = Path("~/.modhost/keys")
DEFAULT_KEY_NAME: Final = "modhost"
KEY_ENV: Final = "MODHOST_SIGNING_KEY"


def _require_folder(folder: Path) -> None:
    """A mod folder argument that is not a folder is a usage error (exit 2), checked before
    the key, so a mistyped path is named first."""
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        usage_error(f"mod folder '{folder}' {what}")


def register(app: typer.Typer) -> None:
    """Add the ``keygen``, ``sign`` and ``verify`` commands."""
    app.command("keygen")(keygen)
    app.command("sign")(sign)
    app.command("verify")(verify)


def keygen(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for NAME.key (mode 0600) and NAME.pub.")
    ] = DEFAULT_KEY_DIR,
    name: Annotated[str, typer.Option("--name", help="Base name of the key files.")] = (
        DEFAULT_KEY_NAME
    ),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing key pair.")] = False,
    as_json: bool = JSON_OPTION,
) -> None:
    """Create an Ed25519 key pair; prints its key id and where the files are (never the key)."""
    out = out.expanduser()
    try:
        key = generate_key()
        private, public = write_keypair(key, out, name, overwrite=force)
    except ModhostError as exc:
        _fail([exc.to_diagnostic()], as_json)
    ignored = _keep_out_of_git(private)
    trust = _from_here(public)
    result = {
        "key_id": key.key_id,
        "private_key": str(private),
        "public_key": str(public),
        "trusted_keys_entry": trust,
        "gitignore": None if ignored is None else str(ignored),
    }
    if as_json:
        print_json(result)
        return
    console.print(f"key id      {key.key_id}")
    console.print(f"private key {private}  (mode 0600: keep it secret, never commit it)")
    console.print(f"public key  {public}")
    if ignored is not None:
        shown = _from_here(ignored)
        console.print(f"[yellow]{shown} now lists {private.name}[/]: git will not commit it")
    console.print(
        f"[dim]sign with 'modhost sign DIR --key {private}'; hosts trust you by listing "
        f'"{trust}" (or "{key.key_id}") under \\[signing] trusted_keys in {POLICY_FILE}[/]'
    )


def _from_here(path: Path) -> str:
    """``path`` as ``trusted_keys`` in ``modhost.toml`` names it: relative to the policy
    file's folder (the current one, where ``run`` and ``check`` look for it by default) when
    it is inside it, else absolute."""
    absolute = path.resolve()
    try:
        return absolute.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(absolute)


def _keep_out_of_git(private: Path) -> Path | None:
    """When ``private`` lies inside a git work tree, list it in a ``.gitignore`` beside it so
    a ``git add -A`` cannot commit it; returns that file, or None when nothing was needed.

    The entry names this one key, not ``*.key``: a repository may keep a public demo key on
    purpose (this one does).
    """
    folder = private.parent.resolve()
    if not any((parent / ".git").exists() for parent in (folder, *folder.parents)):
        return None
    gitignore = folder / ".gitignore"
    entry = f"/{private.name}"
    try:
        lines = gitignore.read_text(encoding="utf-8").splitlines() if gitignore.exists() else []
        if entry in lines or private.name in lines:
            return None
        with gitignore.open("a", encoding="utf-8") as fh:
            fh.write(f"{entry}\n")
    except OSError:
        return None  # an unwritable folder: the key was written there, the warning stands
    return gitignore


def sign(
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help="The mod folder (holding mod.toml).")
    ],
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            help=f"Private key file (default: ${KEY_ENV}, else "
            f"{DEFAULT_KEY_DIR}/{DEFAULT_KEY_NAME}.key).",
        ),
    ] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Write DIR/mod.sig over the mod's files, bound to its id and version."""
    _require_folder(folder)
    key_path = _key_path(key)
    warnings: tuple[Diagnostic, ...] = ()
    try:
        signing_key = load_signing_key(key_path)
        warnings = key_file_warnings(key_path)
        manifest = load_manifest(folder)
        sigfile = sign_mod(folder, signing_key, manifest=manifest)
    except ModhostError as exc:  # a bad key, a bad manifest, a folder that cannot be hashed
        _fail([*warnings, *_diagnostics_of(exc)], as_json)
    result = {
        "mod": manifest.id,
        "version": manifest.version,
        "key_id": sigfile.key_id,
        "digest": sigfile.digest,
        "files": len(sigfile.files),
        "signature_file": str(folder / SIGFILE_NAME),
        "diagnostics": [d.model_dump(mode="json") for d in warnings],
    }
    if as_json:
        print_json(result)
        return
    print_diagnostics(warnings, stderr=True)
    console.print(
        f"signed {manifest.id} {manifest.version} with key {sigfile.key_id}: "
        f"{len(sigfile.files)} files, digest {sigfile.digest[:16]}… -> {folder / SIGFILE_NAME}"
    )


def verify(
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help="The mod folder (holding mod.toml and mod.sig).")
    ],
    policy_file: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            help=f"Host policy whose trusted keys count (default: {POLICY_FILE} in the folder "
            "holding the mods folder, else in the current folder).",
        ),
    ] = None,
    trust: Annotated[
        list[str] | None,
        typer.Option("--trust", help="Also trust this public key file or key id (repeatable)."),
    ] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Say whether DIR's signature is valid, invalid, untrusted or missing (and which files
    differ); exit 0 only when it is valid and trusted."""
    _require_folder(folder)
    try:
        manifest = load_manifest(folder)
        policy_trust, trusted, setup = _trusted_keys(folder, policy_file, trust or [])
    except ModhostError as exc:  # a bad manifest, or an invalid policy file
        _fail(_diagnostics_of(exc), as_json)
    found = verify_mod(
        folder, trusted=trusted | policy_trust.key_ids_for(manifest.id), manifest=manifest
    )
    vouched = (
        policy_trust.vouched_by(found.key_id, manifest.id) if found.status == "valid" else None
    )
    diagnostics = [*setup]
    if found.problem is not None:
        diagnostics.append(found.problem.to_diagnostic("error"))
    result: dict[str, Any] = {
        "mod": found.mod_id,
        "version": found.version,
        "status": found.status,
        "key_id": found.key_id,
        "digest": found.digest,
        "diff": found.diff.as_dict() if found.diff else None,
        "vouched_by": vouched.to_dict() if vouched else None,
        "diagnostics": [d.model_dump(mode="json") for d in diagnostics],
    }
    if as_json:
        print_json(result)
    else:
        print_diagnostics(diagnostics)
        colour = {"valid": "green", "untrusted": "yellow"}.get(found.status, "red")
        by = f" (key {found.key_id})" if found.key_id else ""
        if vouched:
            by = (
                f" (key {found.key_id} of {vouched.author}, vouched for by market {vouched.market})"
            )
        console.print(f"[{colour}]{found.status}[/]: {found.mod_id} {found.version}{by}")
    finish(diagnostics)


def _key_path(key: Path | None) -> Path:
    if key is not None:
        return key.expanduser()
    env = os.environ.get(KEY_ENV)
    if env:
        return Path(env).expanduser()
    return (DEFAULT_KEY_DIR / f"{DEFAULT_KEY_NAME}.key").expanduser()


def _trusted_keys(
    folder: Path, policy_file: Path | None, extra: list[str]
) -> tuple[TrustSet, frozenset[str], list[Diagnostic]]:
    """The policy's trust (its keys and the keys marketplaces vouched for, per mod), the
    ``--trust`` key ids, and problems reading them."""
    path = policy_file or _find_policy(folder)
    policy = load_policy(path) if path is not None else HostPolicy()
    policy_dir = path.parent if path is not None else Path.cwd()
    found = TrustSet.from_policy(policy, policy_dir)
    problems = list(found.diagnostics)
    ids: frozenset[str] = frozenset()
    if extra:
        more = TrustSet.from_entries(extra, Path.cwd())
        ids = more.key_ids
        problems += more.diagnostics
    return found, ids, problems


def _find_policy(folder: Path) -> Path | None:
    for candidate in (folder.resolve().parent.parent / POLICY_FILE, Path.cwd() / POLICY_FILE):
        if candidate.is_file():
            return candidate
    return None


def _diagnostics_of(exc: ModhostError) -> list[Diagnostic]:
    """Every problem ``exc`` carries (``ManifestInvalid`` lists them all), else its own."""
    return list(getattr(exc, "diagnostics", ()) or (exc.to_diagnostic(),))


def _fail(diagnostics: list[Diagnostic], as_json: bool) -> NoReturn:
    if as_json:
        print_json({"diagnostics": [d.model_dump(mode="json") for d in diagnostics]})
    else:
        print_diagnostics(diagnostics, stderr=True)
    raise typer.Exit(EXIT_ERROR)
