"""The trust hand-off: author keys a marketplace vouched for, as ``market install`` records
them in the host's data folder.

``market install`` verifies each package's ``mod.sig`` against the keys its author
registered with the marketplace. It then records that key here, scoped to the mod it
verified, with the marketplace's name::

    <data_dir>/signing/market-keys.json
    {"format": "modhost-market-keys", "format_version": 1,
     "keys": {"<key id>": {"public_key": "<PEM>", "author": "ada",
                           "market": "sqlite:///srv/market.db", "mods": ["coin"],
                           "added_at": "2026-12-05T14:00:00+00:00"}}}

The host's signature check (:class:`SignatureChecker`) trusts a key recorded here **only for
the mods listed with it**, in addition to ``[signing] trusted_keys``: installing ``coin``
from a marketplace does not make the same key trusted for a mod dropped in by hand.
``modhost verify`` names the marketplace that vouched for a key. To withdraw the trust,
delete the key's entry (or the file). Writes are atomic and serialised by a lock file, as
for the accepted-versions file.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Final, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._sigerrors import TrustConfigError
from ._statefile import locked, read_capped, write_state

VOUCHED_FILE: Final = Path("signing") / "market-keys.json"
_MAX_BYTES: Final = 4 * 1024 * 1024
#: Mods one key may be vouched for (a key signs one author's mods; far more is a bug).
_MAX_MODS_PER_KEY: Final = 10_000


class VouchedKey(BaseModel):
    """One key a marketplace vouched for, and the mods it was verified on."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    public_key: Annotated[str, Field(max_length=4096)]
    author: Annotated[str, Field(max_length=200)]
    #: The marketplace's name: its store URL without credentials or options.
    market: Annotated[str, Field(max_length=1000)]
    mods: Annotated[tuple[str, ...], Field(max_length=_MAX_MODS_PER_KEY)]
    added_at: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (``verify --json``'s ``vouched_by``), without the key itself."""
        return {"market": self.market, "author": self.author, "added_at": self.added_at}


class _State(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    format: Literal["modhost-market-keys"] = "modhost-market-keys"
    format_version: Literal[1] = 1
    keys: dict[Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")], VouchedKey] = Field(
        default_factory=dict
    )


def market_name(url: str) -> str:
    """A store URL as a name to show and record: no user, password or query string."""
    parts = urlsplit(url)
    if not parts.netloc and not parts.query:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class VouchedKeys:
    """The vouched-keys file of one host data folder (see the module docstring).

    :param path: the file (:func:`vouched_path`); its folder is created on first write.
    """

    def __init__(self, path: Path) -> None:
        self.path: Final = path

    def load(self) -> dict[str, VouchedKey]:
        """Every record by key id; a missing file means none.

        :raises TrustConfigError: the file exists but is unreadable or malformed (nothing in
            it is trusted then).
        """
        data = read_capped(self.path, _MAX_BYTES, self._bad)
        if data is None:
            return {}
        try:
            return dict(_State.model_validate_json(data).keys)
        except ValidationError as exc:
            raise self._bad(f"it is not a valid file ({str(exc).splitlines()[0]})") from exc

    def vouch(
        self, *, key_id: str, public_key: str, author: str, market: str, mod_id: str
    ) -> VouchedKey:
        """Record that ``market`` vouched for ``key_id`` (``author``'s) on ``mod_id``;
        idempotent. Returns the record now stored.

        :raises TrustConfigError: the existing file is malformed (it is left untouched).
        """
        with locked(self.path):
            records = self.load()
            old = records.get(key_id)
            mods = tuple(sorted({*(old.mods if old else ()), mod_id}))
            new = VouchedKey(
                public_key=public_key,
                author=author,
                market=market,
                mods=mods,
                added_at=old.added_at if old else _utc_now(),
            )
            if new != old:
                records[key_id] = new
                write_state(self.path, _State(keys=records), prefix=".market-keys.")
        return new

    def _bad(self, why: str) -> TrustConfigError:
        return TrustConfigError(
            f"the market-vouched keys file {self.path} is unusable: {why}",
            file=str(self.path),
            hint="delete it and install the mods again with 'modhost market install' "
            "(or list their keys under [signing] trusted_keys)",
        )


def vouched_path(data_dir: Path) -> Path:
    """The vouched-keys file inside a host data folder."""
    return data_dir / VOUCHED_FILE


def keys_for_mod(records: Mapping[str, VouchedKey], mod_id: str) -> frozenset[str]:
    """The key ids vouched for on ``mod_id``."""
    return frozenset(k for k, v in records.items() if mod_id in v.mods)


def _utc_now() -> str:
    """The current time as the store writes it (ISO-8601 UTC, microseconds)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")
