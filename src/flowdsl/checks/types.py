"""Types: a value's declared type must fit the annotation of the task input it feeds.

Types are known for Python sources only (task signatures, return types, workflow
parameters); JSON carries none, so this check says nothing about it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from flowdsl.diagnostics import Diagnostic, TypeMismatch
from flowdsl.ir.nodes import Ref, Template, Workflow
from flowdsl.types import describe, fits, member_type

if TYPE_CHECKING:
    from flowdsl.checks import CheckContext


def types(ctx: CheckContext) -> Iterator[Diagnostic]:
    for wf in ctx.all_workflows():
        scope = ctx.scope(wf)
        for task in ctx.tasks(wf):
            definition = ctx.program.task_defs.get(task.name)
            if task.type != "SIMPLE" or definition is None or not definition.input_types:
                continue
            for key, value in task.inputs.items():
                expected = definition.input_types.get(key, Any)
                if expected is Any:
                    continue
                produced = _produced(ctx, wf, scope.tasks, value)
                if produced is Any or fits(produced, expected):
                    continue
                shown = _shown(value)
                yield TypeMismatch(
                    f"`{task.name}` input `{key}` expects {describe(expected)}, but {shown} "
                    f"is {describe(produced)}",
                    (value.span if isinstance(value, Ref) else None)
                    or task.input_spans.get(key, task.span),
                    hint="convert it in a task, or fix one of the two annotations",
                )


def _produced(ctx: CheckContext, wf: Workflow, tasks: dict[str, Any], value: Any) -> Any:
    if isinstance(value, Template):
        return str
    if isinstance(value, Ref):
        return _ref_type(ctx, wf, tasks, value)
    if value is None:
        return type(None)
    if isinstance(value, bool | int | float | str):
        return type(value)
    return Any


def _shown(value: Any) -> str:
    """How a finding names the value (worked out only for a finding: issue 11)."""
    if isinstance(value, Template):
        return "the text"
    if isinstance(value, Ref):
        return value.expression
    return "None" if value is None else repr(value)


def _ref_type(ctx: CheckContext, wf: Workflow, tasks: dict[str, Any], ref: Ref) -> Any:
    if ref.tail or ref.nested:
        return Any
    if ref.source == "workflow":
        if ref.root != "input" or not ref.path or not isinstance(ref.path[0], str):
            return Any
        current: Any = wf.input_types.get(ref.path[0], Any)
        rest = ref.path[1:]
    else:
        producer = tasks.get(ref.source)
        if producer is None or ref.root != "output" or not ref.path:
            return Any
        definition = ctx.program.task_defs.get(producer.name)
        if definition is None or producer.type != "SIMPLE" or not isinstance(ref.path[0], str):
            return Any
        current = definition.output_types.get(ref.path[0], Any)
        rest = ref.path[1:]
    for item in rest:
        if current is Any:
            break
        current = member_type(current, item)
    return current
