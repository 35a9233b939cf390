"""IR -> Conductor JSON: WorkflowDef and TaskDef documents, byte-for-byte deterministic.

Documents are what the pydantic models of :mod:`flowdsl.conductor.models` dump: fields with
Conductor's names and in Conductor's declaration order; only what the author set (or flowdsl
derived) is written, never a default the server fills in anyway.

Fast path (issue 11): workflows are written in one pass, in the models' field order, without
pydantic's validate + dump, wherever every value already is exactly what that dump would
produce (plain JSON types, within the models' constraints); anything else (a float the
encoder would print differently, a coercible value, an inline TaskDef, an unknown field)
goes through pydantic as before. The text is encoded by orjson where it produces the same
bytes as ``json.dumps(indent=2, ensure_ascii=False)`` and by ``json`` where it refuses
(lone surrogates, integers beyond 64 bits). tests/test_emit_fast.py holds both paths to
byte equality.
"""

from __future__ import annotations

import json
import math
import types
import typing
from collections.abc import Callable
from enum import Enum
from typing import Any

from pydantic import BaseModel

from flowdsl.conductor.models import TaskDef as _ModelTaskDef
from flowdsl.conductor.models import WorkflowDef as _ModelWorkflowDef
from flowdsl.conductor.models import WorkflowTask as _ModelWorkflowTask
from flowdsl.conductor.tasktypes import block_json
from flowdsl.ir.jsonvalues import escape_literal, literal_value, resolved_value
from flowdsl.ir.nodes import Program, Ref, Task, TaskDef, Template, Workflow

try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - orjson is a dependency; json gives the same bytes
    _orjson = None  # type: ignore[assignment]

# WorkflowDef fields whose strings Conductor resolves as expressions.
_RESOLVED_WORKFLOW_FIELDS = frozenset({"outputParameters"})
# TaskDef.inputTemplate entries join the task input before it is resolved.
_RESOLVED_TASK_DEF_FIELDS = frozenset({"inputTemplate"})


def task_json(task: Task) -> dict[str, Any]:
    data: dict[str, Any] = {"name": task.name, "taskReferenceName": task.ref}
    if task.description:
        data["description"] = task.description
    data["inputParameters"] = resolved_value(task.inputs)
    data["type"] = task.type
    for key, value in task.fields.items():
        data[key] = literal_value(value)
    if task.inline_workflow is not None:
        _add_inline_definition(data, task.inline_workflow, _model_workflow_json)
    if task.blocks:
        data.update(block_json({k: [task_json(t) for t in b] for k, b in task.blocks.items()}))
    return data


def _add_inline_definition(
    data: dict[str, Any], child: Workflow, to_json: Callable[[Workflow], dict[str, Any]]
) -> None:
    """A SUB_WORKFLOW's inline child written into its ``subWorkflowParam`` (both paths)."""
    param = data.get("subWorkflowParam")
    if isinstance(param, dict) and "workflowDefinition" not in param:
        data["subWorkflowParam"] = {**param, "workflowDefinition": to_json(child)}


def workflow_json(workflow: Workflow) -> dict[str, Any]:
    try:
        return _fast_workflow_json(workflow)
    except _NotPlainError:
        return _model_workflow_json(workflow)


def _model_workflow_json(workflow: Workflow) -> dict[str, Any]:
    """The reference path: every value through pydantic's validate + dump."""
    data: dict[str, Any] = {"name": workflow.name}
    if workflow.description:
        data["description"] = workflow.description
    data["version"] = workflow.version
    data["tasks"] = [task_json(t) for t in workflow.tasks]
    data["inputParameters"] = list(workflow.inputs or ())
    data["outputParameters"] = resolved_value(workflow.outputs)
    data["schemaVersion"] = 2
    for key, value in workflow.fields.items():
        data[key] = (
            resolved_value(value) if key in _RESOLVED_WORKFLOW_FIELDS else literal_value(value)
        )
    return _ModelWorkflowDef.model_validate(data).to_json_dict()


def task_def_json(task_def: TaskDef) -> dict[str, Any]:
    data = {
        k: resolved_value(v) if k in _RESOLVED_TASK_DEF_FIELDS else literal_value(v)
        for k, v in task_def.fields.items()
    }
    return _ModelTaskDef.model_validate(data).to_json_dict()


def dumps(document: dict[str, Any]) -> bytes:
    """The canonical text of a document: 2-space indent, UTF-8, one trailing newline.

    A lone surrogate (``"\\ud800"`` read from JSON) has no UTF-8 form; it is written as the
    JSON escape it came from, which Conductor's Jackson reads back to the same string.
    """
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return text.encode("utf-8", errors="backslashreplace")


def _dumps_plain(document: dict[str, Any]) -> bytes:
    """:func:`dumps` of a document the fast path built (no float orjson prints otherwise).

    orjson writes the same bytes as ``json.dumps(indent=2, ensure_ascii=False)`` for such
    documents (escapes, key order, empty containers, non-ASCII as UTF-8) and refuses what
    json would write differently or not at all (lone surrogates, integers beyond 64 bits):
    those go through json.
    """
    if _orjson is not None:
        try:
            return _orjson.dumps(document, option=_orjson.OPT_INDENT_2) + b"\n"
        except TypeError:
            pass
    return dumps(document)


def workflow_path(workflow: Workflow) -> str:
    return f"workflows/{workflow.name}.v{workflow.version}.json"


def task_def_path(task_def: TaskDef) -> str:
    return f"tasks/{task_def.name}.json"


def emit_program(program: Program) -> dict[str, bytes]:
    """Relative output path -> file content, for every workflow and task definition."""
    files: dict[str, bytes] = {}
    _ORDERS.clear()
    for wf in program.workflows:
        try:
            text = _dumps_plain(_fast_workflow_json(wf))
        except _NotPlainError:
            text = dumps(_model_workflow_json(wf))
        files[workflow_path(wf)] = text
    for td in program.task_defs.values():
        files[task_def_path(td)] = dumps(task_def_json(td))
    return dict(sorted(files.items()))


# -- the fast path ------------------------------------------------------------------------


class _NotPlainError(Exception):
    """A value the fast path does not reproduce exactly: emit this document through pydantic."""


def _float_ok(value: float) -> bool:
    # pydantic's JSON mode writes NaN and infinities as null; orjson prints some finite
    # floats differently from repr() (1e-05 as 0.00001): both go the reference way.
    if not math.isfinite(value):
        return False
    return _orjson is None or _orjson.dumps(value) == repr(value).encode()


def _plain(value: Any, resolved: bool) -> Any:
    """An IR value as JSON, as :func:`resolved_value` (``resolved``) or :func:`literal_value`
    make it; raises :class:`_NotPlainError` for anything but exact JSON types (a str or dict
    subclass, a tuple-keyed dict, a set, a NaN...), which pydantic's dump might change."""
    kind = type(value)
    if kind is str:
        return escape_literal(value) if resolved else value
    if kind is dict:
        out: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str:
                raise _NotPlainError
            # The two most common values first, without a call of their own (issue 11).
            if type(item) is Ref:
                out[key] = item.expression
            elif type(item) is str:
                out[key] = escape_literal(item) if resolved else item
            else:
                out[key] = _plain(item, resolved)
        return out
    if kind is Ref:
        return value.expression
    if kind is int or kind is bool or value is None:
        return value
    if kind is list or kind is tuple:
        return [_plain(item, resolved) for item in value]
    if kind is Template:
        return "".join(p.expression if type(p) is Ref else resolved_value(p) for p in value.parts)
    if kind is float and _float_ok(value):
        return value
    raise _NotPlainError


Converter = Callable[[Any], Any]


def _constrained(check: Converter, metadata: list[Any]) -> Converter:
    """``check`` plus the field's ge/le/min_length constraints (failing one is not plain)."""
    bounds: list[Callable[[Any], bool]] = []
    for item in metadata:
        for attr, test in (
            ("ge", lambda v, b: v >= b),
            ("le", lambda v, b: v <= b),
            ("gt", lambda v, b: v > b),
            ("lt", lambda v, b: v < b),
            ("min_length", lambda v, b: len(v) >= b),
            ("max_length", lambda v, b: len(v) <= b),
        ):
            bound = getattr(item, attr, None)
            if bound is not None:
                bounds.append(lambda v, t=test, b=bound: t(v, b))  # type: ignore[misc]
                break
        else:
            return _refuse  # a constraint this path does not know
    if not bounds:
        return check

    def constrained(value: Any) -> Any:
        out = check(value)
        if out is not None and not all(ok(out) for ok in bounds):
            raise _NotPlainError
        return out

    return constrained


def _refuse(value: Any) -> Any:
    raise _NotPlainError


def _exact(kind: type) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) is not kind:
            raise _NotPlainError
        return value

    return convert


def _converter(annotation: Any) -> Converter:
    """What pydantic's validate + JSON dump does to a value of a model field, for the values
    it leaves unchanged; anything else raises :class:`_NotPlainError`."""
    if annotation is Any:
        return lambda value: _plain(value, False)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        by_type = {m: _converter(m) for m in members}
        nullable = len(members) < len(args)
        if not all(m in (str, int, bool) for m in members) and len(members) > 1:
            return _refuse

        def union(value: Any) -> Any:
            if value is None and nullable:
                return None
            if len(members) == 1:
                return by_type[members[0]](value)
            convert = by_type.get(type(value))
            if convert is None:
                raise _NotPlainError
            return convert(value)

        return union
    if annotation in (str, int, bool):
        return _exact(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        values = {member.value for member in annotation}

        def enum(value: Any) -> Any:
            if type(value) is not str or value not in values:
                raise _NotPlainError
            return value

        return enum
    if origin is list:
        item = _converter(args[0]) if args else _converter(Any)

        def sequence(value: Any) -> Any:
            if type(value) is not list:
                raise _NotPlainError
            return [item(v) for v in value]

        return sequence
    if origin is dict:
        entry = _converter(args[1]) if len(args) == 2 else _converter(Any)

        def mapping(value: Any) -> Any:
            if type(value) is not dict:
                raise _NotPlainError
            out: dict[str, Any] = {}
            for key, v in value.items():
                if type(key) is not str:
                    raise _NotPlainError
                out[key] = entry(v)
            return out

        return mapping
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation is _ModelTaskDef:
            return _refuse  # its model validator has rules of its own: the reference path
        return lambda value: _model_dict(annotation, value, ())
    return _refuse


_FIELDS: dict[type[BaseModel], dict[str, tuple[int, Converter]]] = {}


def _fields(model: type[BaseModel]) -> dict[str, tuple[int, Converter]]:
    """JSON name -> (position in Conductor's order, converter), per model."""
    known = _FIELDS.get(model)
    if known is None:
        known = _FIELDS[model] = {}
        for index, (name, info) in enumerate(model.model_fields.items()):
            convert = _constrained(_converter(info.annotation), list(info.metadata))
            known[info.alias or name] = (index, convert)
    return known


def _model_dict(
    model: type[BaseModel], data: Any, done: tuple[str, ...] | frozenset[str]
) -> dict[str, Any]:
    """``model.model_validate(data).to_json_dict()`` for plain data: keys in the model's
    order, each value converted, except those in ``done`` (built by this path already)."""
    if type(data) is not dict:
        raise _NotPlainError
    fields = _fields(model)
    given = tuple(data)
    keys = _ORDERS.get((model, given))
    if keys is None:
        try:
            keys = tuple(sorted(given, key=lambda k: fields[k][0]))
        except KeyError:
            raise _NotPlainError from None  # a field the model lacks (or a snake_case name)
        if len(_ORDERS) >= 4096:
            _ORDERS.clear()
        _ORDERS[(model, given)] = keys
    return {k: data[k] if k in done else fields[k][1](data[k]) for k in keys}


# (model, keys as given) -> the keys in the model's order: a function of the two alone (the
# same few key sets recur on every task of a kind); bounded, cleared with each emit_program.
_ORDERS: dict[tuple[type[BaseModel], tuple[str, ...]], tuple[str, ...]] = {}


_TASK_HEAD = ("name", "taskReferenceName", "description", "inputParameters", "type")
_BLOCK_DONE = frozenset(("decisionCases", "defaultCase", "forkTasks", "loopOver"))


def _fast_task_json(task: Task) -> dict[str, Any]:
    name, ref, kind = task.name, task.ref, task.type
    if type(name) is not str or type(ref) is not str or type(kind) is not str:
        raise _NotPlainError
    if not name or not ref:
        raise _NotPlainError  # min_length=1: pydantic refuses
    data: dict[str, Any] = {"name": name, "taskReferenceName": ref}
    description = task.description
    if description:
        if type(description) is not str:
            raise _NotPlainError
        data["description"] = description
    inputs = _plain(task.inputs, True)
    if type(inputs) is not dict:
        raise _NotPlainError
    data["inputParameters"] = inputs
    data["type"] = kind
    if not task.fields and not task.blocks and task.inline_workflow is None:
        return data  # already in Conductor's order
    rest: dict[str, Any] = {}
    for key, value in task.fields.items():
        rest[key] = literal_value(value)
    if task.inline_workflow is not None:
        _add_inline_definition(rest, task.inline_workflow, _fast_workflow_json)
    done: frozenset[str] = frozenset()
    if task.blocks:
        blocks = block_json({k: [_fast_task_json(t) for t in b] for k, b in task.blocks.items()})
        rest.update(blocks)
        done = _BLOCK_DONE & blocks.keys()
    # As the reference path: a field named like a head key replaces it (and is converted);
    # block lists replace fields of their name, and were built by this path.
    done = done | (frozenset(_TASK_HEAD) - rest.keys())
    return _model_dict(_ModelWorkflowTask, {**data, **rest}, done)


def _fast_workflow_json(workflow: Workflow) -> dict[str, Any]:
    """What :func:`_model_workflow_json` returns, in one pass, or :class:`_NotPlainError`."""
    data: dict[str, Any] = {"name": workflow.name}
    if workflow.description:
        data["description"] = workflow.description
    data["version"] = workflow.version
    tasks = [_fast_task_json(t) for t in workflow.tasks]
    data["tasks"] = tasks
    data["inputParameters"] = list(workflow.inputs or ())
    data["outputParameters"] = _plain(workflow.outputs, True)
    data["schemaVersion"] = 2
    for key, value in workflow.fields.items():
        data[key] = _plain(value, key in _RESOLVED_WORKFLOW_FIELDS)
    # tasks (unless a field replaced them) and the Python-built values are done; the rest
    # is converted and checked against the model.
    done = frozenset(()) if "tasks" in workflow.fields else frozenset(("tasks",))
    if not tasks:
        raise _NotPlainError  # WorkflowDef.tasks: min_length=1
    return _model_dict(_ModelWorkflowDef, data, done)


__all__ = [
    "dumps",
    "emit_program",
    "escape_literal",
    "task_def_json",
    "task_json",
    "workflow_json",
]
