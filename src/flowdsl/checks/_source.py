"""Which front end a definition came from, and what that says about its declarations.

Severity follows consequence. A Python task's signature and return annotation *are* the
worker (flowdsl generates both sides), so reading an output it does not return surely
reads null. A JSON TaskDef's ``inputKeys``/``outputKeys`` and a JSON workflow's
``inputParameters`` are documentation Conductor never enforces (a worker may write any
output key, a start request may pass any input): a contradiction there is a warning that
one side is probably stale.

The JSON reader gives every span a JSON pointer; the tracer gives Python spans none.
"""

from __future__ import annotations

from flowdsl.diagnostics import Severity
from flowdsl.ir.nodes import Span, TaskDef, Workflow


def from_json(definition: Workflow | TaskDef) -> bool:
    """True when the definition was read from Conductor JSON."""
    return _json_span(definition.span)


def _json_span(span: Span | None) -> bool:
    return span is not None and span.pointer is not None


def declaration_level(definition: Workflow | TaskDef) -> Severity | None:
    """The severity of a contradicted declaration of ``definition`` (None: the class's)."""
    return Severity.WARNING if from_json(definition) else None
