"""Small JSON state files of a host's data folder (accepted versions, market-vouched keys):
a capped read, a lock between processes, an atomic durable write."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from pydantic import BaseModel

from host_api import ModhostError, write_atomically


def read_capped(path: Path, max_bytes: int, bad: Callable[[str], ModhostError]) -> bytes | None:
    """The file's bytes, None when it does not exist.

    :raises ModhostError: ``bad(why)`` when it cannot be read or is over ``max_bytes``.
    """
    try:
        with path.open("rb") as fh:
            # read(n) allocates n bytes up front: ask for what the file holds, capped.
            data = fh.read(min(os.fstat(fh.fileno()).st_size, max_bytes) + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise bad(f"cannot read it: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise bad("it is implausibly large")
    return data


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Serialise read-modify-write cycles on ``path`` between processes (``path.lock``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(path.name + ".lock").open("a") as lock:
        try:
            import fcntl  # POSIX only; elsewhere the atomic rename still prevents torn files
        except ImportError:
            yield
            return
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def write_state(path: Path, state: BaseModel, *, prefix: str) -> None:
    """Write ``state`` as sorted, indented JSON, atomically and durably."""
    data = json.dumps(state.model_dump(), indent=2, sort_keys=True) + "\n"
    write_atomically(path, data.encode("utf-8"), prefix=prefix, durable=True)
