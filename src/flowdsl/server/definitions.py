"""The definitions a command sends to a server: compiled from Python, or read from JSON.

A target is what ``flowdsl compile`` and ``flowdsl check`` take: Python (files, directories,
dotted modules) is compiled; JSON (a compiled output folder, or any ``.json`` files) is sent
as written. Either way the definitions are checked first, and each keeps the place it was
written, so a server's refusal becomes a finding pointing at it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from flowdsl.checker import check_targets, split_targets
from flowdsl.compiler import compile_workflows
from flowdsl.conductor.models import TaskDef, WorkflowDef, with_defaults
from flowdsl.conductor.targets import AUDITABLE_FIELDS
from flowdsl.config import Config
from flowdsl.diagnostics import Diagnostic
from flowdsl.errors import LoadError
from flowdsl.frontends.json_reader import is_task_def, is_workflow_def, json_files
from flowdsl.ir.nodes import Span
from flowdsl.loader import discover

Kind = Literal["task", "workflow"]

# Fields the server adds to what it stores (Auditable, common/metadata/Auditable.java).


@dataclass
class Definition:
    kind: Kind
    name: str
    version: int | None  # workflows only
    body: dict[str, Any]
    span: Span | None = None

    @property
    def label(self) -> str:
        if self.kind == "task":
            return f"task definition `{self.name}`"
        return f"workflow `{self.name}` version {self.version}"


@dataclass
class Bundle:
    """Task definitions (by name) and workflows (children before parents)."""

    task_defs: list[Definition] = field(default_factory=list)
    workflows: list[Definition] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    def __iter__(self) -> Iterator[Definition]:
        yield from self.task_defs
        yield from self.workflows


def load_bundle(targets: Sequence[str], config: Config) -> Bundle:
    """Compile/read and check the targets. Definitions are absent when checks found errors."""
    python, json_targets = split_targets(targets)
    bundle = Bundle()
    task_defs: dict[str, Definition] = {}
    workflows: dict[tuple[str, int], Definition] = {}
    if python:
        result = compile_workflows(discover(python), config)
        bundle.diagnostics.extend(result.diagnostics)
        spans = {(wf.name, wf.version): wf.span for wf in result.program.workflows}
        td_spans = {name: td.span for name, td in result.program.task_defs.items()}
        for rel, content in (result.files or {}).items():
            body = json.loads(content)
            if rel.startswith("tasks/"):
                task_defs[body["name"]] = Definition(
                    "task", body["name"], None, body, td_spans.get(body["name"])
                )
            else:
                key = (body["name"], int(body.get("version", 1)))
                workflows[key] = Definition("workflow", *key, body, spans.get(key))
    if json_targets:
        checked = check_targets(json_targets, config)
        bundle.diagnostics.extend(checked.diagnostics)
    if bundle.errors:
        return bundle
    if json_targets:
        # Read as written, once the checker found them readable and valid: the same files
        # (json_files), and no definition it refuses (a nameless one, a bad version).
        for definition in _read_json(json_targets):
            if definition.kind == "task":
                task_defs.setdefault(definition.name, definition)
            else:
                workflows.setdefault((definition.name, definition.version or 1), definition)
    bundle.task_defs = [task_defs[name] for name in sorted(task_defs)]
    bundle.workflows = dependency_order(list(workflows.values()))
    return bundle


def _read_json(targets: Sequence[str]) -> Iterator[Definition]:
    """Every definition in the JSON files, as written (check_targets has read them)."""
    seen: set[Path] = set()
    for target in targets:
        for path in json_files(target):
            if path.resolve() in seen:
                continue
            seen.add(path.resolve())
            text = path.read_text(encoding="utf-8")
            if not text.strip():
                continue
            try:
                data = json.loads(text)
            except ValueError as exc:
                raise LoadError(f"{path}: not JSON: {exc}") from None
            elements = list(enumerate(data)) if isinstance(data, list) else [(None, data)]
            for index, value in elements:
                pointer = "" if index is None else f"/{index}"
                span = Span(str(path), pointer=pointer)
                if is_workflow_def(value):
                    version = value.get("version", 1)
                    yield Definition("workflow", value["name"], int(version), value, span)
                elif is_task_def(value):
                    yield Definition("task", value["name"], None, value, span)


def sub_workflows(tasks: Sequence[Any]) -> Iterator[tuple[str, int | None]]:
    """(name, version) of every registered sub-workflow the task lists call, at any depth
    (inside forks, switch cases, loops, and inline sub-workflow definitions)."""
    for task in tasks:
        if not isinstance(task, dict):
            continue
        params = task.get("subWorkflowParam")
        if task.get("type") == "SUB_WORKFLOW" and isinstance(params, dict):
            inline = params.get("workflowDefinition")
            if isinstance(inline, dict):
                yield from sub_workflows(inline.get("tasks") or [])
            elif isinstance(params.get("name"), str):
                version = params.get("version")
                yield params["name"], version if isinstance(version, int) else None
        for key in ("loopOver", "defaultCase"):
            yield from sub_workflows(task.get(key) or [])
        for branch in task.get("forkTasks") or []:
            yield from sub_workflows(branch or [])
        for case in (task.get("decisionCases") or {}).values():
            yield from sub_workflows(case or [])


def dependency_order(workflows: list[Definition]) -> list[Definition]:
    """Children before parents; otherwise by name and version. A sub-workflow call without
    a version runs the latest one, so it waits for every version of that name."""
    ordered = sorted(workflows, key=lambda d: (d.name, d.version or 0))
    by_name: dict[str, list[Definition]] = {}
    for definition in ordered:
        by_name.setdefault(definition.name, []).append(definition)
    children: dict[int, list[Definition]] = {}
    for definition in ordered:
        deps: list[Definition] = []
        for name, version in sub_workflows(definition.body.get("tasks") or []):
            for candidate in by_name.get(name, []):
                if (
                    version is None or candidate.version == version
                ) and candidate is not definition:
                    deps.append(candidate)
        children[id(definition)] = deps
    result: list[Definition] = []
    state: dict[int, int] = {}  # 1: being visited, 2: done

    def visit(definition: Definition) -> None:
        mark = state.get(id(definition))
        if mark is not None:  # done, or a cycle (reported by the checks as FD310)
            return
        state[id(definition)] = 1
        for child in children[id(definition)]:
            visit(child)
        state[id(definition)] = 2
        result.append(definition)

    for definition in ordered:
        visit(definition)
    return result


def _strip(value: Any, top: bool = True) -> Any:
    """As the server writes JSON (``NON_NULL``: a null field is absent), audit fields out."""
    if isinstance(value, dict):
        return {
            k: _strip(v, False)
            for k, v in value.items()
            if v is not None and not (top and k in AUDITABLE_FIELDS)
        }
    if isinstance(value, list):
        return [_strip(v, False) for v in value]
    return value


def normalized(kind: Kind, body: dict[str, Any]) -> dict[str, Any]:
    """A definition as the server holds it: Conductor's defaults filled, nulls dropped."""
    model = TaskDef if kind == "task" else WorkflowDef
    filled: dict[str, Any] = _strip(with_defaults(model, body))
    return filled
