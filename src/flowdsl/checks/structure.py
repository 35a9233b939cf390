"""Structure: forks and joins, switches, loops, TERMINATE, and each construct's own fields.

Rules from Conductor's ``WorkflowTaskTypeConstraint`` (core/.../validations/, checked at
registration) and from its mappers (core/.../execution/mapper/, which fail the workflow at
run time: "Fork task definition is not followed by a join task", ...).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from flowdsl.conductor.tasktypes import branches, cases, iterates_items, sub_workflow_param
from flowdsl.diagnostics import (
    Diagnostic,
    EmptyFork,
    ForkWithoutJoin,
    JoinOnMayNotRun,
    JoinOnMismatch,
    MissingConstructField,
    SwitchWithoutCases,
    TaskAfterTerminate,
)
from flowdsl.ir.nodes import BlockKey, Task, Workflow
from flowdsl.ir.scope import CONDITIONAL_TYPES, others_end_workflow

if TYPE_CHECKING:
    from flowdsl.checks import CheckContext

FORKS = frozenset({"FORK_JOIN", "FORK_JOIN_DYNAMIC"})
TERMINATION_STATUSES = frozenset({"COMPLETED", "FAILED", "TERMINATED"})


def _lists(ctx: CheckContext, wf: Workflow) -> Iterator[list[Task]]:
    yield wf.tasks
    for task in ctx.tasks(wf):
        yield from task.blocks.values()


def structure(ctx: CheckContext) -> Iterator[Diagnostic]:
    for wf in ctx.all_workflows():
        for tasks in _lists(ctx, wf):
            yield from _sequence(tasks)
        nested_loops: set[int] = set()  # each nested loop is reported once, in its outermost
        for task in ctx.tasks(wf):
            if task.type in _FIELD_RULES:
                yield from _fields(ctx, task)
            if task.type == "DO_WHILE" and id(task) not in nested_loops:
                for inner in task.blocks.get(BlockKey("loopOver"), []):
                    for nested in inner.walk():
                        if nested.type == "DO_WHILE":
                            nested_loops.add(id(nested))
                            yield MissingConstructField(
                                f"DO_WHILE `{nested.ref}` is nested in DO_WHILE `{task.ref}`; "
                                "Conductor does not support nested loops",
                                nested.span,
                                hint="move the inner loop into a sub-workflow",
                            )


def _sequence(tasks: list[Task]) -> Iterator[Diagnostic]:
    for index, task in enumerate(tasks):
        following = tasks[index + 1] if index + 1 < len(tasks) else None
        if task.type in FORKS:
            if following is None or following.type != "JOIN":
                yield ForkWithoutJoin(
                    f"{task.type} `{task.ref}` is not immediately followed by a JOIN; "
                    "Conductor fails the workflow when it reaches the fork",
                    task.span,
                    hint="add a JOIN task right after it in the same list",
                )
            elif task.type == "FORK_JOIN":
                yield from _join_on(task, following)
        if task.type == "FORK_JOIN":
            fork_branches = branches(task)
            if not fork_branches:
                yield EmptyFork(
                    f"FORK_JOIN `{task.ref}` has no branches; Conductor rejects it",
                    task.span,
                    hint="give forkTasks at least one non-empty branch",
                )
            for number, branch in enumerate(fork_branches):
                if not branch:
                    yield EmptyFork(
                        f"branch {number} of FORK_JOIN `{task.ref}` is empty; Conductor fails "
                        'when it schedules the fork ("Index 0 out of bounds"; as the first '
                        "task, the workflow cannot even start)",
                        task.field_spans.get("forkTasks", task.span),
                        hint="remove the empty branch or give it a task",
                    )
        if task.type == "TERMINATE" and following is not None:
            yield TaskAfterTerminate(
                f"`{following.ref}` follows TERMINATE `{task.ref}` in the same list and never runs",
                following.span,
                hint="remove it, or move the TERMINATE to the end of the list",
            )
        if task.type in ("SWITCH", "DECISION") and not cases(task):
            yield SwitchWithoutCases(
                f"{task.type} `{task.ref}` has no decisionCases; Conductor rejects it",
                task.span,
                hint="add at least one case",
            )


def _join_on(fork: Task, join: Task) -> Iterator[Diagnostic]:
    # What waiting for a branch means: its last task, or, when that is a construct (a SWITCH
    # completes as soon as it picks a case), a task inside it. One pass over the branches
    # and one over joinOn: linear in both.
    full = [branch for branch in branches(fork) if branch]
    tails = [branch[-1].ref for branch in full]
    branch_of: dict[str, int] = {}
    guard_of: dict[str, tuple[Task, BlockKey]] = {}
    for index, branch in enumerate(full):
        for ref, guard in _guards(branch[-1]):
            branch_of.setdefault(ref, index)
            if guard is not None:
                guard_of.setdefault(ref, guard)
    join_on = join.fields.get("joinOn")
    names = [r for r in join_on if isinstance(r, str)] if isinstance(join_on, list) else []
    where = join.field_spans.get("joinOn", join.span)
    covered: set[int] = set()
    for ref in names:
        found = branch_of.get(ref)
        if found is None:
            shown = ", ".join(f"`{t}`" for t in tails[:10]) + (", ..." if len(tails) > 10 else "")
            yield JoinOnMismatch(
                f"JOIN `{join.ref}` waits for `{ref}`, which is not the last task of a branch of "
                f"`{fork.ref}` (those are {shown})",
                where,
                hint="joinOn lists the last task of each branch",
            )
            continue
        covered.add(found)
        guard = guard_of.get(ref)
        if guard is not None:
            switch, case = guard
            yield JoinOnMayNotRun(
                f"JOIN `{join.ref}` waits for `{ref}`, which runs only when {switch.type} "
                f"`{switch.ref}` takes {_case_label(case)}: when it takes another, `{ref}` is "
                "never scheduled and the JOIN stays IN_PROGRESS forever (Join.java waits for "
                "every joinOn task to be terminal)",
                where,
                hint=f"end the branch with a task after `{switch.ref}` (a NOOP) and join on that: "
                "it runs once the chosen case is done (a SWITCH itself completes as soon as it "
                "picks a case, before the case's tasks run)",
            )
    for number, tail in enumerate(tails):
        if number not in covered:
            yield JoinOnMismatch(
                f"JOIN `{join.ref}` does not wait for `{tail}`, the last task of a branch of "
                f"`{fork.ref}`: that branch may still run after the join",
                where,
                hint=f"add `{tail}` to joinOn",
            )


def _case_label(block: BlockKey) -> str:
    return "its default case" if block.key is None else f"case `{block.key}`"


def _guards(tail: Task) -> Iterator[tuple[str, tuple[Task, BlockKey] | None]]:
    """Each task of a branch's last task (itself included) and the outermost SWITCH case
    it runs only in (None when it surely runs), unless every other case ends the workflow."""
    stack: list[tuple[Task, tuple[Task, BlockKey] | None]] = [(tail, None)]
    while stack:
        task, guard = stack.pop()
        yield task.ref, guard
        conditional = task.type in CONDITIONAL_TYPES
        for key, block in task.blocks.items():
            inner = guard
            if inner is None and conditional and not others_end_workflow(task, key):
                inner = (task, key)
            stack.extend((t, inner) for t in reversed(block))


def _has(task: Task, key: str) -> bool:
    value = task.fields.get(key)
    return value is not None and value != ""


# The task types _fields has rules for (issue 11: the others, SIMPLE first, skip it).
_FIELD_RULES = frozenset(
    {
        "EVENT",
        "DECISION",
        "SWITCH",
        "DO_WHILE",
        "DYNAMIC",
        "FORK_JOIN_DYNAMIC",
        "SUB_WORKFLOW",
        "HTTP",
        "KAFKA_PUBLISH",
        "JSON_JQ_TRANSFORM",
        "INLINE",
        "LAMBDA",
        "TERMINATE",
        "WAIT",
    }
)


def _fields(ctx: CheckContext, task: Task) -> Iterator[Diagnostic]:
    missing: list[str] = []
    notes: list[str] = []
    inputs = task.inputs
    definition = ctx.program.task_defs.get(task.name)
    template = definition.fields.get("inputTemplate") if definition is not None else None
    from_template = set(template) if isinstance(template, dict) else set()
    kind = task.type
    # Rules: WorkflowTaskTypeConstraint.java (registration) and the task mappers (run time).
    if kind == "EVENT" and not _has(task, "sink"):
        missing.append("sink")
    elif kind == "DECISION" and not (_has(task, "caseValueParam") or _has(task, "caseExpression")):
        missing.append("caseValueParam or caseExpression")
    elif kind == "SWITCH":
        if not _has(task, "evaluatorType"):
            missing.append("evaluatorType")
        elif not _has(task, "expression"):
            missing.append("expression")
        elif not isinstance(task.fields["expression"], str):
            pass  # not a string: reported by the definitions check (Conductor cannot parse it)
        elif (
            task.fields.get("evaluatorType") == "value-param"
            and task.fields["expression"] not in inputs
        ):
            notes.append(
                f"value-param SWITCH `{task.ref}` switches on input "
                f"`{task.fields['expression']}`, which its inputParameters do not define; "
                "the default case would always run"
            )
    elif kind == "DO_WHILE":
        condition = task.fields.get("loopCondition")
        if condition is None:
            missing.append("loopCondition")  # the validator rejects only null
        elif isinstance(condition, str) and not condition.strip() and not iterates_items(task):
            # DoWhile.evaluateCondition: an empty condition is false without `items`.
            notes.append(
                f"DO_WHILE `{task.ref}` has an empty loopCondition and no items: its body runs "
                "exactly once"
            )
        if not task.blocks.get(BlockKey("loopOver")):
            missing.append("loopOver")
    elif kind == "DYNAMIC":
        param = task.fields.get("dynamicTaskNameParam")
        if not param:
            missing.append("dynamicTaskNameParam")
        elif isinstance(param, str) and param not in inputs:
            notes.append(
                f"DYNAMIC `{task.ref}` takes its task name from input `{param}`, which its "
                "inputParameters do not define"
            )
    elif kind == "FORK_JOIN_DYNAMIC":
        yield from _dynamic_fork(ctx, task)
    elif kind == "SUB_WORKFLOW":
        param = sub_workflow_param(task)
        if not param.present:
            missing.append("subWorkflowParam")
        elif not param.name_value and not param.definition:
            missing.append("subWorkflowParam.name")
    elif kind == "HTTP":
        modern = ctx.target.http_top_level_uri and ("uri" in inputs or "method" in inputs)
        if "http_request" not in inputs and "http_request" not in from_template and not modern:
            missing.append("inputParameters.http_request")
    elif kind == "KAFKA_PUBLISH":
        if "kafka_request" not in inputs and "kafka_request" not in from_template:
            missing.append("inputParameters.kafka_request")
    elif kind == "JSON_JQ_TRANSFORM":
        if "queryExpression" not in inputs and "queryExpression" not in from_template:
            missing.append("inputParameters.queryExpression")
    elif kind == "INLINE":
        if "expression" not in inputs:
            missing.append("inputParameters.expression")
    elif kind == "LAMBDA":
        if "scriptExpression" not in inputs:
            missing.append("inputParameters.scriptExpression")
    elif kind == "TERMINATE":
        status = inputs.get("terminationStatus")
        if not isinstance(status, str) or status not in TERMINATION_STATUSES:
            notes.append(
                f"TERMINATE `{task.ref}` needs inputParameters.terminationStatus written as "
                "COMPLETED, FAILED or TERMINATED (a literal, not an expression)"
            )
        if task.fields.get("optional") is True:
            notes.append(f"TERMINATE `{task.ref}` cannot be optional")
    elif (
        kind == "WAIT"
        and inputs.get("duration") not in (None, "")
        and inputs.get("until")
        not in (
            None,
            "",
        )
    ):
        notes.append(f"WAIT `{task.ref}` has both duration and until; give only one")
    for name in missing:
        yield MissingConstructField(
            f"{kind} `{task.ref}` has no {name}, which the type requires",
            task.span,
            hint=f"set {name}",
        )
    for note in notes:
        yield MissingConstructField(note, task.span)


def _dynamic_fork(ctx: CheckContext, task: Task) -> Iterator[Diagnostic]:
    fields = task.fields
    simple = "forkTaskInputs" in task.inputs
    legacy = _has(task, "dynamicForkJoinTasksParam")
    classic = _has(task, "dynamicForkTasksParam") or _has(task, "dynamicForkTasksInputParamName")
    if legacy and classic:
        yield MissingConstructField(
            f"FORK_JOIN_DYNAMIC `{task.ref}` mixes dynamicForkJoinTasksParam with "
            "dynamicForkTasksParam/dynamicForkTasksInputParamName; Conductor rejects it",
            task.span,
            hint="use one form",
        )
        return
    if legacy:
        return
    if simple and ctx.target.dynamic_fork_inputs_alone:
        return  # forkTaskInputs alone is enough since the 3.21 line
    for name in ("dynamicForkTasksParam", "dynamicForkTasksInputParamName"):
        if not _has(task, name):
            yield MissingConstructField(
                f"FORK_JOIN_DYNAMIC `{task.ref}` has no {name}, which the type requires",
                task.span,
                hint="set dynamicForkTasksParam and dynamicForkTasksInputParamName"
                + (
                    ""
                    if not ctx.target.dynamic_fork_inputs_alone
                    else ", or give inputParameters.forkTaskInputs"
                ),
            )
        elif not simple and isinstance(fields[name], str) and fields[name] not in task.inputs:
            yield MissingConstructField(
                f"FORK_JOIN_DYNAMIC `{task.ref}`: {name} names input `{fields[name]}`, which "
                "its inputParameters do not define",
                task.span,
            )
