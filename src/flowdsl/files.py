"""Finding input files, refusing what must not be read.

Only regular files are read: a FIFO would block forever, a device could be endless, and a
symbolic link loop has no content at all. A directory that cannot be listed is an error,
never an empty directory (which would make ``check`` say "All checks passed").
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path

from flowdsl.errors import LoadError

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


def os_reason(exc: OSError) -> str:
    """An operating-system error as a message says it."""
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    return exc.strerror or str(exc)


def kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def require_regular(path: Path) -> None:
    """LoadError unless ``path`` is (or links to) a regular file."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise _unreadable(path, exc) from None
    _require_regular_mode(path, mode)


def read_regular(path: Path) -> bytes:
    """The bytes of a regular file; LoadError for anything else (never blocks on a FIFO)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _unreadable(path, exc) from None
    try:
        _require_regular_mode(path, os.fstat(fd).st_mode)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    except OSError as exc:
        raise LoadError(f"{path}: cannot read: {os_reason(exc)}") from None
    finally:
        os.close(fd)


def _unreadable(path: Path, exc: OSError) -> LoadError:
    """Why ``path`` could not be opened or stat'ed."""
    if isinstance(exc, FileNotFoundError):
        if os.path.lexists(path):
            return LoadError(f"{path}: dangling symbolic link")
        return LoadError(f"{path}: no such file or directory")
    return LoadError(f"{path}: cannot read: {os_reason(exc)}")


def _require_regular_mode(path: Path, mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise LoadError(f"{path}: cannot read: {kind(mode)}, not a regular file")


def walk(
    directory: Path,
    wanted: Callable[[str], bool],
    skip_dir: Callable[[str], bool],
) -> list[Path]:
    """The files below ``directory`` whose names are ``wanted``, sorted; every one of them
    checked to be a regular file. Symbolic links to directories are not followed."""

    def fail(exc: OSError) -> None:
        where = exc.filename if exc.filename is not None else directory
        raise LoadError(f"{where}: cannot read directory: {os_reason(exc)}")

    found: list[Path] = []
    for root, dirs, files in os.walk(directory, onerror=fail):
        dirs[:] = sorted(d for d in dirs if not skip_dir(d))
        found.extend(Path(root, name) for name in sorted(files) if wanted(name))
    for path in found:
        require_regular(path)
    return found
