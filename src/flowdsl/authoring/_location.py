"""Where in the user's code something happened: the first frame outside flowdsl."""

from __future__ import annotations

import ast
import functools
import linecache
import os
import sys
from types import CodeType, FrameType

from flowdsl.ir.nodes import Span

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _is_internal(filename: str) -> bool:
    return filename.startswith(_PACKAGE_DIR) or filename.startswith("<frozen ")


def user_frame(depth: int = 1) -> FrameType | None:
    """The innermost frame that is not flowdsl's own code (nor importlib's)."""
    frame: FrameType | None = sys._getframe(depth)
    while frame is not None and _is_internal(frame.f_code.co_filename):
        frame = frame.f_back
    return frame


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
    line: int | None = frame.f_lineno
    column: int | None = None
    positions = _positions(code)
    index = frame.f_lasti // 2
    if 0 <= index < len(positions):
        start_line, _end_line, start_col, _end_col = positions[index]
        if start_line is not None:
            line = start_line
        if start_col is not None and line is not None:
            column = _char_column(filename, line, start_col)
    return Span(display_path(filename), line, column)


def call_site() -> Span | None:
    frame = user_frame(2)
    return frame_span(frame) if frame is not None else None


def traceback_span(exc: BaseException) -> Span | None:
    """The innermost user-code location in an exception's traceback."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return Span(display_path(exc.filename), exc.lineno, exc.offset)
    found: Span | None = None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not _is_internal(filename) and "importlib" not in filename:
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
    filename = span.file
    try:
        mtime = os.path.getmtime(filename)
    except OSError:
        return {}
    found = _calls_by_start(filename, mtime).get((span.line, span.column))
    if not found:
        return {}
    call = found[-1] if innermost else found[0]
    return {
        kw.arg: Span(span.file, kw.lineno, _char_column(filename, kw.lineno, kw.col_offset))
        for kw in call.keywords
        if kw.arg is not None
    }
