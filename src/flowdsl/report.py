"""Output formats for findings (kept apart from the findings themselves)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from flowdsl.diagnostics import Diagnostic


def _location(d: Diagnostic) -> str:
    if d.span is None:
        return "<unknown>"
    text = str(d.span)
    if d.span.pointer is not None:
        text += f" ({d.span.pointer})"
    return text


def summary(diagnostics: Sequence[Diagnostic]) -> str:
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    files = len({d.span.file for d in diagnostics if d.span is not None})
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return f"Found {' and '.join(parts)} in {files} file{'s' if files != 1 else ''}."


def emit_text(diagnostics: Sequence[Diagnostic], stream: TextIO) -> None:
    """ruff-style: ``path:line:col: CODE message``, then the hint, then a summary line."""
    for d in diagnostics:
        tag = "" if d.is_error else " (warning)"
        stream.write(f"{_location(d)}: {d.code}{tag} {d.message}\n")
        if d.hint:
            stream.write(f"   = hint: {d.hint}\n")
    if diagnostics:
        stream.write(summary(diagnostics) + "\n")
