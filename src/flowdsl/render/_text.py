"""Short texts about IR objects, shared by the diagrams and the documentation pages."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flowdsl.conductor.tasktypes import sub_workflow_param
from flowdsl.ir.jsonvalues import resolved_value
from flowdsl.ir.nodes import Program, Ref, Task, Template, Value, Workflow

# TaskDef fields that say how Conductor runs a task: the "policies" shown for it, in this order.
POLICY_FIELDS = (
    "retryCount",
    "retryLogic",
    "retryDelaySeconds",
    "backoffScaleFactor",
    "timeoutSeconds",
    "responseTimeoutSeconds",
    "pollTimeoutSeconds",
    "totalTimeoutSeconds",
    "timeoutPolicy",
    "concurrentExecLimit",
    "rateLimitPerFrequency",
    "rateLimitFrequencyInSeconds",
    "isolationGroupId",
    "executionNameSpace",
)
# WorkflowTask fields that change how one use of a task runs.
TASK_POLICY_FIELDS = (
    "optional",
    "startDelay",
    "asyncComplete",
    "rateLimited",
    "retryCount",
    "permissive",
)


def value_text(value: Value) -> str:
    """A value as the JSON Conductor would see (references as ``${...}``), on one line."""
    shown = resolved_value(value)
    if isinstance(shown, str):
        return shown
    return json.dumps(shown, ensure_ascii=False, sort_keys=False)


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with ``...``."""
    one_line = " ".join(text.split())
    if len(one_line) <= limit:
        return one_line
    return one_line[: max(limit - 3, 1)].rstrip() + "..."


def policies(task: Task, program: Program) -> list[tuple[str, Any]]:
    """The task's run policies: its TaskDef's (for tasks that have one), then the task's own
    WorkflowTask settings.

    The TaskDef is the task's inline ``taskDefinition`` or the one named like the task, for
    every task type: Conductor attaches a registered TaskDef by name to any WorkflowTask
    (``MetadataMapperService.populateWorkflowTaskWithDefinition``, core/.../metadata), so a
    SUB_WORKFLOW named like a worker task takes that worker's retries and timeouts.
    """
    found: list[tuple[str, Any]] = []
    definition = program.task_defs.get(task.name)
    inline = task.fields.get("taskDefinition")
    fields: Mapping[str, Any] = {}
    if isinstance(inline, Mapping):
        fields = inline
    elif definition is not None:
        fields = definition.fields
    for key in POLICY_FIELDS:
        if key in fields:
            found.append((key, fields[key]))
    for key in TASK_POLICY_FIELDS:
        value = task.fields.get(key)
        if value not in (None, False):
            found.append((key, value))
    return found


def policy_text(items: list[tuple[str, Any]]) -> str:
    return ", ".join(f"{key}={value_text(value)}" for key, value in items)


def _get(mapping: Mapping[str, Any], *path: str) -> Any:
    current: Any = mapping
    for key in path:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current


def _literal(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Ref | Template):
        return value_text(value)
    if isinstance(value, str):
        return value
    return value_text(value)


def sub_workflow_target(task: Task) -> str:
    """``name vN`` of what a SUB_WORKFLOW runs (``latest`` when no version is given)."""
    param = sub_workflow_param(task)
    if task.inline_workflow is not None:
        return f"{task.inline_workflow.name} v{task.inline_workflow.version} (inline)"
    name = _literal(param.name_value) or "?"
    if param.version is None:
        return f"{name} (latest)"
    return f"{name} v{_literal(param.version)}"


def resolve_sub_workflow(task: Task, program: Program) -> Workflow | None:
    """The workflow a SUB_WORKFLOW runs, when it is known: its inline definition, or a
    workflow of the program with that name (and version; the highest when none is given)."""
    if task.inline_workflow is not None:
        return task.inline_workflow
    param = sub_workflow_param(task)
    if param.name is None or param.dynamic:
        return None
    candidates = [wf for wf in program.workflows if wf.name == param.name]
    if param.version_is_literal:
        candidates = [wf for wf in candidates if wf.version == param.version]
    if not candidates:
        return None
    return max(candidates, key=lambda wf: wf.version)


def body_line(task: Task) -> str | None:
    """What the task does, in one line, for the types whose card says it in Conductor's UI."""
    inputs = task.inputs
    kind = task.type
    text: str | None = None
    if kind == "HTTP":
        request = inputs.get("http_request")
        source: Mapping[str, Any] = request if isinstance(request, Mapping) else inputs
        method = _literal(source.get("method")) or "GET"
        uri = _literal(source.get("uri"))
        text = f"{method} {uri}" if uri else method
    elif kind == "INLINE":
        text = _literal(inputs.get("expression"))
    elif kind == "LAMBDA":
        text = _literal(inputs.get("scriptExpression"))
    elif kind == "JSON_JQ_TRANSFORM":
        text = _literal(inputs.get("queryExpression"))
    elif kind == "WAIT":
        if "duration" in inputs:
            text = f"duration: {_literal(inputs['duration'])}"
        elif "until" in inputs:
            text = f"until: {_literal(inputs['until'])}"
    elif kind == "HUMAN":
        text = None
    elif kind == "EVENT":
        text = _literal(task.fields.get("sink"))
        text = f"sink: {text}" if text else None
    elif kind == "START_WORKFLOW":
        name = _literal(_get(inputs, "startWorkflow", "name"))
        version = _literal(_get(inputs, "startWorkflow", "version"))
        if name:
            text = f"starts {name}" + (f" v{version}" if version else "")
    elif kind == "KAFKA_PUBLISH":
        topic = _literal(_get(inputs, "kafka_request", "topic"))
        text = f"topic: {topic}" if topic else None
    elif kind == "SET_VARIABLE":
        text = "sets " + ", ".join(inputs) if inputs else None
    elif kind == "SUB_WORKFLOW":
        text = "runs " + sub_workflow_target(task)
    elif kind == "DYNAMIC":
        param = task.fields.get("dynamicTaskNameParam")
        if isinstance(param, str) and param in inputs:
            text = f"task named by {value_text(inputs[param])}"
        elif isinstance(param, str):
            text = f"task named by input {param}"
    elif kind == "TERMINATE":
        status = _literal(inputs.get("terminationStatus"))
        text = f"status: {status}" if status else None
    elif kind == "FORK_JOIN_DYNAMIC":
        fork_name = _literal(inputs.get("forkTaskName"))
        param = task.fields.get("dynamicForkTasksParam")
        if fork_name:
            text = f"one {fork_name} per item"
        elif isinstance(param, str) and param in inputs:
            text = f"tasks from {value_text(inputs[param])}"
    return text
