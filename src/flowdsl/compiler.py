"""The pipeline: trace -> IR -> passes -> checks -> emit. Findings never raise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flowdsl.authoring._workflow import WorkflowFunction
from flowdsl.checks import run_checks
from flowdsl.conductor.targets import get_target
from flowdsl.config import Config
from flowdsl.diagnostics import (
    ConflictingTaskDefinitions,
    Diagnostic,
    DuplicateWorkflow,
)
from flowdsl.emit.conductor import emit_program
from flowdsl.ir.nodes import Program, TaskDef
from flowdsl.passes import fill_owner_email


@dataclass
class CompileResult:
    program: Program
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: dict[str, bytes] | None = None

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]


def build_program(
    workflows: Sequence[WorkflowFunction[..., object]],
) -> tuple[Program, list[Diagnostic]]:
    """Trace every workflow and gather the task definitions they use."""
    diagnostics: list[Diagnostic] = []
    program = Program()
    seen: dict[tuple[str, int], WorkflowFunction[..., object]] = {}
    queue = list(workflows)
    while queue:
        wf = queue.pop(0)
        key = (wf.name, wf.version)
        if key in seen and seen[key].origin is wf.origin:
            continue  # a sub-workflow child also named as a target, or started twice
        if key in seen:
            diagnostics.append(
                DuplicateWorkflow(
                    f"workflow `{wf.name}` version {wf.version} is defined twice "
                    f"(also at {seen[key].span})",
                    wf.span,
                    hint="give one of them another name or version",
                )
            )
            continue
        seen[key] = wf
        result = wf.trace()
        diagnostics.extend(result.diagnostics)
        queue.extend(result.children)
        if result.complete:  # a partial workflow would only add noise to the checks
            program.workflows.append(result.workflow)
        for name, defs in result.task_defs.items():
            for td in defs:
                _add_task_def(program, name, td, diagnostics)
    program.task_defs = dict(sorted(program.task_defs.items()))
    return program, diagnostics


def _add_task_def(program: Program, name: str, td: TaskDef, diagnostics: list[Diagnostic]) -> None:
    known = program.task_defs.get(name)
    if known is None:
        program.task_defs[name] = td
    elif known.origin is not td.origin and known.fields != td.fields:
        diagnostics.append(
            ConflictingTaskDefinitions(
                f"two different tasks are named `{name}` (the other is at {known.span})",
                td.span,
                hint="a task name is one TaskDef on the server: rename one of them",
            )
        )


def compile_workflows(
    workflows: Sequence[WorkflowFunction[..., object]], config: Config
) -> CompileResult:
    program, diagnostics = build_program(workflows)
    program = fill_owner_email(program, config.owner_email)
    diagnostics.extend(run_checks(program, get_target(config.target)))
    # A task's decorator mistakes are reported by every workflow using it: keep one.
    unique = {(d.code, d.message, d.span): d for d in diagnostics if d.code not in config.ignore}
    diagnostics = sorted(unique.values(), key=lambda d: d.sort_key())
    result = CompileResult(program, diagnostics)
    blocking = result.diagnostics if config.strict else result.errors
    if not blocking:
        result.files = emit_program(program)
    return result
