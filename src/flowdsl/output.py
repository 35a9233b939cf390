"""Writing compiled files: all-or-nothing per file, stale files removed, or compared only.

flowdsl owns the ``*.json`` files of the folders it writes (``workflows/`` and ``tasks/``
under the output directory) and the diagrams in ``diagrams/``: a file there that a compile
no longer produces is removed.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

OWNED_DIRS = ("workflows", "tasks", "diagrams")
# The files flowdsl owns in each folder, by suffix.
OWNED_SUFFIXES = {
    "workflows": (".json",),
    "tasks": (".json",),
    "diagrams": (".svg", ".png", ".pdf", ".dot"),
}


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def _owned_files(out_dir: Path) -> set[str]:
    found: set[str] = set()
    for sub in OWNED_DIRS:
        folder = out_dir / sub
        if folder.is_dir():
            found.update(
                f"{sub}/{p.name}"
                for p in folder.iterdir()
                if p.is_file() and p.suffix in OWNED_SUFFIXES[sub]
            )
    return found


def diff(out_dir: Path, files: dict[str, bytes]) -> Changes:
    changes = Changes()
    for rel, content in sorted(files.items()):
        path = out_dir / rel
        if not path.is_file():
            changes.added.append(rel)
        elif path.read_bytes() != content:
            changes.changed.append(rel)
        else:
            changes.unchanged.append(rel)
    changes.removed = sorted(_owned_files(out_dir) - set(files))
    return changes


def _atomic_write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write(out_dir: Path, files: dict[str, bytes]) -> Changes:
    """Write what changed (each file replaced atomically), then remove stale files."""
    changes = diff(out_dir, files)
    for rel in changes.added + changes.changed:
        _atomic_write(out_dir / rel, files[rel])
    for rel in changes.removed:
        (out_dir / rel).unlink(missing_ok=True)
    return changes
