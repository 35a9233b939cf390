"""IR -> Conductor JSON: WorkflowDef and TaskDef documents, byte-for-byte deterministic.

Objects go through the pydantic models of :mod:`flowdsl.conductor.models`, so fields come
out with Conductor's names and in Conductor's declaration order; only what the author set
(or flowdsl derived) is written, never a default the server fills in anyway.
"""

from __future__ import annotations

import json
from typing import Any

from flowdsl.conductor.models import TaskDef as _ModelTaskDef
from flowdsl.conductor.models import WorkflowDef as _ModelWorkflowDef
from flowdsl.ir.nodes import Program, Ref, Task, TaskDef, Template, Value, Workflow


def escape_literal(text: str) -> str:
    """Literal text for a position Conductor resolves: every ``${`` becomes ``$${``.

    ParametersUtils only matches ``${`` not preceded by ``$`` and afterwards turns every
    ``$${`` back into ``${`` (core/.../utils/ParametersUtils.java).
    """
    return text.replace("${", "$${")


def resolved_value(value: Value) -> Any:
    """An IR value as JSON for a position Conductor resolves (inputParameters, ...)."""
    if isinstance(value, Ref):
        return value.expression
    if isinstance(value, Template):
        return "".join(
            p.expression if isinstance(p, Ref) else escape_literal(p) for p in value.parts
        )
    if isinstance(value, str):
        return escape_literal(value)
    if isinstance(value, dict):
        return {k: resolved_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [resolved_value(v) for v in value]
    return value


def literal_value(value: Value) -> Any:
    """An IR value for a position Conductor copies as is (variables, inputTemplate...)."""
    if isinstance(value, Ref | Template):
        return resolved_value(value)
    if isinstance(value, dict):
        return {k: literal_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [literal_value(v) for v in value]
    return value


# WorkflowDef fields whose strings Conductor resolves as expressions.
_RESOLVED_WORKFLOW_FIELDS = frozenset({"outputParameters"})
# TaskDef.inputTemplate entries join the task input before it is resolved.
_RESOLVED_TASK_DEF_FIELDS = frozenset({"inputTemplate"})


def task_json(task: Task) -> dict[str, Any]:
    data: dict[str, Any] = {"name": task.name, "taskReferenceName": task.ref}
    if task.description:
        data["description"] = task.description
    data["inputParameters"] = resolved_value(task.inputs)
    data["type"] = task.type
    for key, value in task.fields.items():
        data[key] = literal_value(value)
    for label, block in task.blocks.items():
        field, _, index = label.partition("/")
        tasks = [task_json(t) for t in block]
        if field == "forkTasks":
            data.setdefault("forkTasks", []).append(tasks)
        elif field == "decisionCases":
            data.setdefault("decisionCases", {})[index] = tasks
        else:
            data[field] = tasks
    return data


def workflow_json(workflow: Workflow) -> dict[str, Any]:
    data: dict[str, Any] = {"name": workflow.name}
    if workflow.description:
        data["description"] = workflow.description
    data["version"] = workflow.version
    data["tasks"] = [task_json(t) for t in workflow.tasks]
    data["inputParameters"] = list(workflow.inputs or ())
    data["outputParameters"] = resolved_value(workflow.outputs)
    data["schemaVersion"] = 2
    for key, value in workflow.fields.items():
        data[key] = (
            resolved_value(value) if key in _RESOLVED_WORKFLOW_FIELDS else literal_value(value)
        )
    return _ModelWorkflowDef.model_validate(data).to_json_dict()


def task_def_json(task_def: TaskDef) -> dict[str, Any]:
    data = {
        k: resolved_value(v) if k in _RESOLVED_TASK_DEF_FIELDS else literal_value(v)
        for k, v in task_def.fields.items()
    }
    return _ModelTaskDef.model_validate(data).to_json_dict()


def dumps(document: dict[str, Any]) -> bytes:
    """The canonical text of a document: 2-space indent, UTF-8, one trailing newline.

    A lone surrogate (``"\\ud800"`` read from JSON) has no UTF-8 form; it is written as the
    JSON escape it came from, which Conductor's Jackson reads back to the same string.
    """
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return text.encode("utf-8", errors="backslashreplace")


def workflow_path(workflow: Workflow) -> str:
    return f"workflows/{workflow.name}.v{workflow.version}.json"


def task_def_path(task_def: TaskDef) -> str:
    return f"tasks/{task_def.name}.json"


def emit_program(program: Program) -> dict[str, bytes]:
    """Relative output path -> file content, for every workflow and task definition."""
    files: dict[str, bytes] = {}
    for wf in program.workflows:
        files[workflow_path(wf)] = dumps(workflow_json(wf))
    for td in program.task_defs.values():
        files[task_def_path(td)] = dumps(task_def_json(td))
    return dict(sorted(files.items()))


__all__ = [
    "dumps",
    "emit_program",
    "escape_literal",
    "task_def_json",
    "task_json",
    "workflow_json",
]
