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
from flowdsl.conductor.tasktypes import block_json
from flowdsl.ir.jsonvalues import escape_literal, literal_value, resolved_value
from flowdsl.ir.nodes import Program, Task, TaskDef, Workflow

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
    if task.inline_workflow is not None:
        param = data.get("subWorkflowParam")
        if isinstance(param, dict) and "workflowDefinition" not in param:
            data["subWorkflowParam"] = {
                **param,
                "workflowDefinition": workflow_json(task.inline_workflow),
            }
    if task.blocks:
        data.update(block_json({k: [task_json(t) for t in b] for k, b in task.blocks.items()}))
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
    """The canonical text of a document: 2-space indent, UTF-8, one trailing newline."""
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


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
