"""Where in the user's code something happened: the first frame outside flowdsl."""

from __future__ import annotations

import ast
import functools
import inspect
import linecache
import os
import sys
import sysconfig
import textwrap
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import CodeType, FrameType

from flowdsl.ir.nodes import Span

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
# The standard library (json, copy...): a location there is never the user's. Third-party
# packages (site-packages) are used only when no frame of the user's own code is found.
_STDLIB_DIRS = tuple(
    {os.path.realpath(sysconfig.get_paths()[k]) + os.sep for k in ("stdlib", "platstdlib")}
    | {os.path.abspath(sysconfig.get_paths()[k]) + os.sep for k in ("stdlib", "platstdlib")}
)
_PACKAGES = (os.sep + "site-packages" + os.sep, os.sep + "dist-packages" + os.sep)


@functools.lru_cache(maxsize=1024)
def _is_internal(filename: str) -> bool:
    """flowdsl's own code, importlib's, or the standard library's."""
    if filename.startswith(_PACKAGE_DIR) or filename.startswith("<frozen "):
        return True
    return filename.startswith(_STDLIB_DIRS) and not any(p in filename for p in _PACKAGES)


def _is_library(filename: str) -> bool:
    return any(p in filename for p in _PACKAGES)


def display_path(filename: str) -> str:
    """A path as a user reads it: relative to the working directory when below it."""
    return _display_path(filename, os.getcwd())


@functools.lru_cache(maxsize=256)
def _display_path(filename: str, cwd: str) -> str:
    try:
        rel = os.path.relpath(filename, cwd)
    except ValueError:
        return filename
    return filename if rel.startswith(os.pardir) else rel


@functools.lru_cache(maxsize=1024)
def _positions(code: CodeType) -> tuple[tuple[int | None, int | None, int | None, int | None], ...]:
    return tuple(code.co_positions())


def _char_column(filename: str, line: int, byte_col: int) -> int:
    """1-based character column from CPython's 0-based UTF-8 byte offset."""
    text = linecache.getline(filename, line)
    return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="replace")) + 1


def frame_span(frame: FrameType) -> Span:
    """The span of the instruction a frame is executing (Python 3.11 positions)."""
    code = frame.f_code
    filename = code.co_filename
    start_line: int | None = None
    start_col: int | None = None
    positions = _positions(code)
    index = frame.f_lasti // 2
    if 0 <= index < len(positions):
        start_line, _end_line, start_col, _end_col = positions[index]
    # frame.f_lineno scans the code's line table from its start, a cost that grows with the
    # function (issue 11: quadratic over a generated thousand-line workflow): it is read only
    # for an instruction without a position of its own.
    line = start_line if start_line is not None else frame.f_lineno
    column: int | None = None
    if start_col is not None and line is not None:
        column = _char_column(filename, line, start_col)
    return Span(display_path(filename), line, column)


# Call site -> Span, while a trace runs. A workflow calls the same few sites many times (a
# loop building a thousand-task chain calls one), and a Span is immutable: resolve the
# position, the character column and the display path once per (code object, instruction
# offset). Keyed by id(code), one entry per code object met on the way out of flowdsl:
# _SKIP for flowdsl's own code (and importlib's, the standard library's), else the code's
# spans by instruction offset. The code objects are kept alive in _CODES while their ids
# are keys, so an id cannot be reused for another code object (code objects compare equal
# across files, so they are not keys themselves). Emptied when a trace starts and ends
# (sites_cached): the working directory, which display paths depend on, and the files may
# change in between; and when it grows large.
_SITES: dict[int, dict[int, Span]] = {}
_CODES: dict[int, CodeType] = {}
_SITES_MAX = 4096
_SKIP: dict[int, Span] = {}  # the entry of code that is never the user's (never filled)


_TRACING = [0]  # traces under way: positions are cached only while one runs


@contextmanager
def sites_cached() -> Iterator[None]:
    """Cache call-site positions while a trace runs, and only then (issue 11)."""
    if _TRACING[0] == 0:
        _forget_sites()
    _TRACING[0] += 1
    try:
        yield
    finally:
        _TRACING[0] -= 1
        if _TRACING[0] == 0:
            _forget_sites()


def _forget_sites() -> None:
    _SITES.clear()
    _CODES.clear()
    _keyword_spans.cache_clear()
    _MTIMES.clear()


def _code_entry(code: CodeType) -> dict[int, Span]:
    """The cache entry of a code object met for the first time in this trace."""
    if len(_SITES) >= _SITES_MAX:
        _SITES.clear()
        _CODES.clear()
    entry = _SKIP if _is_internal(code.co_filename) else {}
    _CODES[id(code)] = code
    _SITES[id(code)] = entry
    return entry


def call_site() -> Span | None:
    """Where the user's code made the call under way: the span of the instruction the
    innermost frame outside flowdsl (and the standard library) is executing."""
    frame: FrameType | None = sys._getframe(1)
    if not _TRACING[0]:
        while frame is not None:
            if not _is_internal(frame.f_code.co_filename):
                return frame_span(frame)
            frame = frame.f_back
        return None
    sites = _SITES
    while frame is not None:
        code = frame.f_code
        entry = sites.get(id(code))
        if entry is None:
            entry = _code_entry(code)
        if entry is not _SKIP:
            lasti = frame.f_lasti
            span = entry.get(lasti)
            if span is None:
                span = entry[lasti] = frame_span(frame)
            return span
        frame = frame.f_back
    return None


def traceback_span(exc: BaseException) -> Span | None:
    """The innermost user-code location in an exception's traceback."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return Span(display_path(exc.filename), exc.lineno, exc.offset)
    found: Span | None = None
    tb = exc.__traceback__
    library_only = not any(
        not _is_internal(f.f_code.co_filename) and not _is_library(f.f_code.co_filename)
        for f, _ in traceback.walk_tb(tb)
    )
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if (
            not _is_internal(filename)
            and "importlib" not in filename
            and (library_only or not _is_library(filename))
        ):
            found = Span(display_path(filename), tb.tb_lineno, None)
            positions = list(tb.tb_frame.f_code.co_positions())
            index = tb.tb_lasti // 2
            if 0 <= index < len(positions) and positions[index][2] is not None:
                found = Span(
                    found.file,
                    tb.tb_lineno,
                    _char_column(filename, tb.tb_lineno, positions[index][2] or 0),
                )
        tb = tb.tb_next
    return found


@functools.lru_cache(maxsize=64)
def _calls_by_start(filename: str, mtime: float) -> dict[tuple[int, int], list[ast.Call]]:
    """Every call expression of a file, by its 1-based (line, character column) start;
    nested calls sharing a start (``f(x)(y)``) are listed outermost first."""
    try:
        with open(filename, encoding="utf-8") as handle:
            tree = ast.parse(handle.read(), filename)
    except (OSError, SyntaxError, ValueError):
        return {}
    calls: dict[tuple[int, int], list[ast.Call]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            start = (node.lineno, _char_column(filename, node.lineno, node.col_offset))
            calls.setdefault(start, []).append(node)
    for found in calls.values():
        found.sort(key=lambda n: (n.end_lineno or 0, n.end_col_offset or 0), reverse=True)
    return calls


def keyword_spans(span: Span | None, *, innermost: bool = False) -> dict[str, Span]:
    """For a call starting at ``span``, the span of each ``name=`` keyword argument in it.

    When calls share the start (``task.options(ref=...)(x=...)``) the outermost call's
    keywords are given, or with ``innermost`` the innermost's.
    """
    if span is None or span.line is None or span.column is None:
        return {}
    if not _TRACING[0]:
        return dict(_keyword_spans.__wrapped__(span, innermost))
    return dict(_keyword_spans(span, innermost))


def site_keywords(span: Span | None) -> Mapping[str, Span]:
    """:func:`keyword_spans` of ``span`` (the outermost call), shared while a trace runs:
    typed read-only, and never to be changed by the caller."""
    if span is None or span.line is None or span.column is None or not _TRACING[0]:
        return keyword_spans(span)
    return _keyword_spans(span, False)


# File name -> modification time, while a trace runs: one stat per file, not per call site.
_MTIMES: dict[str, float] = {}


def _mtime(filename: str) -> float:
    if not _TRACING[0]:
        return os.path.getmtime(filename)
    known = _MTIMES.get(filename)
    if known is None:
        known = _MTIMES[filename] = os.path.getmtime(filename)
    return known


@functools.lru_cache(maxsize=4096)
def _keyword_spans(span: Span, innermost: bool) -> dict[str, Span]:
    # Cached per call site while a trace runs (sites_cached): a loop calls one site
    # many times. Callers get a copy (keyword_spans), so the cached dict never changes.
    filename = span.file
    try:
        mtime = _mtime(filename)
    except OSError:
        return {}
    assert span.line is not None and span.column is not None
    found = _calls_by_start(filename, mtime).get((span.line, span.column))
    if not found:
        return {}
    call = found[-1] if innermost else found[0]
    return {
        kw.arg: Span(span.file, kw.lineno, _char_column(filename, kw.lineno, kw.col_offset))
        for kw in call.keywords
        if kw.arg is not None
    }


@dataclass(frozen=True, slots=True)
class Source:
    """A function's or class's source, parsed: its first line in the file and its indent."""

    tree: ast.Module
    filename: str
    first: int
    indent: int


def parsed_source(obj: object) -> Source | None:
    """The source of ``obj`` parsed on its own (dedented); None when it cannot be read."""
    try:
        lines, first = inspect.getsourcelines(obj)  # type: ignore[arg-type]
        filename = inspect.getsourcefile(obj)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return None
    if filename is None:
        return None
    indent = len(lines[0]) - len(lines[0].lstrip())
    try:
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (SyntaxError, ValueError):
        return None
    return Source(tree, filename, first, indent)


def default_spans(obj: object) -> dict[str, Span]:
    """Where each default value is written: of a function's parameters (``x: int = 3``) or
    of a class's annotated fields (``x: int = 3`` in a model), by name. Empty when the
    source cannot be read."""
    source = parsed_source(obj)
    if source is None or not source.tree.body:
        return {}
    filename, first, indent = source.filename, source.first, source.indent
    node = source.tree.body[0]
    found: dict[str, ast.expr] = {}
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        for arg, default in zip(
            positional[len(positional) - len(args.defaults) :], args.defaults, strict=True
        ):
            found[arg.arg] = default
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if kw_default is not None:
                found[arg.arg] = kw_default
    elif isinstance(node, ast.ClassDef):
        for item in node.body:
            if (
                isinstance(item, ast.AnnAssign)
                and isinstance(item.target, ast.Name)
                and item.value is not None
            ):
                found[item.target.id] = item.value
    shown = display_path(os.path.abspath(filename))
    out: dict[str, Span] = {}
    for name, expr in found.items():
        line = first + expr.lineno - 1
        out[name] = Span(shown, line, _char_column(filename, line, expr.col_offset + indent))
    return out
