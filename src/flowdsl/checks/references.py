"""References: every ``${...}`` names something that exists, has run, and declares the key.

Grounded in Conductor's ParametersUtils (core/.../utils/ParametersUtils.java): an expression
is resolved against ``workflow`` (a fixed set of fields) and every task *already scheduled*
in the run, by taskReferenceName; anything else (an unknown name, a task that has not run,
a key nobody produces) silently resolves to null.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from flowdsl.checks._source import from_json
from flowdsl.conductor.tasktypes import resolved_field_values
from flowdsl.diagnostics import (
    Diagnostic,
    LoopScopeViolation,
    MayNotHaveRun,
    ReadBeforeRun,
    ReadFromParallelBranch,
    Severity,
    UndeclaredOutput,
    UnknownReference,
    UnknownWorkflowField,
    UnknownWorkflowInput,
    did_you_mean,
)
from flowdsl.ir.expressions import ENV_NAMES, SPECIAL_WORKFLOW_ROOTS
from flowdsl.ir.nodes import SCALAR_TYPES, Ref, Span, Task, Workflow, iter_refs
from flowdsl.ir.scope import Order, ScopeIndex

if TYPE_CHECKING:
    from flowdsl.checks import CheckContext

# ParametersUtils.getTaskInputV2: the whole `workflow` map.
WORKFLOW_FIELDS = frozenset(
    {
        "input",
        "output",
        "status",
        "workflowId",
        "parentWorkflowId",
        "parentWorkflowTaskId",
        "workflowType",
        "version",
        "correlationId",
        "reasonForIncompletion",
        "schemaVersion",
        "variables",
    }
)
# ...and the map each scheduled task contributes under its ref.
TASK_FIELDS = frozenset(
    {
        "input",
        "output",
        "taskType",
        "status",
        "referenceTaskName",
        "retryCount",
        "correlationId",
        "pollCount",
        "taskDefName",
        "scheduledTime",
        "startTime",
        "endTime",
        "workflowInstanceId",
        "taskId",
        "reasonForIncompletion",
        "callbackAfterSeconds",
        "workerId",
        "iteration",
    }
)


# What Conductor adds to a failure workflow's input, besides the failed workflow's own
# input (WorkflowExecutorOps, when it starts the workflow's failureWorkflow).
FAILURE_WORKFLOW_INPUTS = frozenset(
    {"workflowId", "reason", "failureStatus", "failureTaskId", "failedWorkflow"}
)


def consumers(ctx: CheckContext, wf: Workflow) -> Iterator[tuple[str | None, Ref, Span | None]]:
    """Every reference a workflow resolves: (reading task or None for outputs, ref, span)."""
    for task in ctx.tasks(wf):
        for key, value in task.inputs.items():
            # (issue 11) An input that is one reference, or plain, needs no walk.
            kind = type(value)
            if kind is Ref:
                yield task.ref, value, value.span or task.input_spans.get(key) or task.span
                continue
            if kind in SCALAR_TYPES:
                continue
            for _, ref in iter_refs(value):
                yield task.ref, ref, ref.span or task.input_spans.get(key) or task.span
        if task.fields:
            # Task fields Conductor resolves too (subWorkflowParam.name/version, DO_WHILE
            # items).
            for path, value in resolved_field_values(task):
                for _, ref in iter_refs(value):
                    yield task.ref, ref, ref.span or task.field_spans.get(path[0]) or task.span
    for key_path, ref in iter_refs(wf.outputs):
        head = key_path[0] if key_path else None
        where = ref.span or (wf.output_spans.get(head) if isinstance(head, str) else None)
        yield None, ref, where or wf.span


def _all_refs(ref: Ref) -> Iterator[Ref]:
    yield ref
    for inner in ref.nested:
        yield from _all_refs(inner)


def references(ctx: CheckContext) -> Iterator[Diagnostic]:
    for wf in ctx.all_workflows():
        scope = ctx.scope(wf)
        for consumer, outer, span in consumers(ctx, wf):
            if not outer.nested and _surely_fine(ctx, wf, scope, consumer, outer):
                continue
            for ref in _all_refs(outer) if outer.nested else (outer,):
                yield from _check(ctx, wf, scope, consumer, ref, ref.span or span)


def _surely_fine(
    ctx: CheckContext, wf: Workflow, scope: ScopeIndex, consumer: str | None, ref: Ref
) -> bool:
    """(issue 11) The common case, decided without building messages: a task's output read
    from a task that surely ran before, by a key it declares. Whenever this says True,
    ``_check`` finds nothing: the producer exists, ``output`` is a task field, the order is
    BEFORE (``_order`` reports nothing) and the key is declared or nothing is declared."""
    producer = scope.tasks.get(ref.source)
    if producer is None or ref.root != "output":
        return False
    if scope.relation(producer.ref, consumer).order is not Order.BEFORE:
        return False
    if not ref.path or not isinstance(ref.path[0], str):
        return True
    declared = ctx.declared_outputs(wf, producer)
    return declared is None or _declares(producer, declared, ref.path[0])


def _reader(consumer: str | None) -> str:
    return f"`{consumer}`" if consumer is not None else "the workflow output"


def _check(
    ctx: CheckContext,
    wf: Workflow,
    scope: ScopeIndex,
    consumer: str | None,
    ref: Ref,
    span: Span | None,
) -> Iterator[Diagnostic]:
    reader = _reader(consumer)
    if not ref.source:
        return  # a reference name computed at run time (${${workflow.input.ref}.output})
    if ref.source == "workflow":
        yield from _workflow_ref(ctx, wf, reader, ref, span)
        return
    if ref.root is None and ref.source in ENV_NAMES:
        return
    producer = scope.tasks.get(ref.source)
    if producer is None:
        base, sep, suffix = ref.source.partition("__")
        if sep and suffix.isdigit() and base in scope.tasks and scope.in_loop(base):
            loop = scope.in_loop(base)
            yield LoopScopeViolation(
                f"{reader} reads {ref.expression}, but a loop iteration's ref `{ref.source}` "
                "is not addressable: Conductor registers loop tasks without the `__N` suffix",
                span,
                hint=f"read `${{{base}.output...}}` (the latest iteration) or "
                f"`${{{loop}.output['{suffix}'].{base}...}}` (iteration {suffix})",
            )
            return
        yield UnknownReference(
            f"{reader} reads {ref.expression}, but no task in workflow `{wf.name}` has the "
            f"reference name `{ref.source}`; Conductor resolves it to null",
            span,
            hint=ctx.task_refs(wf).hint(ref.source),
        )
        return
    if ref.root is not None and ref.root not in TASK_FIELDS:
        yield UnknownWorkflowField(
            f"{reader} reads {ref.expression}, but a task has no field `{ref.root}`",
            span,
            hint=did_you_mean(ref.root, TASK_FIELDS) or "use `output`, `input`, `status`, ...",
        )
        return
    yield from _order(scope, consumer, reader, ref, producer, span)
    if ref.root == "output" and ref.path and isinstance(ref.path[0], str):
        key = ref.path[0]
        declared = ctx.declared_outputs(wf, producer)
        if declared is not None and not _declares(producer, declared, key):
            yield _undeclared(ctx, reader, key, producer, declared, span)


def _undeclared(
    ctx: CheckContext,
    reader: str,
    key: str,
    producer: Task,
    declared: frozenset[str],
    span: Span | None,
) -> Diagnostic:
    shown = ", ".join(f"`{k}`" for k in sorted(declared)) or "nothing"
    definition = ctx.program.task_defs.get(producer.name)
    if definition is not None and from_json(definition):
        # TaskDef.outputKeys is documentation: nothing in Conductor checks what a worker
        # writes against it (TaskDef.java; the server accepts any outputData).
        return UndeclaredOutput(
            f"{reader} reads `{key}` from `{producer.ref}`, but task definition "
            f"`{producer.name}` lists only {shown} in outputKeys; Conductor does not enforce "
            "outputKeys, so this works if the worker writes it: one of the two is "
            "probably stale",
            span,
            hint=did_you_mean(key, declared) or f"add `{key}` to outputKeys",
            level=Severity.WARNING,
        )
    return UndeclaredOutput(
        f"{reader} reads `{key}` from `{producer.ref}`, whose task "
        f"`{producer.name}` declares only {shown}",
        span,
        hint=did_you_mean(key, declared),
    )


def _declares(producer: Task, declared: frozenset[str], key: str) -> bool:
    if key in declared:
        return True
    # A DO_WHILE's output also holds one entry per iteration, "1", "2", ...
    return producer.type == "DO_WHILE" and key.isdigit()


def _order(
    scope: ScopeIndex,
    consumer: str | None,
    reader: str,
    ref: Ref,
    producer: Task,
    span: Span | None,
) -> Iterator[Diagnostic]:
    relation = scope.relation(producer.ref, consumer)
    order, via = relation.order, relation.via
    if (
        order is Order.LATER
        and consumer is not None
        and scope.kind(consumer) == "DO_WHILE"
        and (producer.ref == consumer or consumer in scope.enclosing(producer.ref))
    ):
        # A DO_WHILE's inputParameters are resolved again for every loopCondition evaluation
        # (DoWhile.evaluateCondition): reading the loop and its body there is how a condition
        # sees them.
        return
    if order is Order.LATER:
        where = (
            "itself"
            if producer.ref == consumer
            else (
                "a task inside it"
                if consumer in scope.enclosing(producer.ref)
                else "a task that runs later"
            )
        )
        yield ReadBeforeRun(
            f"{reader} reads {ref.expression}, but `{producer.ref}` is {where}: it has not run "
            "when the value is resolved, so Conductor gives null",
            span,
            hint="read it from a task that runs after it",
        )
    elif order is Order.PARALLEL:
        yield ReadFromParallelBranch(
            f"{reader} reads {ref.expression}, which runs in a parallel branch of fork `{via}`",
            span,
            hint="read it after the join, or move the task into the same branch",
        )
    elif order is Order.EXCLUSIVE:
        yield ReadBeforeRun(
            f"{reader} reads {ref.expression}, but `{producer.ref}` is in another case of "
            f"`{via}`: the two never run in the same execution, so Conductor gives null",
            span,
            hint="read it after the switch, or move the task into this case",
        )
    elif order is Order.CONDITIONAL and not (
        consumer is not None and scope.tasks[consumer].generated == "switch-merge"
    ):
        # (flowdsl's switch merge reads every case on purpose and returns the chosen one.)
        yield MayNotHaveRun(
            f"{reader} reads {ref.expression}, but `{producer.ref}` runs only in one case of "
            f"`{via}`; when another case is taken the value is null",
            span,
            hint="give every case a task producing the value, or handle null",
        )


def _workflow_ref(
    ctx: CheckContext, wf: Workflow, reader: str, ref: Ref, span: Span | None
) -> Iterator[Diagnostic]:
    root = ref.root
    if root is None:
        return
    special = SPECIAL_WORKFLOW_ROOTS if ctx.target.workflow_env_and_secrets else frozenset()
    if root in special:
        return
    if root not in WORKFLOW_FIELDS:
        yield UnknownWorkflowField(
            f"{reader} reads {ref.expression}, but Conductor provides no `workflow.{root}`",
            span,
            hint=did_you_mean(root, WORKFLOW_FIELDS | special),
        )
        return
    if root == "variables" and ref.path and isinstance(ref.path[0], str):
        variables = ctx.variables(wf)
        key = ref.path[0]
        if key not in variables:
            shown = ", ".join(f"`{k}`" for k in sorted(variables)) or "none"
            yield UnknownWorkflowField(
                f"{reader} reads workflow variable `{key}`, but workflow `{wf.name}` neither "
                "declares it in `variables` nor sets it with a SET_VARIABLE task (its "
                f"variables: {shown}); Conductor resolves it to null",
                span,
                hint=did_you_mean(key, variables)
                or "declare it with @workflow(variables=...) or set it with flowdsl.set_variable",
            )
        return
    if root == "input" and ref.path and isinstance(ref.path[0], str) and wf.inputs is not None:
        template = wf.fields.get("inputTemplate")
        known = set(wf.inputs) | (set(template) if isinstance(template, dict) else set())
        key = ref.path[0]
        if key in known or key in FAILURE_WORKFLOW_INPUTS or key in ctx.failure_inputs(wf):
            return
        shown = ", ".join(f"`{k}`" for k in wf.inputs) or "none"
        if from_json(wf):
            # WorkflowDef.inputParameters is a list of names nothing checks: a start request
            # may pass any input (StartWorkflowRequest.input is a free map).
            yield UnknownWorkflowInput(
                f"{reader} reads workflow input `{key}`, but workflow `{wf.name}` lists "
                f"the inputs {shown}; Conductor does not enforce inputParameters, so this "
                "works if the start request passes it: the list is probably stale",
                span,
                hint=did_you_mean(key, known) or "add it to the workflow's inputParameters",
                level=Severity.WARNING,
            )
            return
        yield UnknownWorkflowInput(
            f"{reader} reads workflow input `{key}`, but workflow `{wf.name}` declares "
            f"the inputs {shown}",
            span,
            hint=did_you_mean(key, known) or "add it to the workflow's inputParameters",
        )
