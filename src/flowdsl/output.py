"""Writing compiled files: all or nothing across every folder compile owns.

flowdsl owns some folders under the output directory (:data:`OWNED_DIRS`) and, in each,
the files with the suffixes listed there: a file there that a compile no longer produces
is removed; anything else in the output directory is left alone.

A write never leaves a mix of old and new files, even when it fails or is killed:

1. ``OUT_DIR`` is locked (``flock`` on the directory itself), so two compiles writing to
   one folder take turns instead of interleaving;
2. every new or changed file is written and synced in a staging folder inside
   ``OUT_DIR`` (same file system, so moving a file into place is one atomic rename);
3. a journal (``OUT_DIR/.flowdsl-journal.json``) records the switch about to be made;
4. the switch: old files move into a backup folder, staged files move into place, stale
   files move into the backup folder;
5. removing the journal commits the switch; the staging and backup folders go.

If the switch fails (a read-only folder, a directory where a file goes...), it is undone
at once and the previous files are back. If the process dies during it, the journal is
still there and the next run (:func:`recover`, called by :func:`write` and :func:`diff`)
undoes it the same way, then removes any leftover temporary files. Files are created with
the user's umask (0644 by default).

Every failure is a :class:`~flowdsl.errors.WriteError` carrying one line.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowdsl import interrupts
from flowdsl.errors import WriteError
from flowdsl.files import os_reason
from flowdsl.render.layout import DIAGRAM_DIR, FORMATS

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock, the journal still holds
    fcntl = None  # type: ignore[assignment]


@dataclass(frozen=True)
class OwnedDir:
    """A folder of the output directory whose files of these suffixes compile owns."""

    name: str
    suffixes: tuple[str, ...]


# Every folder compile owns; add one here and the switch covers it too.
OWNED_DIRS: tuple[OwnedDir, ...] = (
    OwnedDir("workflows", (".json",)),
    OwnedDir("tasks", (".json",)),
    OwnedDir(DIAGRAM_DIR, tuple(f".{fmt}" for fmt in FORMATS)),
)

JOURNAL = ".flowdsl-journal.json"
_STAGE_PREFIX = ".flowdsl-stage-"
_BACKUP_PREFIX = ".flowdsl-backup-"
_JOURNAL_FORMAT = 1
# How long a compile waits for another one writing to the same folder.
LOCK_TIMEOUT_SECONDS = float(os.environ.get("FLOWDSL_LOCK_TIMEOUT", "120"))


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def _owner(rel: str) -> OwnedDir | None:
    folder, _, name = rel.partition("/")
    for owned in OWNED_DIRS:
        if owned.name == folder and name.endswith(owned.suffixes):
            return owned
    return None


def _check_names(out_dir: Path, files: dict[str, bytes]) -> None:
    """Each output path is one file name in an owned folder, usable on this system."""
    for rel in files:
        name = rel.partition("/")[2]
        shown = out_dir / rel
        if _owner(rel) is None or not name or "/" in name or "\0" in name or name in (".", ".."):
            raise WriteError(f"cannot write {shown!s}: not a file name flowdsl writes")
        try:
            encoded = os.fsencode(name)
        except UnicodeError:
            raise WriteError(
                f"cannot write {str(shown)!a}: the name is not valid Unicode"
            ) from None
        if len(encoded) > 255:
            raise WriteError(
                f"cannot write {shown!s}: the file name is {len(encoded)} bytes long; "
                "file systems allow 255 (shorten the workflow or task name)"
            )


def _is_dir(path: Path) -> bool:
    """Whether ``path`` is a directory; WriteError when it is something that is not one."""
    try:
        if path.is_dir():
            return True
    except OSError as exc:
        raise WriteError(f"cannot write to {path}: {os_reason(exc)}") from None
    if os.path.lexists(path):
        try:
            path.stat()
        except OSError as exc:
            raise WriteError(f"cannot write to {path}: {os_reason(exc)}") from None
        raise WriteError(f"cannot write to {path}: it is a file, not a directory")
    return False


def _owned_files(out_dir: Path) -> set[str]:
    found: set[str] = set()
    for owned in OWNED_DIRS:
        folder = out_dir / owned.name
        if not _is_dir(folder):
            continue
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            raise WriteError(f"cannot read {folder}: {os_reason(exc)}") from None
        for entry in entries:
            if entry.name.startswith(".") or not entry.name.endswith(owned.suffixes):
                continue
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False) or entry.is_symlink():
                    found.add(f"{owned.name}/{entry.name}")
    return found


def _same(path: Path, content: bytes) -> bool | None:
    """Whether the file holds ``content``; None when there is no regular file there."""
    try:
        if path.is_symlink() or not path.is_file():
            return None
        if path.stat().st_size != len(content):
            return False
        return path.read_bytes() == content
    except OSError as exc:
        raise WriteError(f"cannot read {path}: {os_reason(exc)}") from None


def _diff(out_dir: Path, files: dict[str, bytes]) -> Changes:
    changes = Changes()
    if not _is_dir(out_dir):
        changes.added = sorted(files)
        return changes
    for rel, content in sorted(files.items()):
        folder = out_dir / rel.partition("/")[0]
        same = _same(out_dir / rel, content) if _is_dir(folder) else None
        if same is None:
            changes.added.append(rel)
        elif not same:
            changes.changed.append(rel)
        else:
            changes.unchanged.append(rel)
    changes.removed = sorted(_owned_files(out_dir) - set(files))
    return changes


def diff(out_dir: Path, files: dict[str, bytes]) -> Changes:
    """What :func:`write` would change, after finishing any interrupted write."""
    _check_names(out_dir, files)
    if not _is_dir(out_dir):
        return _diff(out_dir, files)
    with _locked(out_dir):
        recover(out_dir)
        return _diff(out_dir, files)


# -- the lock -------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """An exclusive lock on the output directory (which must exist)."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    try:
        fd = os.open(out_dir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        raise WriteError(f"cannot write to {out_dir}: {os_reason(exc)}") from None
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WriteError(
                        f"cannot write to {out_dir}: another flowdsl compile has been writing "
                        f"there for over {LOCK_TIMEOUT_SECONDS:g} s"
                    ) from None
                time.sleep(0.05)
            except OSError:
                break  # a file system without locks: go on without one
        yield
    finally:
        os.close(fd)


# -- writing --------------------------------------------------------------------------------


def _create(path: Path, content: bytes) -> None:
    """A new file with the umask's permissions (0644 by default), synced to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file(path: Path, content: bytes) -> None:
    """One file outside the owned folders (a diagram or docs page written on its own),
    replaced atomically: written and synced beside it, then renamed over it. Created with
    the user's umask; a failure is one WriteError line."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(f"cannot create {path.parent}: {os_reason(exc)}") from None
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.unlink(missing_ok=True)
        _create(tmp, content)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise WriteError(f"cannot write {path}: {os_reason(exc)}") from None


def _sync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _make_out_dir(out_dir: Path) -> bool:
    """Create the output directory if needed; True when this call created it."""
    if _is_dir(out_dir):
        return False
    try:
        out_dir.mkdir(parents=True)
    except FileExistsError:
        return False if out_dir.is_dir() else _is_dir(out_dir)
    except OSError as exc:
        raise WriteError(f"cannot create {out_dir}: {os_reason(exc)}") from None
    return True


def _preflight(out_dir: Path, changes: Changes) -> list[str]:
    """Refuse what the switch would fail on; the owned folders to create."""
    create: list[str] = []
    for rel in changes.added + changes.changed:
        folder = rel.partition("/")[0]
        if not _is_dir(out_dir / folder) and folder not in create:
            create.append(folder)
        target = out_dir / rel
        if os.path.lexists(target) and not target.is_symlink() and target.is_dir():
            raise WriteError(f"cannot write {target}: a directory is in the way")
    return create


def write(out_dir: Path, files: dict[str, bytes]) -> Changes:
    """Make the owned folders of ``out_dir`` hold exactly ``files``, all or nothing."""
    _check_names(out_dir, files)
    created_out_dir = _make_out_dir(out_dir)
    try:
        with _locked(out_dir):
            recover(out_dir)
            changes = _diff(out_dir, files)
            if changes.any:
                _switch_in(out_dir, files, changes)
            return changes
    except BaseException:
        if created_out_dir:
            with contextlib.suppress(OSError):
                out_dir.rmdir()  # only if still empty
        raise


def _switch_in(out_dir: Path, files: dict[str, bytes], changes: Changes) -> None:
    create = _preflight(out_dir, changes)
    try:
        stage = Path(tempfile.mkdtemp(prefix=_STAGE_PREFIX, dir=out_dir))
        backup = Path(tempfile.mkdtemp(prefix=_BACKUP_PREFIX, dir=out_dir))
    except OSError as exc:
        raise WriteError(f"cannot write to {out_dir}: {os_reason(exc)}") from None
    try:
        for rel in changes.added + changes.changed:
            staged = stage / rel
            try:
                staged.parent.mkdir(exist_ok=True)
                _create(staged, files[rel])
            except OSError as exc:
                raise WriteError(f"cannot write {out_dir / rel}: {os_reason(exc)}") from None
        journal: dict[str, Any] = {
            "format": _JOURNAL_FORMAT,
            "stage": stage.name,
            "backup": backup.name,
            "create": create,
            "add": changes.added,
            "change": changes.changed,
            "remove": changes.removed,
        }
        _write_journal(out_dir, journal)
        with interrupts.deferred():
            try:
                _switch(out_dir, journal)
            except BaseException as exc:
                undone = _undo(out_dir, journal)
                if isinstance(exc, OSError):
                    where = f" {exc.filename}" if exc.filename else ""
                    kept = (
                        "the previous files are kept"
                        if undone
                        else f"the next run restores the previous files ({JOURNAL})"
                    )
                    raise WriteError(
                        f"cannot write{where}: {os_reason(exc)}; nothing was changed, {kept}"
                    ) from None
                raise
            _commit(out_dir)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        shutil.rmtree(backup, ignore_errors=True)


def _write_journal(out_dir: Path, journal: dict[str, Any]) -> None:
    path = out_dir / JOURNAL
    tmp = out_dir / (JOURNAL + ".tmp")
    try:
        tmp.unlink(missing_ok=True)
        _create(tmp, json.dumps(journal, ensure_ascii=True).encode("ascii"))
        os.replace(tmp, path)
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {os_reason(exc)}") from None
    _sync_dir(out_dir)


def _switch(out_dir: Path, journal: dict[str, Any]) -> None:
    stage = out_dir / journal["stage"]
    backup = out_dir / journal["backup"]
    for folder in journal["create"]:
        (out_dir / folder).mkdir(exist_ok=True)
    for rel in journal["change"] + journal["remove"]:
        (backup / rel).parent.mkdir(exist_ok=True)
        os.rename(out_dir / rel, backup / rel)
    for rel in journal["add"] + journal["change"]:
        os.rename(stage / rel, out_dir / rel)
    for folder in {rel.partition("/")[0] for rel in journal["add"] + journal["change"]}:
        _sync_dir(out_dir / folder)


def _commit(out_dir: Path) -> None:
    with contextlib.suppress(OSError):
        (out_dir / JOURNAL).unlink()
    _sync_dir(out_dir)


def _undo(out_dir: Path, journal: dict[str, Any]) -> bool:
    """Put the files of before the switch back; True when all went well (journal gone)."""
    stage = out_dir / journal["stage"]
    backup = out_dir / journal["backup"]
    ok = True
    for rel in journal["add"]:
        # Moved into place already (no longer staged): it is the new file, remove it.
        if not os.path.lexists(stage / rel) and os.path.lexists(out_dir / rel):
            try:
                os.unlink(out_dir / rel)
            except OSError:
                ok = False
    for rel in journal["change"] + journal["remove"]:
        if os.path.lexists(backup / rel):
            try:
                os.replace(backup / rel, out_dir / rel)
            except OSError:
                ok = False
    for folder in reversed(journal["create"]):
        with contextlib.suppress(OSError):
            (out_dir / folder).rmdir()  # only if empty
    if ok:
        _commit(out_dir)
    return ok


def _load_journal(path: Path) -> dict[str, Any] | None:
    try:
        journal = json.loads(path.read_text(encoding="ascii"))
    except (OSError, ValueError):
        return None
    keys = ("stage", "backup", "create", "add", "change", "remove")
    if not isinstance(journal, dict) or journal.get("format") != _JOURNAL_FORMAT:
        return None
    if not all(k in journal for k in keys):
        return None
    names = [journal["stage"], journal["backup"]]
    lists = [journal[k] for k in keys[2:]]
    if not all(isinstance(n, str) and "/" not in n and n.startswith(".flowdsl-") for n in names):
        return None
    if not all(isinstance(lst, list) and all(isinstance(r, str) for r in lst) for lst in lists):
        return None
    if any(".." in r.split("/") or r.startswith("/") for lst in lists for r in lst):
        return None
    return journal


def recover(out_dir: Path) -> bool:
    """Undo a switch a killed compile left half done, and remove leftover temporary files.

    Call it holding the lock. True when there was a switch to undo.
    """
    path = out_dir / JOURNAL
    undone = False
    if os.path.lexists(path):
        journal = _load_journal(path)
        if journal is None:
            raise WriteError(
                f"{path} is not a journal flowdsl can read; remove it once the files in "
                f"{out_dir} are what you want"
            )
        with interrupts.deferred():
            if not _undo(out_dir, journal):
                raise WriteError(
                    f"cannot restore the files a previous compile left half written in "
                    f"{out_dir} (see {JOURNAL})"
                )
        undone = True
    _clean(out_dir)
    return undone


def _clean(out_dir: Path) -> None:
    try:
        entries = list(os.scandir(out_dir))
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if name.startswith((_STAGE_PREFIX, _BACKUP_PREFIX)):
            shutil.rmtree(entry.path, ignore_errors=True)
        elif name == JOURNAL + ".tmp":
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
    for owned in OWNED_DIRS:
        folder = out_dir / owned.name
        try:
            inner = list(os.scandir(folder))
        except OSError:
            continue
        for entry in inner:
            # Temporary files of the per-file writes of earlier versions: .<name>.<random>.tmp
            if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    if entry.is_file(follow_symlinks=False):
                        os.unlink(entry.path)
