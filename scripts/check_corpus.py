#!/usr/bin/env python3
"""Run ``flowdsl check`` over a corpus of Conductor JSON and tally what it reports.

Usage::

    python scripts/check_corpus.py DIR [--flowdsl CMD] [--out report.json] [--details]

Every ``*.json`` under DIR is read and sorted into:

* **definitions**: the file is a workflow definition (an object with ``name`` and a ``tasks``
  list holding at least one object with ``taskReferenceName``) or a list of them. These files
  are checked, one ``CMD check --format json FILE`` process per file.
* **embedded**: the file holds definitions only deeper down (an execution fixture's
  ``workflowDefinition``, a start request's ``workflowDef``, ...). They are counted and listed
  with their JSON pointers, not checked.
* everything else (package.json, task definitions, schedules, ...) and unreadable JSON.

A checker run that exits with 2, exits with anything but 0/1, prints a Python traceback, times
out, or prints something that is not a JSON array of objects is recorded as a *crash* for that
file, and the run goes on. Only the standard library is used.

To make the corpus (not part of this repository)::

    git -C /work/.mirror/conductor-oss+conductor/repo archive HEAD | tar -x -C /tmp/corpus
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "__pycache__"})
STDERR_TAIL = 2000


@dataclass
class FileResult:
    path: str
    kind: str  # "definitions" | "embedded" | "other" | "unreadable"
    definitions: int = 0
    embedded: list[str] = field(default_factory=list)  # JSON pointers of embedded defs
    status: str = "not checked"  # "clean" | "findings" | "crash" | "not checked"
    exit_code: int | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


# --- finding definitions -------------------------------------------------------------------


def is_definition(obj: Any) -> bool:
    """An object with a string ``name`` and a ``tasks`` list holding a task with a ref."""
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("name"), str)
        and isinstance(obj.get("tasks"), list)
        and any(isinstance(t, dict) and "taskReferenceName" in t for t in obj["tasks"])
    )


def _pointer_part(key: str | int) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def embedded_definitions(obj: Any, pointer: str = "") -> Iterator[str]:
    """JSON pointers of the outermost definitions anywhere inside ``obj``."""
    if is_definition(obj):
        yield pointer
        return
    items: Any = (
        obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    )
    for key, value in items:
        yield from embedded_definitions(value, f"{pointer}/{_pointer_part(key)}")


def classify(path: Path, root: Path) -> FileResult:
    rel = path.relative_to(root).as_posix()
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return FileResult(rel, "unreadable", error=f"{type(exc).__name__}: {exc}")
    if is_definition(data):
        return FileResult(rel, "definitions", definitions=1)
    if isinstance(data, list) and data and any(is_definition(x) for x in data):
        return FileResult(rel, "definitions", definitions=sum(1 for x in data if is_definition(x)))
    pointers = list(embedded_definitions(data))
    if pointers:
        return FileResult(rel, "embedded", embedded=pointers)
    return FileResult(rel, "other")


def json_files(root: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        found += [Path(dirpath) / f for f in sorted(filenames) if f.endswith(".json")]
    return found


# --- running the checker ----------------------------------------------------------------------


def run_check(command: Sequence[str], root: Path, result: FileResult, timeout: float) -> None:
    """Run the checker on one file and record its findings, or a crash, in ``result``."""
    argv = [*command, "check", "--format", "json", str(root / result.path)]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        result.status, result.error = "crash", f"timed out after {timeout:g} s"
        return
    except OSError as exc:
        result.status, result.error = "crash", f"could not run {argv[0]}: {exc}"
        return
    result.exit_code = done.returncode
    stderr = done.stderr[-STDERR_TAIL:]
    if "Traceback (most recent call last)" in done.stderr:
        result.status, result.error = "crash", f"traceback (exit {done.returncode}):\n{stderr}"
        return
    if done.returncode not in (0, 1):
        result.status, result.error = "crash", f"exit {done.returncode}:\n{stderr}"
        return
    try:
        findings = json.loads(done.stdout)
    except ValueError as exc:
        result.status, result.error = "crash", f"output is not JSON ({exc}): {done.stdout[:200]!r}"
        return
    if not isinstance(findings, list) or not all(
        isinstance(f, dict) and "code" in f for f in findings
    ):
        result.status, result.error = (
            "crash",
            f"output is not a list of findings: {done.stdout[:200]!r}",
        )
        return
    result.findings = findings
    result.status = "findings" if findings else "clean"


# --- the report -----------------------------------------------------------------------------


def summarize(root: Path, results: list[FileResult]) -> dict[str, Any]:
    kinds = Counter(r.kind for r in results)
    per_code: dict[str, Counter[str]] = defaultdict(Counter)
    files_per_code: dict[str, set[str]] = defaultdict(set)
    severity: dict[str, str] = {}
    for r in results:
        for f in r.findings:
            code = str(f["code"])
            per_code[code]["findings"] += 1
            files_per_code[code].add(r.path)
            severity.setdefault(code, str(f.get("severity", "")))
    return {
        "root": str(root),
        "files_scanned": len(results),
        "unreadable": kinds["unreadable"],
        "files_with_definitions": kinds["definitions"],
        "definitions": sum(r.definitions for r in results),
        "files_with_embedded": kinds["embedded"],
        "embedded_definitions": sum(len(r.embedded) for r in results),
        "files_checked": sum(1 for r in results if r.status != "not checked"),
        "files_clean": sum(1 for r in results if r.status == "clean"),
        "files_with_findings": sum(1 for r in results if r.status == "findings"),
        "crashes": sum(1 for r in results if r.status == "crash"),
        "findings": sum(len(r.findings) for r in results),
        "codes": {
            code: {
                "severity": severity[code],
                "findings": per_code[code]["findings"],
                "files": len(files_per_code[code]),
            }
            for code in sorted(per_code)
        },
    }


def render(summary: dict[str, Any], results: list[FileResult], *, details: bool) -> str:
    lines = [
        f"corpus:                    {summary['root']}",
        f"files scanned:             {summary['files_scanned']}",
        f"unreadable JSON:           {summary['unreadable']}",
        f"files with definitions:    {summary['files_with_definitions']}"
        f" ({summary['definitions']} definitions)",
        f"embedded, not checked:     {summary['files_with_embedded']} files"
        f" ({summary['embedded_definitions']} definitions)",
        f"files checked:             {summary['files_checked']}",
        f"files clean:               {summary['files_clean']}",
        f"files with findings:       {summary['files_with_findings']}",
        f"crashes:                   {summary['crashes']}",
        f"findings:                  {summary['findings']}",
    ]
    if summary["codes"]:
        lines += ["", f"{'code':<8}{'severity':<10}{'findings':>9}{'files':>7}"]
        for code, row in summary["codes"].items():
            lines.append(f"{code:<8}{row['severity']:<10}{row['findings']:>9}{row['files']:>7}")
    crashed = [r for r in results if r.status == "crash"]
    if crashed:
        lines += ["", "crashes:"]
        lines += [f"  {r.path}: {(r.error or '').splitlines()[0]}" for r in crashed]
    if details:
        lines += ["", "files:"]
        for r in results:
            if r.kind == "definitions":
                codes = Counter(str(f["code"]) for f in r.findings)
                listed = ", ".join(f"{c} x{n}" if n > 1 else c for c, n in sorted(codes.items()))
                lines.append(
                    f"  {r.path}  [{r.definitions} def] {r.status}{': ' + listed if listed else ''}"
                )
            elif r.kind == "embedded":
                lines.append(f"  {r.path}  embedded at {', '.join(r.embedded)} (not checked)")
    return "\n".join(lines)


def checker_command(option: str | None) -> list[str]:
    if option is None:
        return [sys.executable, "-m", "flowdsl"]
    return shlex.split(option)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("dir", type=Path, help="directory to scan for *.json")
    parser.add_argument("--flowdsl", help="checker command (default: this Python's -m flowdsl)")
    parser.add_argument("--out", type=Path, help="write the full report as JSON here")
    parser.add_argument("--details", action="store_true", help="list every candidate file")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per file (120)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel checks")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the checker crashed")
    args = parser.parse_args(argv)

    root: Path = args.dir
    if not root.is_dir():
        parser.error(f"not a directory: {root}")
    command = checker_command(args.flowdsl)
    results = [classify(path, root) for path in json_files(root)]
    todo = [r for r in results if r.kind == "definitions"]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        list(pool.map(lambda r: run_check(command, root, r, args.timeout), todo))

    summary = summarize(root, results)
    print(render(summary, results, details=args.details))
    if args.out is not None:
        report = {"summary": summary, "files": [asdict(r) for r in results if r.kind != "other"]}
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 1 if args.strict and summary["crashes"] else 0


if __name__ == "__main__":
    sys.exit(main())
