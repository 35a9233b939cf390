"""Values: what definitions written in Python hold that has no JSON form.

A decorator's keyword arguments (``@task(input_template=...)``, ``@workflow(variables=...)``)
are written into the definitions as given; a set, a NaN, an object, a key that is not a
string, a container holding itself, or an integer too long to print cannot be written as
Conductor JSON. Nor can text with a lone surrogate (``"\\ud800"`` in a Python string), in a
name, a description, an input or an output. (Definitions read from JSON files always have
a JSON form.)
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from flowdsl.diagnostics import Diagnostic, UnsupportedValue
from flowdsl.ir.nodes import Ref, Template

if TYPE_CHECKING:
    from flowdsl.checks import CheckContext

_MAX_DEPTH = 200
_SURROGATE = re.compile("[\ud800-\udfff]")
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
                    f"task definition `{_shown(td.name)}`: `{key}` {problem}", where, _HINT
                )
    for wf in ctx.program.workflows:
        if wf.span is None or wf.span.pointer is not None:
            continue  # read from JSON
        what = f"workflow `{_shown(wf.name)}`"
        parts: dict[str, Any] = {
            "name": wf.name,
            "description": wf.description,
            "outputParameters": wf.outputs,
            **wf.fields,
        }
        for key, value in parts.items():
            problem = json_problem(value)
            if problem:
                where = wf.field_spans.get(key) or wf.output_spans.get(key) or wf.span
                yield UnsupportedValue(f"{what}: `{key}` {problem}", where, _HINT)
        for task in ctx.tasks(wf):
            own = {
                "name": task.name,
                "taskReferenceName": task.ref,
                "description": task.description,
                "inputParameters": task.inputs,
                **task.fields,
            }
            for key, value in own.items():
                if value is None or (type(value) is str and value.isascii()):
                    continue  # (issue 11) names and most text: nothing to look into
                problem = json_problem(value)
                if problem:
                    where = task.input_spans.get(key) or task.span
                    yield UnsupportedValue(
                        f"{what}, task `{_shown(task.ref)}`: `{key}` {problem}", where, _HINT
                    )


def _shown(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def json_problem(value: Any) -> str | None:
    """Why a value has no JSON form (None when it has one)."""
    return _problem(value, set(), 0)


def _problem(value: Any, active: set[int], depth: int) -> str | None:
    kind = type(value)
    # (issue 11) The common cases first, by exact type: text, a reference, a number.
    if kind is str:
        return None if value.isascii() else _text_problem(value)
    if kind is Ref:
        return _ref_problem(value)
    if value is None or kind is bool:
        return None
    if kind is dict or kind is list:
        return _container_problem(value, active, depth)
    if isinstance(value, str):
        return _text_problem(value)
    if isinstance(value, Ref):
        return _ref_problem(value)
    if isinstance(value, Template):
        for part in value.parts:
            found = _ref_problem(part) if isinstance(part, Ref) else _problem(part, active, depth)
            if found:
                return found
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
    return _container_problem(value, active, depth)


def _container_problem(
    value: dict[Any, Any] | list[Any] | tuple[Any, ...], active: set[int], depth: int
) -> str | None:
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
                if type(key) is not str or not key.isascii():
                    found = _problem(key, active, depth + 1)
                    if found:
                        return found
                kind = type(item)
                if kind is str:
                    found = None if item.isascii() else _text_problem(item)
                elif kind is Ref:
                    found = _ref_problem(item)
                else:
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


def _text_problem(text: str) -> str | None:
    surrogate = _SURROGATE.search(text)
    if surrogate:
        return (
            f"holds text with a lone surrogate (\\u{ord(surrogate.group()):04x}), "
            "which is not Unicode and cannot be written as UTF-8"
        )
    return None


def _ref_problem(ref: Ref) -> str | None:
    """A reference's text: its source, root, path and tail (a path index is an int)."""
    if ref.source.isascii() and (ref.root is None or ref.root.isascii()) and ref.tail.isascii():
        for part in ref.path:
            if type(part) is str:
                if part.isascii():
                    continue
            elif type(part) is int and part.bit_length() <= 10_000:
                continue
            break
        else:
            return None  # (issue 11) ASCII text and small indexes: nothing to find
    for part in (ref.source, ref.root or "", *ref.path, ref.tail):
        found = _problem(part, set(), 0)
        if found:
            return found
    return None
