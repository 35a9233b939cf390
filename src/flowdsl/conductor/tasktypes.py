"""One description per Conductor task type, read by the JSON reader, the tracer, the emitter,
the checks and the renderers.

Each :class:`TaskType` says which nested task lists the type holds (and in what JSON shape),
which of its WorkflowTask fields Conductor resolves ``${...}`` in at run time (besides
``inputParameters``, which it always resolves), which inputs or fields it requires, and the
output keys its executor produces.

Sources (conductor-oss/conductor at the 3.32.3 release):

* ``common/.../metadata/workflow/WorkflowTask.java``: the block fields and ``children()``;
* ``core/.../execution/mapper/*TaskMapper.java``: what each mapper reads and resolves
  (``SubWorkflowTaskMapper`` resolves ``subWorkflowParam`` name, version and taskToDomain
  through ``ParametersUtils.getTaskInputV2``);
* ``core/.../execution/tasks/*.java``, ``http-task/``, ``json-jq-task/``: the outputs;
* ``core/.../validations/WorkflowTaskTypeConstraint.java``: required fields.

This module holds data and small accessors only; it imports nothing but the standard
library and the IR's value types.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from flowdsl.ir.nodes import BlockKey, Ref, Task, Template


class BlockShape(Enum):
    """How a block field holds its task lists in Conductor's JSON."""

    LIST = "list"  # defaultCase, loopOver: one list of tasks
    BRANCHES = "branches"  # forkTasks: a list of task lists
    CASES = "cases"  # decisionCases: an object of task lists, keyed by case value


# WorkflowTask's nested task-list fields, in the order WorkflowTask.children() walks them.
BLOCK_SHAPES: dict[str, BlockShape] = {
    "decisionCases": BlockShape.CASES,
    "defaultCase": BlockShape.LIST,
    "forkTasks": BlockShape.BRANCHES,
    "loopOver": BlockShape.LIST,
}
BLOCK_FIELDS: tuple[str, ...] = tuple(BLOCK_SHAPES)


class Flow(Enum):
    """What running a construct's blocks means for the tasks in them."""

    SEQUENCE = "sequence"  # no blocks
    PARALLEL = "parallel"  # every block runs, in parallel (FORK_JOIN)
    CONDITIONAL = "conditional"  # exactly one block runs (SWITCH, DECISION)
    LOOP = "loop"  # the block runs one or more times (DO_WHILE)


@dataclass(frozen=True, slots=True)
class TaskType:
    """What flowdsl knows about one value of WorkflowTask.type."""

    name: str
    blocks: tuple[str, ...] = ()
    flow: Flow = Flow.SEQUENCE
    # Fixed output keys the executor writes; None when the output is open (an external
    # update, a payload, a worker's TaskDef) or computed elsewhere (JOIN, SUB_WORKFLOW).
    outputs: frozenset[str] | None = None
    # Paths of WorkflowTask fields whose strings Conductor resolves as expressions.
    resolved_fields: tuple[tuple[str, ...], ...] = ()
    # Inputs (inputParameters keys) the type needs; any one of each tuple will do.
    required_inputs: tuple[tuple[str, ...], ...] = ()
    # True for types whose executor is a worker the user writes (a TaskDef is needed).
    worker: bool = False
    # True for system tasks that run inside the server (no TaskDef needed).
    system: bool = True


def _t(name: str, **kwargs: Any) -> TaskType:
    return TaskType(name, **kwargs)


_TYPES: tuple[TaskType, ...] = (
    _t("SIMPLE", worker=True, system=False),
    _t("USER_DEFINED", worker=True, system=False),
    _t("DYNAMIC"),
    _t("FORK_JOIN", blocks=("forkTasks",), flow=Flow.PARALLEL),
    _t("FORK_JOIN_DYNAMIC"),
    _t("JOIN"),
    _t("EXCLUSIVE_JOIN"),
    _t(
        "SWITCH",
        blocks=("decisionCases", "defaultCase"),
        flow=Flow.CONDITIONAL,
        # Switch.java (core/.../execution/tasks): the chosen case, as a list of one.
        outputs=frozenset({"evaluationResult", "selectedCase"}),
    ),
    _t(
        "DECISION",
        blocks=("decisionCases", "defaultCase"),
        flow=Flow.CONDITIONAL,
        outputs=frozenset({"caseOutput"}),
    ),
    _t(
        "DO_WHILE",
        blocks=("loopOver",),
        flow=Flow.LOOP,
        # DoWhile.evaluateItemsList resolves `items` with ParametersUtils.getTaskInputV2.
        resolved_fields=(("items",),),
        # DoWhile.java: `iteration`, and per iteration a map keyed by the iteration number;
        # with `items`, `loopIndex` and `loopItem`.
        outputs=frozenset({"iteration", "loopIndex", "loopItem"}),
    ),
    _t(
        "SUB_WORKFLOW",
        # SubWorkflowTaskMapper.getSubWorkflowInputParameters resolves these three.
        resolved_fields=(
            ("subWorkflowParam", "name"),
            ("subWorkflowParam", "version"),
            ("subWorkflowParam", "taskToDomain"),
        ),
    ),
    _t("START_WORKFLOW", outputs=frozenset({"workflowId"}), required_inputs=(("startWorkflow",),)),
    _t("EVENT"),
    _t("WAIT"),
    _t("HUMAN"),
    _t("HTTP", outputs=frozenset({"response"})),
    _t("LAMBDA", outputs=frozenset({"result", "error"}), required_inputs=(("scriptExpression",),)),
    _t("INLINE", outputs=frozenset({"result", "error"}), required_inputs=(("expression",),)),
    _t("TERMINATE", required_inputs=(("terminationStatus",),)),
    _t("KAFKA_PUBLISH", required_inputs=(("kafka_request",),)),
    _t(
        "JSON_JQ_TRANSFORM",
        outputs=frozenset({"result", "resultList", "error"}),
        required_inputs=(("queryExpression",),),
    ),
    _t("SET_VARIABLE", outputs=frozenset()),
    _t("NOOP", outputs=frozenset()),
)
TASK_TYPES: dict[str, TaskType] = {t.name: t for t in _TYPES}


# The task fields Conductor resolves, by the types that have any (a type it does not know
# has none).
RESOLVED_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    name: t.resolved_fields for name, t in TASK_TYPES.items() if t.resolved_fields
}


def task_type(name: str) -> TaskType:
    """The description of a type; an unknown type is a worker task as far as flowdsl knows
    (Conductor treats a type it has no system task for as SIMPLE)."""
    found = TASK_TYPES.get(name)
    if found is not None:
        return found
    return TaskType(name, worker=False, system=True)


def blocks_of(task: Task, field: str) -> list[tuple[BlockKey, list[Task]]]:
    """The task's blocks held in one block field, in order."""
    return [(key, tasks) for key, tasks in task.blocks.items() if key.field == field]


def branches(task: Task) -> list[list[Task]]:
    """A FORK_JOIN's branches, in order."""
    return [tasks for key, tasks in task.blocks.items() if key.field == "forkTasks"]


def cases(task: Task) -> dict[str, list[Task]]:
    """A SWITCH or DECISION's cases by value, in order (the default case excluded)."""
    return {
        str(key.key): tasks for key, tasks in task.blocks.items() if key.field == "decisionCases"
    }


def block_json(blocks: Mapping[BlockKey, list[Any]]) -> dict[str, Any]:
    """Block lists (already converted) as the JSON fields Conductor reads, in order."""
    out: dict[str, Any] = {}
    for key, tasks in blocks.items():
        shape = BLOCK_SHAPES.get(key.field, BlockShape.LIST)
        if shape is BlockShape.BRANCHES:
            out.setdefault(key.field, []).append(tasks)
        elif shape is BlockShape.CASES:
            out.setdefault(key.field, {})[str(key.key)] = tasks
        else:
            out[key.field] = tasks
    return out


@dataclass(frozen=True, slots=True)
class SubWorkflowParam:
    """A SUB_WORKFLOW's ``subWorkflowParam``, read once for every pass.

    ``name`` is a literal name or None (missing, or an expression: decided at run time);
    ``version`` a literal int, None when not given, or a Ref/Template when resolved at run
    time; ``definition`` the raw inline ``workflowDefinition`` when there is one;
    ``present``: the task has a ``subWorkflowParam`` object.
    """

    name: str | None
    name_value: Any
    version: Any
    task_to_domain: Any
    definition: Any
    present: bool

    @property
    def version_is_literal(self) -> bool:
        return isinstance(self.version, int) and not isinstance(self.version, bool)

    @property
    def dynamic(self) -> bool:
        """The name or version is an expression resolved when the task is scheduled."""
        return isinstance(self.name_value, Ref | Template) or isinstance(
            self.version, Ref | Template
        )


def sub_workflow_param(task: Task) -> SubWorkflowParam:
    param = task.fields.get("subWorkflowParam")
    if not isinstance(param, Mapping):
        return SubWorkflowParam(None, None, None, None, None, False)
    name_value = param.get("name")
    name = name_value if isinstance(name_value, str) and "${" not in name_value else None
    return SubWorkflowParam(
        name=name,
        name_value=name_value,
        version=param.get("version"),
        task_to_domain=param.get("taskToDomain"),
        definition=param.get("workflowDefinition"),
        present=True,
    )


def iterates_items(task: Task) -> bool:
    """A DO_WHILE that iterates a list (the newer line: ``items``, or
    ``inputParameters._items``; DoWhile.evaluateItemsList) rather than only a condition."""
    return bool(task.fields.get("items")) or "_items" in task.inputs


def resolved_field_values(task: Task) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every value in a field Conductor resolves at run time, with its field path."""
    for path in RESOLVED_FIELDS.get(task.type, ()):
        value: Any = task.fields
        for key in path:
            if not isinstance(value, Mapping) or key not in value:
                break
            value = value[key]
        else:
            yield path, value


__all__ = [
    "BLOCK_FIELDS",
    "BLOCK_SHAPES",
    "RESOLVED_FIELDS",
    "TASK_TYPES",
    "BlockShape",
    "Flow",
    "SubWorkflowParam",
    "TaskType",
    "block_json",
    "blocks_of",
    "branches",
    "cases",
    "iterates_items",
    "resolved_field_values",
    "sub_workflow_param",
    "task_type",
]
