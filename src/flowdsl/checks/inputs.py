"""Task inputs against the task's definition, and SIMPLE tasks without one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from flowdsl.checks._outputs import sub_workflow_child
from flowdsl.checks._source import declaration_level, from_json
from flowdsl.diagnostics import (
    BadSubWorkflowInput,
    Diagnostic,
    MissingTaskInput,
    NoTaskDefinition,
    UndeclaredSubWorkflowInput,
    UnknownTaskInput,
    did_you_mean,
)
from flowdsl.ir.nodes import Task

if TYPE_CHECKING:
    from flowdsl.checks import CheckContext

# Conductor's ad-hoc TaskDef for an unregistered SIMPLE task (MetadataMapperService).
_DEFAULTS = (
    "retryCount 3, retryLogic FIXED, retryDelaySeconds 60, timeoutSeconds 0, "
    "responseTimeoutSeconds 3600, timeoutPolicy TIME_OUT_WF"
)


def task_inputs(ctx: CheckContext) -> Iterator[Diagnostic]:
    warned: set[str] = set()
    accepting: dict[str, set[str]] = {}
    for wf in ctx.all_workflows():
        for task in ctx.tasks(wf):
            if task.type == "SUB_WORKFLOW":
                yield from _sub_workflow_inputs(ctx, task)
                continue
            if task.type != "SIMPLE":
                continue
            definition = ctx.program.task_defs.get(task.name)
            if definition is None:
                if task.name not in warned:
                    warned.add(task.name)
                    yield NoTaskDefinition(
                        f"task `{task.name}` has no task definition among the inputs; "
                        f"unless one is registered, Conductor creates it with {_DEFAULTS}",
                        task.span,
                        hint="pass its task definition too, or register one",
                    )
                continue
            if definition.input_keys is not None:
                accepted = accepting.get(task.name)
                if accepted is None:  # (issue 11) once per definition, not per call
                    template = definition.fields.get("inputTemplate")
                    accepted = accepting[task.name] = set(definition.input_keys) | (
                        set(template) if isinstance(template, dict) else set()
                    )
                json_def = from_json(definition)
                for key in task.inputs:
                    if key not in accepted:
                        message = f"`{task.name}` takes no input `{key}`"
                        if json_def:
                            # TaskDef.inputKeys is documentation: Conductor passes every
                            # input to the worker whatever the TaskDef lists.
                            message = (
                                f"`{task.name}` is given input `{key}`, which task definition "
                                f"`{task.name}` does not list in inputKeys; Conductor does not "
                                "enforce inputKeys, so the worker receives it anyway: one of "
                                "the two is probably stale"
                            )
                        yield UnknownTaskInput(
                            message,
                            task.input_spans.get(key, task.span),
                            hint=did_you_mean(key, accepted)
                            or (
                                "it takes " + ", ".join(f"`{k}`" for k in definition.input_keys)
                                if definition.input_keys
                                else "it takes no inputs"
                            ),
                            level=declaration_level(definition),
                        )
            missing = [
                k
                for k in definition.required_inputs
                if k not in task.inputs and k not in task.unconverted
            ]
            if missing:
                names = ", ".join(f"`{k}`" for k in missing)
                plural = "s" if len(missing) > 1 else ""
                yield MissingTaskInput(
                    f"`{task.name}` is missing required input{plural} {names}",
                    task.span,
                    hint=f"pass {names}",
                )


def _sub_workflow_inputs(ctx: CheckContext, task: Task) -> Iterator[Diagnostic]:
    """A SUB_WORKFLOW's inputs against the child workflow's inputs.

    SubWorkflowTaskMapper passes the task's resolved inputParameters as the child's input;
    Conductor itself checks nothing. A Python child's signature is its contract (error); a
    JSON child's ``inputParameters`` is only a declaration (warning).
    """
    child = sub_workflow_child(ctx.program, task)
    if child is None or child.inputs is None:
        return
    declared = set(child.inputs)
    python = child.source == "python"
    for key in task.inputs:
        if key in declared:
            continue
        where = task.input_spans.get(key, task.span)
        hint = did_you_mean(key, declared) or "it takes " + ", ".join(
            f"`{k}`" for k in child.inputs
        )
        if python:
            yield BadSubWorkflowInput(
                f"workflow `{child.name}` takes no input `{key}`", where, hint=hint
            )
        else:
            yield UndeclaredSubWorkflowInput(
                f"workflow `{child.name}` does not declare input `{key}` in its "
                "inputParameters (Conductor passes it anyway; the declaration or the name is "
                "probably stale)",
                where,
                hint=hint,
            )
    if python:
        missing = [
            k for k in child.required_inputs if k not in task.inputs and k not in task.unconverted
        ]
        if missing:
            names = ", ".join(f"`{k}`" for k in missing)
            yield BadSubWorkflowInput(
                f"workflow `{child.name}` is missing required input"
                f"{'s' if len(missing) > 1 else ''} {names}",
                task.span,
                hint="give it every parameter that has no default",
            )
