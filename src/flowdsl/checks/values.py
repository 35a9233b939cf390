"""Values: fields of definitions written in Python that have no JSON form.

A decorator's keyword arguments (``@task(input_template=...)``, ``@workflow(variables=...)``)
are written into the definitions as given; a set, a NaN, an object, a key that is not a
string, a container holding itself, or an integer too long to print cannot be written as
Conductor JSON. (Values read from JSON files always have a JSON form; IR values made by the
tracer are converted, and checked, when they are recorded.)
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from flowdsl.diagnostics import Diagnostic, UnsupportedValue
from flowdsl.ir.nodes import Ref, Template

if TYPE_CHECKING:
    from flowdsl.checks import CheckContext

_MAX_DEPTH = 200
_HINT = "use JSON values: str, int, float, bool, None, lists and dicts with string keys"


def values(ctx: CheckContext) -> Iterator[Diagnostic]:
    for td in ctx.program.task_defs.values():
        if td.origin is None:
            continue  # read from JSON
        for key, value in td.fields.items():
            problem = json_problem(value)
            if problem:
                where = td.field_spans.get(key, td.span)
                yield UnsupportedValue(
                    f"task definition `{td.name}`: `{key}` {problem}", where, _HINT
                )
    for wf in ctx.program.workflows:
        if wf.span is None or wf.span.pointer is not None:
            continue  # read from JSON
        for key, value in wf.fields.items():
            problem = json_problem(value)
            if problem:
                where = wf.field_spans.get(key, wf.span)
                yield UnsupportedValue(f"workflow `{wf.name}`: `{key}` {problem}", where, _HINT)


def json_problem(value: Any) -> str | None:
    """Why a value has no JSON form (None when it has one)."""
    return _problem(value, set(), 0)


def _problem(value: Any, active: set[int], depth: int) -> str | None:
    if value is None or isinstance(value, bool | str | Ref | Template):
        return None
    if isinstance(value, int):
        if value.bit_length() > 10_000:
            try:
                str(value)
            except ValueError:
                return f"holds an integer of {value.bit_length()} bits, too long to write"
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"holds {value!r}, which JSON has no form for"
    if not isinstance(value, dict | list | tuple):
        return f"holds a value of type {type(value).__name__}, which has no JSON form"
    if depth > _MAX_DEPTH:
        return f"is nested more than {_MAX_DEPTH} levels deep"
    if id(value) in active:
        return f"holds a {type(value).__name__} that contains itself"
    active.add(id(value))
    try:
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    return f"has a key of type {type(key).__name__}; JSON keys are strings"
                found = _problem(item, active, depth + 1)
                if found:
                    return found
        else:
            for item in value:
                found = _problem(item, active, depth + 1)
                if found:
                    return found
    finally:
        active.discard(id(value))
    return None
