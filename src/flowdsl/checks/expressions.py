"""Expressions: values Conductor's ParametersUtils would resolve differently than written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from flowdsl.diagnostics import Diagnostic, DollarBeforeReference
from flowdsl.ir.nodes import Ref, Span, Template, Value

if TYPE_CHECKING:
    from flowdsl.checks import CheckContext


def expressions(ctx: CheckContext) -> Iterator[Diagnostic]:
    for wf in ctx.program.workflows:
        for task in wf.walk():
            for key, value in task.inputs.items():
                yield from _dollar(value, task.input_spans.get(key, task.span))
        for key, value in wf.outputs.items():
            yield from _dollar(value, wf.output_spans.get(key, wf.span))


def _dollar(value: Value, span: Span | None) -> Iterator[Diagnostic]:
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, Template):
            for before, after in zip(current.parts, current.parts[1:], strict=False):
                if isinstance(before, str) and before.endswith("$") and isinstance(after, Ref):
                    # ParametersUtils matches ${ only when not preceded by $ (the escape).
                    yield DollarBeforeReference(
                        f"the `$` written right before {after.expression} makes Conductor read "
                        "`$${` as a literal `${`, so the value would never be filled in",
                        after.span or span,
                        hint="put a character between them, or compute the text in a task",
                    )
        elif isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
