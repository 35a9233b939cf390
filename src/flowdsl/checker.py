"""`flowdsl check`: read Python and Conductor JSON targets into one IR program, run the checks.

Python targets (.py files, directories holding them, dotted module paths) are traced; JSON
targets (.json files, directories holding them) are read. Both end up in one Program, so a
workflow written in Python and a task definition kept as JSON are checked together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flowdsl.checks import run_checks
from flowdsl.collector import paused as collector_paused
from flowdsl.compiler import build_program
from flowdsl.conductor.targets import get_target
from flowdsl.config import Config
from flowdsl.diagnostics import Diagnostic
from flowdsl.errors import LoadError
from flowdsl.files import walk
from flowdsl.frontends.json_reader import read_json_targets
from flowdsl.ir.nodes import Program
from flowdsl.jsonsource import resolve_spans
from flowdsl.passes import fill_owner_email
from flowdsl.report import collapse

_SKIP = {"__pycache__", "node_modules", ".git", ".venv", "venv", "build", "dist"}


@dataclass
class CheckResult:
    program: Program
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Files that could not be read (malformed JSON...), each with its position; every
    # other file was still checked.
    unreadable: list[LoadError] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]


def _holds(directory: Path, suffix: str) -> bool:
    skip = lambda name: name in _SKIP or name.startswith(".")  # noqa: E731
    return bool(walk(directory, lambda name: name.endswith(suffix), skip))


def split_targets(targets: Sequence[str]) -> tuple[list[str], list[str]]:
    """(Python targets, JSON targets). A directory goes to each kind of file it holds."""
    python: list[str] = []
    json_targets: list[str] = []
    for target in targets:
        path = Path(target)
        if path.suffix == ".json":
            json_targets.append(target)
        elif path.is_dir():
            holds_json = _holds(path, ".json")
            if holds_json:
                json_targets.append(target)
            if _holds(path, ".py") or not holds_json:
                python.append(target)  # a directory of neither kind is reported by the loader
        else:
            python.append(target)  # a .py file, a dotted module, or a missing path (reported)
    return python, json_targets


def check_targets(targets: Sequence[str], config: Config) -> CheckResult:
    with collector_paused():
        return _check_targets(targets, config)


def _check_targets(targets: Sequence[str], config: Config) -> CheckResult:
    python, json_targets = split_targets(targets)
    if python:
        # The loader and the tracer only when there is Python to trace: checking JSON alone
        # starts faster without them (issue 11).
        from flowdsl.loader import discover  # noqa: PLC0415

        program, diagnostics = build_program(discover(python))
    else:
        program, diagnostics = Program(), []
    # As `flowdsl compile` would: Python definitions take the configured ownerEmail.
    program = fill_owner_email(program, config.owner_email)
    unreadable: list[LoadError] = []
    if json_targets:
        from_json, found = read_json_targets(json_targets, unreadable)
        diagnostics.extend(found)
        program.workflows.extend(from_json.workflows)
        for name, definition in from_json.task_defs.items():
            program.task_defs.setdefault(name, definition)
        program.files.extend(from_json.files)
    diagnostics.extend(
        run_checks(
            program,
            get_target(config.target),
            owner_email_required=config.owner_email_required,
        )
    )
    kept = [d for d in diagnostics if d.code not in config.ignore]
    kept = resolve_spans(kept)
    kept.sort(key=lambda d: d.sort_key())
    return CheckResult(program, collapse(kept), unreadable)
