"""The WIT world, item by item, as ``wasm-tools`` prints it normalised.

Each interface or world item (a function, a type, an import or export) is kept as its
normalised text. Any change to an existing item breaks components built against it (a record
that gains a field changes the ABI too); a new item is additive.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from ._model import Change

_ITEM_NAME = re.compile(r"^(?:(?:record|variant|enum|flags|resource|type)\s+)?([%\w-]+)")


def _wasm_tools() -> str:
    beside = Path(sys.executable).with_name("wasm-tools")
    found = str(beside) if beside.exists() else shutil.which("wasm-tools")
    if not found:
        raise SystemExit("wasm-tools is missing: install the test extras (make test)")
    return found


def _normalised(wit_dir: Path) -> str:
    out = subprocess.run(
        [_wasm_tools(), "component", "wit", str(wit_dir)],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return out.stdout


def _statements(body: str) -> list[str]:
    """Split a block's body into top-level statements (``;`` or a ``{...}`` block)."""
    items, depth, current = [], 0, []
    for char in body:
        current.append(char)
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                items.append("".join(current))
                current = []
        elif char == ";" and depth == 0:
            items.append("".join(current))
            current = []
    return [" ".join(s.split()) for s in items if s.strip()]


def parse(text: str) -> dict[str, str]:
    """``{"interface host/spawn": "spawn: func(...) -> ...;", ...}`` for every item."""
    text = "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))
    items: dict[str, str] = {}
    for match in re.finditer(r"\b(interface|world)\s+([\w-]+)\s*\{", text):
        start, depth, index = match.end(), 1, match.end()
        while depth and index < len(text):
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            index += 1
        for statement in _statements(text[start : index - 1]):
            words = statement.split()
            head = words[0] if words[0] in ("import", "export", "use", "include") else ""
            rest = statement[len(head) :].strip()
            name = _ITEM_NAME.match(rest)
            key = f"{head} {name.group(1) if name else rest}".strip()
            items[f"{match.group(1)} {match.group(2)}/{key}"] = statement
    return items


def extract(root: Path) -> dict[str, str]:
    """Every item of ``wit/``, normalised."""
    return parse(_normalised(root / "wit"))


def compare(old: dict[str, str], new: dict[str, str]) -> list[Change]:
    """Removed or changed items break; new items are additive."""
    changes: list[Change] = []
    for key, text in old.items():
        if key not in new:
            changes.append(Change("breaking", f"wit:{key}", "removed"))
        elif new[key] != text:
            changes.append(Change("breaking", f"wit:{key}", f"changed to: {new[key]}"))
    return changes + [Change("additive", f"wit:{k}", "added") for k in new if k not in old]
