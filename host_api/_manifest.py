"""The ``mod.toml`` contract as a frozen pydantic model, parsed once at the edge.

:func:`load_manifest` reads a mod folder and returns a :class:`Manifest`, or raises
:class:`ManifestNotFound` / :class:`ManifestInvalid` carrying every problem found, each with a
hint (unknown keys get a did-you-mean).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Final

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from ._capabilities import ALL_CAPABILITIES
from ._diagnostics import Diagnostic, DiagnosticCode
from ._errors import ManifestInvalid, ManifestNotFound
from ._fs import UnsafeFile, read_regular

MANIFEST_FILE: Final = "mod.toml"
#: The largest ``mod.toml`` read (checked on ``lstat`` data before it is opened).
MAX_MANIFEST_BYTES: Final = 256 * 1024
#: Problems of one manifest listed one by one (the rest are counted).
MAX_PROBLEMS: Final = 50
MOD_ID_PATTERN: Final = r"^[a-z][a-z0-9-]{1,62}$"
_SEMVER = re.compile(r"^\d+\.\d+\.\d+([-.+]?[0-9A-Za-z.]+)?$")


def parse_specifier(text: str) -> SpecifierSet:
    """Parse a dependency range: PEP 440 specifiers, ``"*"`` (or empty) meaning any version."""
    text = text.strip()
    if text in ("", "*"):
        return SpecifierSet("")
    return SpecifierSet(text)


def _check_version(value: str) -> str:
    if not _SEMVER.match(value):
        raise ValueError(f"'{value}' is not a semantic version like 1.2.0")
    try:
        Version(value)
    except InvalidVersion as exc:
        raise ValueError(f"'{value}' is not a valid version: {exc}") from exc
    return value


def _check_range(value: str) -> str:
    try:
        parse_specifier(value)
    except InvalidSpecifier as exc:
        raise ValueError(
            f"'{value}' is not a version range; use PEP 440 specifiers like '>=1.0,<2.0' or '*'"
        ) from exc
    return value


def _check_relative(value: str) -> str:
    path = PurePosixPath(value)
    if value.startswith(("/", "\\")) or path.is_absolute() or ".." in path.parts or ":" in value:
        raise ValueError(f"'{value}' must be a relative path inside the mod folder")
    return value


ModId = Annotated[str, Field(pattern=MOD_ID_PATTERN)]
VersionStr = Annotated[str, AfterValidator(_check_version)]
RangeStr = Annotated[str, AfterValidator(_check_range)]
RelPath = Annotated[str, AfterValidator(_check_relative)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Dependencies(_Strict):
    """The ``[dependencies]`` table: the four relations the resolver orders mods by."""

    required: dict[ModId, RangeStr] = Field(default_factory=dict)
    optional: dict[ModId, RangeStr] = Field(default_factory=dict)
    soft_after: tuple[ModId, ...] = Field(default=(), alias="softAfter")
    conflicts: dict[ModId, RangeStr] = Field(default_factory=dict)


class ScriptEntry(_Strict):
    """One ``[[scripts]]`` item. ``entity`` set: an entity script; unset: a mod script."""

    entity: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,62}$")] | None = None
    path: Annotated[RelPath, Field(pattern=r"\.py$")]


class ComponentEntry(_Strict):
    """One ``[[components]]`` item: a WebAssembly component built against ``wit/``."""

    path: Annotated[RelPath, Field(pattern=r"\.wasm$")]


class Limits(_Strict):
    """Resource requests; the host policy caps each of them.

    - ``fuel``: units one call may use (loop iterations, comprehension steps, function
      calls); deterministic: ``SANDBOX_FUEL_EXHAUSTED``.
    - ``memory_mb``: what one mod's scripts may build and keep: ``SANDBOX_MEMORY_LIMIT``.
    - ``timeout_ms``: CPU time one call may use: the time the script's thread (in process)
      or its worker process (process tier) actually ran, less garbage collection. Waiting
      for a core on a loaded machine, or for the host to answer, is not charged. Past it:
      ``SANDBOX_TIMEOUT``. The wall-clock backstop: no call may take longer than
      ``4 * (timeout_ms + margin)`` of wall-clock time, ``margin = max(10 ms, timeout_ms)``
      (60 ms for the default 5 ms), also ``SANDBOX_TIMEOUT``. The process tier kills the
      worker of a call that used ``timeout_ms + margin`` of CPU time in work its meter
      cannot interrupt, or that reached the backstop (plus at most one ``timeout_ms`` of
      waiting for host answers).
    """

    fuel: Annotated[int, Field(gt=0, le=10_000_000_000)] = 200_000
    memory_mb: Annotated[int, Field(gt=0, le=4096)] = 16
    timeout_ms: Annotated[int, Field(gt=0, le=60_000)] = 5


class Manifest(_Strict):
    """A validated ``mod.toml``."""

    id: ModId
    name: Annotated[str, Field(min_length=1, max_length=200)]
    version: VersionStr
    host: RangeStr = "*"
    authors: tuple[str, ...] = ()
    description: str = ""
    capabilities: tuple[str, ...] = ()
    dependencies: Dependencies = Field(default_factory=Dependencies)
    scripts: tuple[ScriptEntry, ...] = ()
    components: tuple[ComponentEntry, ...] = ()
    limits: Limits = Field(default_factory=Limits)

    @field_validator("capabilities")
    @classmethod
    def _known_capabilities(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if name not in ALL_CAPABILITIES:
                raise ValueError(
                    f"unknown capability '{name}'{_did_you_mean(name, ALL_CAPABILITIES)}"
                )
        return tuple(dict.fromkeys(value))

    @property
    def parsed_version(self) -> Version:
        """``version`` as a :class:`packaging.version.Version`."""
        return Version(self.version)

    @property
    def host_range(self) -> SpecifierSet:
        """``host`` as a :class:`packaging.specifiers.SpecifierSet` (``*`` -> any)."""
        return parse_specifier(self.host)


def _did_you_mean(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _fields_at(loc: tuple[Any, ...]) -> set[str]:
    """The keys that are allowed at the TOML table ``loc`` points into."""
    model: type[BaseModel] = Manifest
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            for f in model.model_fields.values():
                if f.alias == part:
                    field = f
        if field is None:
            return set()
        inner = field.annotation
        args = getattr(inner, "__args__", ())
        candidates = [inner, *args]
        sub = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
        if sub is None:
            return set()
        model = sub
    return {f.alias or name for name, f in model.model_fields.items()}


def _diagnostic_for(error: Any, mod_id: str, line_of: dict[str, int]) -> Diagnostic:
    loc = tuple(error["loc"])
    dotted = ".".join(str(p) for p in loc) or "(top level)"
    kind = error["type"]
    hint = "see docs/writing-mods/mod-folder.md (modhost schema prints the JSON Schema)"
    if kind == "extra_forbidden":
        key = str(loc[-1])
        message = f"unknown key '{dotted}'"
        hint = "remove it" + _did_you_mean(key, _fields_at(loc)).replace(";", ",")
    elif kind == "missing":
        message = f"missing required key '{dotted}'"
        hint = f"add {loc[-1]} = ... to mod.toml"
    else:
        message = f"{dotted}: {error['msg'].removeprefix('Value error, ')}"
        if "; did you mean" in message:
            message, _, suggestion = message.partition("; ")
            hint = suggestion
        if kind == "string_pattern_mismatch" and loc and loc[-1] == "id":
            hint = "ids are lowercase letters, digits and '-', 2-63 chars, starting with a letter"
    top = str(loc[0]) if loc else ""
    return Diagnostic(
        code=DiagnosticCode.MANIFEST_INVALID,
        message=message,
        mod=mod_id,
        hint=hint,
        file=MANIFEST_FILE,
        line=line_of.get(top),
    )


def _key_lines(text: str) -> dict[str, int]:
    """First line of each top-level key or table, for pointing diagnostics at a line."""
    lines: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        m = re.match(r"^\s*\[{1,2}\s*([A-Za-z0-9_-]+)|^\s*([A-Za-z0-9_-]+)\s*=", raw)
        if m:
            lines.setdefault(m.group(1) or m.group(2), number)
    return lines


def parse_manifest(text: str, *, folder_name: str) -> Manifest:
    """Parse and validate ``mod.toml`` text.

    :param text: the file's contents.
    :param folder_name: the mod folder's name, used as the mod id in diagnostics until the
        manifest's own id is known.
    :raises ManifestInvalid: with one diagnostic per problem (the first :data:`MAX_PROBLEMS`,
        then one that counts the rest).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11-3.13 only say "(at line N, column M)" in the message; 3.14 adds lineno.
        found = re.search(r"at line (\d+)", str(exc))
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        raise ManifestInvalid(
            f"mod.toml is not valid TOML: {exc}",
            mod_id=folder_name,
            file=MANIFEST_FILE,
            line=line,
            hint="check quotes, brackets and '=' on the line shown",
        ) from exc
    except (RecursionError, ValueError) as exc:
        # The parser descends once per nested array or table (past the interpreter's limit),
        # and reads an integer of any length (past its digit limit).
        what = (
            "nests arrays or inline tables too deeply"
            if isinstance(exc, RecursionError)
            else ("holds a number too long")
        )
        raise ManifestInvalid(
            f"mod.toml {what} to read",
            mod_id=folder_name,
            file=MANIFEST_FILE,
            hint="a manifest needs a few levels and short numbers: flatten or shorten the value",
        ) from None
    raw_id = data.get("id")
    mod_id: str = (
        raw_id if isinstance(raw_id, str) and re.match(MOD_ID_PATTERN, raw_id) else folder_name
    )
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        lines = _key_lines(text)
        errors = exc.errors()
        # A file of thousands of unknown keys would cost a close-match search each, and a
        # screen of diagnostics: the first ones say what is wrong.
        diags = [_diagnostic_for(e, mod_id, lines) for e in errors[:MAX_PROBLEMS]]
        if len(errors) > MAX_PROBLEMS:
            diags.append(
                Diagnostic(
                    code=DiagnosticCode.MANIFEST_INVALID,
                    message=f"and {len(errors) - MAX_PROBLEMS} more problem(s) not listed",
                    mod=mod_id,
                    file=MANIFEST_FILE,
                    hint="fix the problems above first",
                )
            )
        raise ManifestInvalid(
            f"mod.toml has {len(errors)} problem(s): {diags[0].message}",
            mod_id=mod_id,
            file=MANIFEST_FILE,
            diagnostics=diags,
        ) from exc


def load_manifest(mod_dir: Path) -> Manifest:
    """Read and validate ``mod_dir/mod.toml``.

    :raises ManifestNotFound: no ``mod.toml`` in the folder.
    :raises ManifestInvalid: the file is unreadable or invalid.
    """
    path = mod_dir / MANIFEST_FILE
    if not path.is_file() and not path.is_symlink() and not path.exists():
        raise ManifestNotFound(
            f"no {MANIFEST_FILE} in {mod_dir}",
            mod_id=mod_dir.name,
            hint=f"every folder in mods/ needs a {MANIFEST_FILE}; "
            "'modhost new mod ID' scaffolds one",
        )
    try:
        text = read_regular(path, max_bytes=MAX_MANIFEST_BYTES).decode("utf-8")
    except UnsafeFile as exc:
        raise ManifestInvalid(
            f"cannot read {MANIFEST_FILE}: {exc.message}",
            mod_id=mod_dir.name,
            file=MANIFEST_FILE,
            hint=f"{MANIFEST_FILE} must be a regular file of at most {MAX_MANIFEST_BYTES} bytes",
            code=DiagnosticCode.PACKAGE_UNSAFE,
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestInvalid(
            f"cannot read {MANIFEST_FILE}: {exc}",
            mod_id=mod_dir.name,
            file=MANIFEST_FILE,
            hint="save mod.toml as UTF-8 text",
        ) from exc
    return parse_manifest(text, folder_name=mod_dir.name)


#: The JSON Schema dialect of :func:`manifest_json_schema`.
JSON_SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"


def manifest_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``mod.toml`` (for editors), as printed by ``modhost schema``.

    ``$schema`` names the dialect pydantic writes (2020-12), so editors and validators read
    it as that draft instead of guessing.
    """
    return {"$schema": JSON_SCHEMA_DIALECT, **Manifest.model_json_schema(by_alias=True)}
