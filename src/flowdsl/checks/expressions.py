"""Expressions: values Conductor's ParametersUtils would resolve differently than written."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from flowdsl.checks.references import TASK_FIELDS, WORKFLOW_FIELDS
from flowdsl.diagnostics import Diagnostic, DollarBeforeReference, ReferenceLookalike
from flowdsl.ir.nodes import SCALAR_TYPES, Ref, Span, Task, Template, Value

if TYPE_CHECKING:
    from flowdsl.checks import CheckContext


# (issue 11) Values neither pass looks into: a reference, a number, and (for the dollar
# pass) any plain text; most inputs are one of these.
_PLAIN = SCALAR_TYPES | {Ref}


def expressions(ctx: CheckContext) -> Iterator[Diagnostic]:
    for wf in ctx.program.workflows:
        for task in ctx.tasks(wf):
            for key, value in task.inputs.items():
                if type(value) not in _PLAIN:
                    yield from _dollar(value, task.input_spans.get(key, task.span))
        for key, value in wf.outputs.items():
            yield from _dollar(value, wf.output_spans.get(key, wf.span))
    for wf in ctx.all_workflows():
        refs = ctx.scope(wf).tasks
        for task in ctx.tasks(wf):
            for key, value in task.inputs.items():
                if type(value) in _PLAIN and not (type(value) is str and "$" in value):
                    continue
                yield from _lookalikes(value, refs, task.input_spans.get(key, task.span))
        for key, value in wf.outputs.items():
            yield from _lookalikes(value, refs, wf.output_spans.get(key, wf.span))


# Text that reads like a reference but that ParametersUtils does not match (it matches
# `${` not preceded by `$` only): checked on the 3.32.3 server, each reaches the worker as
# the literal text. The name must be `workflow` or a task of the workflow, and the field
# one of theirs, so shell variables and JavaScript stay out.
_LOOKALIKE = re.compile(
    r"(?P<brace>\{\$)(?P<a>[A-Za-z_][\w-]*)\.(?P<af>[A-Za-z_]\w*)[^{}\s]*\}"
    r"|(?P<paren>\$\()\s*(?P<b>[A-Za-z_][\w-]*)\.(?P<bf>[A-Za-z_]\w*)[^()\s]*\)"
    r"|(?<![\w${])(?P<bare>\$)(?P<c>[A-Za-z_][\w-]*)\.(?P<cf>[A-Za-z_]\w*)(?:[.\[][\w.\[\]'-]*)?"
)


def _lookalikes(value: Value, refs: dict[str, Task], span: Span | None) -> Iterator[Diagnostic]:
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            if "$" in current:
                yield from _lookalike_text(current, refs, span)
        elif isinstance(current, Template):
            for part in current.parts:
                if isinstance(part, str) and "$" in part:
                    yield from _lookalike_text(part, refs, span)
        elif isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def _lookalike_text(text: str, refs: dict[str, Task], span: Span | None) -> Iterator[Diagnostic]:
    for match in _LOOKALIKE.finditer(text):
        name = match.group("a") or match.group("b") or match.group("c")
        field = match.group("af") or match.group("bf") or match.group("cf")
        if name == "workflow":
            if field not in WORKFLOW_FIELDS:
                continue
        elif name not in refs or field not in TASK_FIELDS:
            continue
        written = match.group()
        path = written.strip("{}()$ ")
        yield ReferenceLookalike(
            f"`{written}` looks like a reference but is not one: Conductor resolves only "
            f"`${{...}}`, so the worker receives the literal text `{written}`",
            span,
            hint=f"write `${{{path}}}`",
        )


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
