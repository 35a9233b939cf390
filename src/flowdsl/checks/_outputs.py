"""What a task declares it outputs, by type (None: unknown, so nothing can be checked).

SIMPLE and user-defined tasks declare their TaskDef's outputs (a Python task's return type,
or a non-empty ``outputKeys``). System tasks produce fixed keys (their executors in
Conductor's core/.../execution/tasks/, http-task/ and json-jq-task/).
"""

from __future__ import annotations

from flowdsl.conductor.tasktypes import TASK_TYPES, sub_workflow_param
from flowdsl.ir.nodes import Program, Task, Workflow

# Fixed outputs of system tasks (flowdsl.conductor.tasktypes); SET_VARIABLE and NOOP
# declare none, but nothing reads them, so only non-empty sets are checked.
SYSTEM_OUTPUTS: dict[str, frozenset[str]] = {
    n: t.outputs for n, t in TASK_TYPES.items() if t.outputs
}
# Types whose output is whatever an external update or the payload puts there.
_OPEN = frozenset({"WAIT", "HUMAN", "EVENT", "TERMINATE", "DYNAMIC", "FORK_JOIN_DYNAMIC"})


def declared_outputs(program: Program, workflow: Workflow, task: Task) -> frozenset[str] | None:
    if task.type in SYSTEM_OUTPUTS:
        return SYSTEM_OUTPUTS[task.type]
    if task.type == "JOIN":
        join_on = task.fields.get("joinOn")
        if isinstance(join_on, list) and join_on and all(isinstance(r, str) for r in join_on):
            return frozenset(join_on)
        return None
    if task.type == "SUB_WORKFLOW":
        child = sub_workflow_child(program, task)
        if child is None or not child.outputs:
            return None
        return frozenset(child.outputs) | {"subWorkflowId"}
    if task.type in _OPEN:
        return None
    definition = program.task_defs.get(task.name)
    if definition is None or definition.output_keys is None:
        return None
    return frozenset(definition.output_keys)


def sub_workflow_child(program: Program, task: Task) -> Workflow | None:
    """The workflow a SUB_WORKFLOW starts, when it is among the inputs."""
    if task.inline_workflow is not None:
        return task.inline_workflow
    param = sub_workflow_param(task)
    if param.name is None:
        return None
    candidates = [wf for wf in program.workflows if wf.name == param.name]
    if param.version_is_literal:
        candidates = [wf for wf in candidates if wf.version == param.version]
    elif param.version is not None:
        return None  # an expression: decided at run time
    return max(candidates, key=lambda wf: wf.version, default=None)
