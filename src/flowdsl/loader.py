"""Finding workflows: import the user's modules and collect their ``@workflow`` functions.

A target is a ``.py`` file, a directory (every ``.py`` file below it), or a dotted module
path, optionally ``module:function``. Files inside a package (a directory with
``__init__.py``) are imported under their package name, so relative imports work.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import traceback
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TypeVar

from flowdsl import interrupts
from flowdsl.authoring._location import display_path, traceback_span
from flowdsl.authoring._workflow import WorkflowFunction
from flowdsl.errors import LoadError
from flowdsl.files import require_regular, walk

T = TypeVar("T")

_SKIP_DIRS = {"__pycache__", ".git", ".venv", "venv", "node_modules", "build", "dist"}


def _module_name_for(path: Path) -> tuple[str, Path]:
    """The dotted name of a file and the directory to put on sys.path to import it."""
    path = path.resolve()
    parts = [path.stem] if path.name != "__init__.py" else []
    directory = path.parent
    while (directory / "__init__.py").is_file():
        parts.insert(0, directory.name)
        directory = directory.parent
    return ".".join(parts), directory


def _forget_stale(name: str, file: Path) -> None:
    """Drop a same-named module imported earlier from another file (e.g. another target)."""
    top = name.split(".", maxsplit=1)[0]
    loaded = sys.modules.get(name)
    loaded_file = getattr(loaded, "__file__", None) if loaded is not None else None
    if loaded is not None and (loaded_file is None or Path(loaded_file).resolve() != file):
        for key in [k for k in sys.modules if k == top or k.startswith(top + ".")]:
            del sys.modules[key]


def _import(name: str, root: Path | None, shown: str) -> ModuleType:
    if root is not None:
        if str(root) in sys.path:
            sys.path.remove(str(root))
        sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        return importlib.import_module(name)
    except SyntaxError as exc:
        if exc.lineno is None and "null bytes" in str(exc.msg):
            raise LoadError(_null_bytes(display_path(exc.filename or shown), shown)) from None
        where = display_path(exc.filename or shown)
        if exc.lineno is not None:
            where += f":{exc.lineno}:{exc.offset or 1}"
        raise LoadError(f"{where}: cannot import {shown}: SyntaxError: {exc.msg}") from None
    except ValueError as exc:
        if "null bytes" in str(exc):  # Python 3.11 refuses such source with a ValueError
            raise LoadError(_null_bytes(shown, shown)) from None
        raise LoadError(_import_failure(exc, shown)) from None
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == name or name.startswith(exc.name + ".")):
            raise LoadError(f"cannot import {shown}: no module named {exc.name!r}") from None
        raise LoadError(_import_failure(exc, shown)) from None
    except BaseException as exc:
        # sys.exit(), KeyboardInterrupt, GeneratorExit... raised by the module: its error,
        # reported like any other (exit 2). Only a real Ctrl-C goes on.
        if interrupts.is_signal(exc):
            raise
        raise LoadError(_import_failure(exc, shown)) from None


def _null_bytes(file: str, shown: str) -> str:
    """Where the first NUL byte of a module's source is."""
    try:
        data = Path(file).read_bytes()
    except OSError:
        data = b""
    offset = data.find(b"\0")
    if offset < 0:  # in a module it imports
        return f"cannot import {shown}: a module's source contains a NUL byte"
    line = data.count(b"\n", 0, offset) + 1
    column = len(data[data.rfind(b"\n", 0, offset) + 1 : offset].decode("utf-8", "replace")) + 1
    return f"{file}:{line}:{column}: cannot import {shown}: the source contains a NUL byte"


def _import_failure(exc: BaseException, shown: str) -> str:
    span = traceback_span(exc)
    where = f"{span}: " if span else ""
    if isinstance(exc, SystemExit):
        detail = f"it called sys.exit({exc.code!r})"
    elif isinstance(exc, RecursionError):
        detail = "RecursionError: maximum recursion depth exceeded"
    else:
        try:
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        except Exception:
            detail = type(exc).__name__
    detail = " ".join(detail.split())
    if len(detail) > 500:
        detail = detail[:500] + "..."
    return f"{where}cannot import {shown}: {detail}"


def _files(directory: Path) -> Iterable[Path]:
    return walk(
        directory,
        lambda name: name.endswith(".py") and not name.startswith("test_"),
        lambda name: name in _SKIP_DIRS or name.startswith("."),
    )


def load_modules(target: str) -> tuple[list[ModuleType], str | None]:
    """The modules a target names, and the function it singles out (``module:function``)."""
    path = Path(target)
    if path.suffix == ".py" or path.exists() or os.sep in target:
        if path.is_dir():
            files = list(_files(path))
        else:
            require_regular(path)
            files = [path]
        modules = []
        for file in files:
            name, root = _module_name_for(file)
            _forget_stale(name, file.resolve())
            modules.append(_import(name, root, display_path(str(file))))
        return modules, None
    module_name, _, attr = target.partition(":")
    if not module_name or not all(p.isidentifier() for p in module_name.split(".")):
        raise LoadError(f"{target}: not a file, a directory, or a dotted module path")
    cwd = str(Path.cwd())
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    return [_import(module_name, None, module_name)], attr or None


def members(modules: Iterable[ModuleType], kind: type[T]) -> Iterator[T]:
    """Every value of type ``kind`` the modules hold (defined or imported there)."""
    for module in modules:
        for value in list(vars(module).values()):  # (a copy: a getter may import more)
            if type(value) is kind or _is_instance(value, kind):
                yield value


def _is_instance(value: object, kind: type) -> bool:
    try:
        return isinstance(value, kind)
    except Exception:  # an object whose __class__ raises
        return False


def discover(targets: Iterable[str]) -> list[WorkflowFunction[..., object]]:
    """Every distinct ``@workflow`` the targets define, in a stable order."""
    found: dict[int, WorkflowFunction[..., object]] = {}
    for target in targets:
        modules, attr = load_modules(target)
        if attr is None:
            for value in members(modules, WorkflowFunction):
                found.setdefault(id(value), value)
            continue
        for module in modules:
            obj = getattr(module, attr, None)
            if not isinstance(obj, WorkflowFunction):
                raise LoadError(f"{target}: {module.__name__} has no @workflow named {attr!r}")
            found.setdefault(id(obj), obj)
    return sorted(found.values(), key=lambda wf: (wf.name, wf.version, str(wf.span)))
