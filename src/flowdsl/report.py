"""Output formats for findings (kept apart from the findings themselves)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import TextIO

from flowdsl.diagnostics import Diagnostic

# Findings of one code in one file shown before the rest are summed up in one line.
COLLAPSE_AFTER = 50


def collapse(diagnostics: Sequence[Diagnostic], limit: int = COLLAPSE_AFTER) -> list[Diagnostic]:
    """The findings, with an explosion folded: past ``limit`` findings of one code in one
    file, the rest become one finding of that code (the first of them, its message saying
    how many more there are). Order is kept; errors stay errors, so exit codes do not move.
    """
    counts: dict[tuple[str, str], int] = {}
    for d in diagnostics:
        key = (d.span.file if d.span is not None else "", d.code)
        counts[key] = counts.get(key, 0) + 1
    if all(n <= limit + 1 for n in counts.values()):
        return list(diagnostics)
    out: list[Diagnostic] = []
    seen: dict[tuple[str, str], int] = {}
    for d in diagnostics:
        key = (d.span.file if d.span is not None else "", d.code)
        n = seen[key] = seen.get(key, 0) + 1
        if counts[key] <= limit + 1 or n <= limit:
            out.append(d)
        elif n == limit + 1:
            more = counts[key] - limit
            out.append(
                dataclasses.replace(
                    d,
                    message=f"{d.message} (and {more - 1} more {d.code} findings in this file, "
                    f"not shown: flowdsl shows the first {limit} of each code per file)",
                )
            )
    return out


def _location(d: Diagnostic) -> str:
    if d.span is None:
        return "<unknown>"
    return str(d.span)


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
    """ruff-style: ``path:line:col: CODE message``, then the JSON pointer (for JSON sources)
    and the hint, then a summary line."""
    for d in diagnostics:
        tag = "" if d.is_error else " (warning)"
        stream.write(f"{_location(d)}: {d.code}{tag} {d.message}\n")
        if d.span is not None and d.span.pointer is not None:
            stream.write(f"   = at: {d.span.pointer or '/'}\n")
        if d.hint:
            stream.write(f"   = hint: {d.hint}\n")
    if diagnostics:
        stream.write(summary(diagnostics) + "\n")


def to_dict(d: Diagnostic) -> dict[str, object]:
    """The documented JSON shape of a finding."""
    span = d.span
    return {
        "code": d.code,
        "severity": d.severity.value,
        "message": d.message,
        "file": span.file if span is not None else None,
        "line": span.line if span is not None else None,
        "column": span.column if span is not None else None,
        "pointer": span.pointer if span is not None else None,
        "hint": d.hint,
    }


def emit_json(diagnostics: Sequence[Diagnostic], stream: TextIO) -> None:
    """A JSON array of findings (``[]`` when clean), and nothing else."""
    json.dump([to_dict(d) for d in diagnostics], stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def _escape_property(text: str) -> str:
    return (
        text.replace("%", "%25")
        .replace("\r", "%0D")
        .replace("\n", "%0A")
        .replace(":", "%3A")
        .replace(",", "%2C")
    )


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def emit_github(diagnostics: Sequence[Diagnostic], stream: TextIO) -> None:
    """GitHub Actions workflow commands: one ``::error``/``::warning`` annotation each."""
    for d in diagnostics:
        kind = "error" if d.is_error else "warning"
        props = []
        if d.span is not None:
            props.append(f"file={_escape_property(d.span.file)}")
            if d.span.line is not None:
                props.append(f"line={d.span.line}")
            if d.span.column is not None:
                props.append(f"col={d.span.column}")
        props.append(f"title={_escape_property(d.code)}")
        message = d.message + (f" ({d.span.pointer})" if d.span and d.span.pointer else "")
        if d.hint:
            message += f"\nhint: {d.hint}"
        stream.write(f"::{kind} {','.join(props)}::{_escape_data(message)}\n")


EMITTERS = {"human": emit_text, "json": emit_json, "github": emit_github}
