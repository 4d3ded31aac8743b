"""The client's per-user file: a token (and trust state) per marketplace server.

``$MODHOST_CONFIG_DIR/market.json`` (else ``$XDG_CONFIG_HOME/modhost``, else
``~/.config/modhost``), written atomically with mode 0600: it holds bearer tokens.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Final

from host_api import write_atomically

from ..store import StoreConfigError

CONFIG_ENV: Final = "MODHOST_CONFIG_DIR"
#: A token given in the environment wins over the file (CI, scripts).
TOKEN_ENV: Final = "MODHOST_MARKET_TOKEN"
CONFIG_NAME: Final = "market.json"


def config_path() -> Path:
    """Where the client keeps its tokens."""
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit) / CONFIG_NAME
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "modhost" / CONFIG_NAME


def server_key(url: str) -> str:
    """The config key of a server URL (no trailing slash)."""
    return url.rstrip("/")


def load_config(path: Path | None = None) -> dict[str, Any]:
    """The whole file (``{"servers": {URL: {...}}}``); empty when missing.

    :raises StoreConfigError: the file is not valid JSON.
    """
    path = path or config_path()
    if not path.is_file():
        return {"servers": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise StoreConfigError(
            f"cannot read {path}: {exc}", hint="fix or delete it and log in again"
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("servers"), dict):
        return {"servers": {}}
    return data


def server_entry(url: str, path: Path | None = None) -> dict[str, Any]:
    """What the file remembers about one server (token, name, index state)."""
    entry = load_config(path)["servers"].get(server_key(url))
    return dict(entry) if isinstance(entry, dict) else {}


def update_server(url: str, changes: dict[str, Any], path: Path | None = None) -> None:
    """Merge ``changes`` into a server's entry (a None value removes the key); 0600."""
    path = path or config_path()
    data = load_config(path)
    entry = dict(data["servers"].get(server_key(url)) or {})
    for key, value in changes.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value
    data["servers"][server_key(url)] = entry
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    write_atomically(path, text.encode("utf-8"), mode=0o600)


def token_for(url: str) -> str | None:
    """``$MODHOST_MARKET_TOKEN``, else the token saved by ``modhost market login``."""
    token = os.environ.get(TOKEN_ENV) or server_entry(url).get("token")
    return str(token) if token else None
