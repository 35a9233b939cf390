"""The pipeline: trace -> IR -> passes -> checks -> emit. Findings never raise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import ValidationError

from flowdsl import interrupts
from flowdsl.checks import run_checks
from flowdsl.collector import paused as collector_paused
from flowdsl.conductor.targets import get_target
from flowdsl.config import Config
from flowdsl.diagnostics import (
    ConflictingTaskDefinitions,
    Diagnostic,
    DuplicateWorkflow,
)
from flowdsl.emit.conductor import emit_program
from flowdsl.errors import FlowdslError, LoadError, UsageError
from flowdsl.ir.nodes import Program, TaskDef
from flowdsl.passes import fill_owner_email
from flowdsl.report import collapse

if TYPE_CHECKING:  # the tracer is imported by what traces (loader), not by `flowdsl check`
    from flowdsl.authoring._workflow import TraceResult, WorkflowFunction


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
        result = _trace(wf)
        diagnostics.extend(result.diagnostics)
        queue.extend(result.children)
        if result.complete:  # a partial workflow would only add noise to the checks
            program.workflows.append(result.workflow)
        for name, defs in result.task_defs.items():
            for td in defs:
                _add_task_def(program, name, td, diagnostics)
    program.task_defs = dict(sorted(program.task_defs.items()))
    return program, diagnostics


def _trace(wf: WorkflowFunction[..., object]) -> TraceResult:
    """Trace one workflow. What a workflow function raises is a finding (FD004); what gets
    past that (``sys.exit()``, ``KeyboardInterrupt``, ``GeneratorExit``, a value too deep
    to convert) stops the run with the user's file and line (LoadError, exit 2)."""
    try:
        return wf.trace()
    except FlowdslError:
        raise
    except BaseException as exc:
        if interrupts.is_signal(exc):
            raise
        from flowdsl.authoring._location import traceback_span  # noqa: PLC0415

        span = traceback_span(exc) or wf.span
        where = f"{span}: " if span is not None else ""
        if isinstance(exc, SystemExit):
            detail = f"called sys.exit({exc.code!r})"
        elif isinstance(exc, RecursionError):
            detail = "built a value nested too deeply to convert"
        else:
            detail = f"raised {type(exc).__name__}"
            text = " ".join(str(exc).split())[:300]
            if text:
                detail += f": {text}"
        raise LoadError(
            f"{where}workflow `{wf.name}` {detail} while being traced; nothing was compiled"
        ) from None


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
    with collector_paused():
        return _compile_workflows(workflows, config)


def _compile_workflows(
    workflows: Sequence[WorkflowFunction[..., object]], config: Config
) -> CompileResult:
    program, diagnostics = build_program(workflows)
    program = fill_owner_email(program, config.owner_email)
    diagnostics.extend(run_checks(program, get_target(config.target)))
    # A task's decorator mistakes are reported by every workflow using it: keep one.
    unique = {(d.code, d.message, d.span): d for d in diagnostics if d.code not in config.ignore}
    diagnostics = sorted(unique.values(), key=lambda d: d.sort_key())
    result = CompileResult(program, collapse(diagnostics))
    blocking = result.diagnostics if config.strict else result.errors
    if not blocking:
        result.files = _emit(program, config)
    return result


def _emit(program: Program, config: Config) -> dict[str, bytes]:
    """The output files. Findings hidden by ``ignore`` may leave definitions that have no
    valid Conductor JSON: that stops the compile in one line. (With nothing ignored, a
    failure here is a bug: every such definition has a finding.)"""
    if not config.ignore:
        return emit_program(program)
    try:
        return emit_program(program)
    except (ValidationError, ValueError, TypeError) as exc:
        if isinstance(exc, ValidationError) and exc.errors():
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            detail = f"{exc.title} {where}: {first['msg']}"
        else:
            detail = " ".join(str(exc).split())[:200]
        ignored = ", ".join(config.ignore)
        raise UsageError(
            f"the definitions cannot be written as Conductor JSON ({detail}); a finding of "
            f"an ignored code ({ignored}) stands in the way"
        ) from None
