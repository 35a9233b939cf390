"""Definitions: WorkflowDef, WorkflowTask and TaskDef fields Conductor's server rejects, or
that the target version does not know, and the ownerEmail it requires.

The rules themselves live in the pydantic models of :mod:`flowdsl.conductor.models`
(from Conductor's ``common/.../metadata`` classes and ``constraints/``); this pass turns
their validation errors into findings placed on the field that is wrong.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, ValidationError, create_model

from flowdsl.checks._source import from_json
from flowdsl.conductor.models import TaskDef as _ModelTaskDef
from flowdsl.conductor.models import WorkflowDef as _ModelWorkflowDef
from flowdsl.conductor.models import WorkflowTask as _ModelWorkflowTask
from flowdsl.conductor.models import snake_fields
from flowdsl.conductor.targets import ALL_TASK_TYPES, AUDITABLE_FIELDS
from flowdsl.diagnostics import (
    Diagnostic,
    FieldNotInTarget,
    FieldValueInvalid,
    MissingOwnerEmail,
    ResponseTimeoutExceedsTimeout,
    TaskDefBadValue,
    TaskDefValueOutOfRange,
    TaskTypeNotInTarget,
    TimeoutExceedsTotalTimeout,
    UnknownTaskType,
    did_you_mean,
)
from flowdsl.ir.jsonvalues import literal_value
from flowdsl.ir.nodes import SCALAR_TYPES, Span, TaskDef, Workflow
from flowdsl.types import TYPE_LABELS, is_json_type, strip_optional

if TYPE_CHECKING:
    from flowdsl.checks import CheckContext

# The header of a workflow or task: the same rules without the nested task lists, which
# are checked task by task.
_WorkflowDefHeader: type[BaseModel] = create_model(
    "WorkflowDefHeader",
    __base__=_ModelWorkflowDef,
    tasks=(list[Any], Field(default_factory=list)),
)
_WorkflowTaskHeader: type[BaseModel] = create_model(
    "WorkflowTaskHeader",
    __base__=_ModelWorkflowTask,
    # WorkflowTask.taskDefinition is not @Valid: the server never validates an inline TaskDef.
    task_definition=(dict[str, Any] | None, None),
    decision_cases=(dict[str, Any], Field(default_factory=dict)),
    default_case=(list[Any], Field(default_factory=list)),
    fork_tasks=(list[Any], Field(default_factory=list)),
    loop_over=(list[Any], Field(default_factory=list)),
)

_RANGE_ERRORS = {
    "greater_than_equal": ">=",
    "greater_than": ">",
    "less_than_equal": "<=",
    "less_than": "<",
}
_OWNER_HINT = (
    "set owner_email in [tool.flowdsl] of pyproject.toml, pass --owner-email, "
    "or give it to the decorator (owner_email=...)"
)


def _python_names(model: type[BaseModel]) -> dict[str, str]:
    return {alias: name for name, alias in snake_fields(model).items()}


def _label(field: str, python: dict[str, str] | None) -> str:
    if python and field in python and python[field] != field:
        return f"`{python[field]}` ({field})"
    return f"`{field}`"


def _errors(
    model: type[BaseModel], data: Mapping[str, Any], strict: bool = False
) -> list[tuple[str | None, str, str, Any, dict[str, Any]]]:
    """(field, error type, message, input, context) for each validation error.

    ``strict`` for definitions written in Python: ``retry_count=True`` or
    ``timeout_seconds="30"`` is a mistake there, where JSON read by Conductor's Jackson
    would be coerced.
    """
    out: list[tuple[str | None, str, str, Any, dict[str, Any]]] = []
    if strict:
        out.extend(_strict_errors(model, data))
    reported = {field for field, *_ in out}
    try:
        model.model_validate({k: v for k, v in data.items() if k not in reported})
    except ValidationError as exc:
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else None
            if field in reported:
                continue
            out.append(
                (field, err["type"], err["msg"], err.get("input"), dict(err.get("ctx") or {}))
            )
    return out


# The field types lax validation would coerce into (a float field takes an int as JSON does).
_STRICT = {kind: TYPE_LABELS[kind] for kind in (int, bool, str)}


def _strict_errors(
    model: type[BaseModel], data: Mapping[str, Any]
) -> Iterator[tuple[str | None, str, str, Any, dict[str, Any]]]:
    """Values pydantic's lax mode would coerce: a bool or a numeric string for an integer, a
    number for a bool or a string. (Enum fields still take their names as strings.)"""
    strict_kinds = _strict_kinds(model)
    for key, value in data.items():
        strict = strict_kinds.get(key)
        if strict is None or value is None:
            continue
        kind, label = strict
        if not is_json_type(value, kind):
            yield (key, "strict", f"must be {label}, not {value!r}", value, {})


@functools.cache
def _strict_kinds(model: type[BaseModel]) -> dict[str, tuple[type, str]]:
    """JSON field name -> (the one type it takes, its label), for the fields _STRICT covers.

    (issue 11) Computed once per model: it was worked out again for every task.
    """
    out: dict[str, tuple[type, str]] = {}
    for name, info in model.model_fields.items():
        kind = strip_optional(info.annotation)
        if kind in _STRICT:
            out[info.alias or name] = (kind, _STRICT[kind])
    return out


def _problem(label: str, kind: str, msg: str, value: Any, info: dict[str, Any]) -> str:
    """A pydantic error as a sentence about the Conductor field."""
    if kind in _RANGE_ERRORS:
        bound = next(iter(info.values()), None)
        return f"{label} is {_shown(value)}, but Conductor requires {_RANGE_ERRORS[kind]} {bound}"
    if kind in ("enum", "literal_error") and "expected" in info:
        return f"{label} is {_shown(value)}, but Conductor accepts only {info['expected']}"
    return f"{label}: {msg}"


def _shown(value: Any) -> str:
    """A value in a message: its repr, shortened; an integer too long to print, its size."""
    try:
        text = repr(value)
    except ValueError:  # an int with more digits than Python converts
        return f"an integer of {value.bit_length()} bits" if isinstance(value, int) else "?"
    return text if len(text) <= 80 else text[:77] + "..."


def _span(field: str | None, spans: Mapping[str, Span], default: Span | None) -> Span | None:
    return spans.get(field, default) if field else default


def task_definitions(ctx: CheckContext) -> Iterator[Diagnostic]:
    for td in ctx.program.task_defs.values():
        yield from _task_def(td, ctx)


def _task_def(td: TaskDef, ctx: CheckContext) -> Iterator[Diagnostic]:
    python = _python_names(_ModelTaskDef) if td.origin is not None else None
    known = ctx.target.task_def_fields
    for name in td.fields:
        if name not in known and name not in AUDITABLE_FIELDS:
            in_model = name in python_aliases(_ModelTaskDef)
            yield FieldNotInTarget(
                f"task definition `{td.name}`: {_label(name, python)} is not a TaskDef field "
                f"of Conductor {ctx.target}; the server would silently drop it",
                _span(name, td.field_spans, td.span),
                hint=("it needs a newer target" if in_model else did_you_mean(name, known)),
            )
    data = {k: v for k, v in td.fields.items() if k in known}
    for field_name, kind, msg, value, info in _errors(
        _ModelTaskDef, data, strict=td.origin is not None
    ):
        where = _span(field_name, td.field_spans, td.span)
        if kind == "FD401":
            yield ResponseTimeoutExceedsTimeout(
                f"task definition `{td.name}`: {msg}",
                td.field_spans.get("responseTimeoutSeconds", where),
                hint="make responseTimeoutSeconds at most timeoutSeconds",
            )
        elif kind == "FD402":
            yield TimeoutExceedsTotalTimeout(
                f"task definition `{td.name}`: {msg}",
                td.field_spans.get("timeoutSeconds", where),
                hint="make timeoutSeconds at most totalTimeoutSeconds",
            )
        elif kind in _RANGE_ERRORS and field_name is not None:
            yield TaskDefValueOutOfRange(
                f"task definition `{td.name}`: "
                + _problem(_label(field_name, python), kind, msg, value, info),
                where,
            )
        elif kind == "too_short" and field_name == "name":
            yield TaskDefBadValue("task definition name is empty; Conductor requires one", where)
        else:
            label = _label(field_name, python) if field_name else "the definition"
            yield TaskDefBadValue(
                f"task definition `{td.name}`: " + _problem(label, kind, msg, value, info), where
            )
    total = td.fields.get("totalTimeoutSeconds")
    if ctx.target.total_timeout_non_negative and isinstance(total, int) and total < 0:
        # TaskDef.totalTimeoutSeconds is @Min(0) in the newer line.
        yield TaskDefValueOutOfRange(
            f"task definition `{td.name}`: {_label('totalTimeoutSeconds', python)} is {total}, "
            "but Conductor requires >= 0",
            _span("totalTimeoutSeconds", td.field_spans, td.span),
        )
    if not td.fields.get("ownerEmail") and _owner_email_needed(ctx, td):
        yield MissingOwnerEmail(
            f"task definition `{td.name}` has no ownerEmail, " + _owner_reason(td),
            td.span,
            hint=_owner_hint(td),
        )


def _owner_email_needed(ctx: CheckContext, definition: TaskDef | Workflow) -> bool:
    # OwnerEmailMandatoryConstraint rejects a definition without ownerEmail only when the
    # server's conductor.app.ownerEmailMandatory is on (MetadataServiceImpl sets it from
    # ConductorProperties); the 3.32.3 jar's application.properties turns it off. compile
    # writes an ownerEmail whatever the server, so Python definitions always need one.
    return ctx.owner_email_required or not from_json(definition)


def _owner_reason(definition: TaskDef | Workflow) -> str:
    if from_json(definition):
        return (
            "which the server rejects at registration (owner_email_required = true in "
            "[tool.flowdsl]: the server runs with conductor.app.ownerEmailMandatory=true)"
        )
    return (
        "which `flowdsl compile` writes into every definition so that it registers on any "
        "server (conductor.app.ownerEmailMandatory)"
    )


def _owner_hint(definition: TaskDef | Workflow) -> str:
    if from_json(definition):
        return 'add "ownerEmail", or set owner_email_required = false in [tool.flowdsl]'
    return _OWNER_HINT


def python_aliases(model: type[BaseModel]) -> set[str]:
    return set(snake_fields(model).values())


# Stands for a task's name and taskReferenceName in its validated header: any non-empty text
# validates the same (WorkflowTask's two @NotEmpty strings, and no model validator).
_PLACEHOLDER = "-"
_Error = tuple[str | None, str, str, Any, dict[str, Any]]


class _HeaderErrors:
    """``_errors`` on WorkflowTask headers, remembered for headers of scalar values.

    (issue 11) Validation depends only on the header's values, and pydantic validates each
    field on its own (the header model has no model validator): two headers with the same
    fields, values and value types (``1`` is not ``True``) get the same errors. Remembered
    for one run of the checks only.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[object, ...], list[_Error]] = {}

    def errors(self, data: dict[str, Any], strict: bool) -> list[_Error]:
        values = tuple(data.values())
        kinds = tuple(map(type, values))
        if not SCALAR_TYPES.issuperset(kinds):
            return _errors(_WorkflowTaskHeader, data, strict)
        key = (strict, tuple(data), values, kinds)
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = _errors(_WorkflowTaskHeader, data, strict)
        return found


def workflow_definitions(ctx: CheckContext) -> Iterator[Diagnostic]:
    target = ctx.target
    headers = _HeaderErrors()
    for wf in ctx.program.workflows:
        python = _python_names(_ModelWorkflowDef) if wf.span and wf.span.pointer is None else None
        header: dict[str, Any] = {
            "name": wf.name,
            "version": wf.version,
            "schemaVersion": 2,
            **wf.fields,
        }
        for field in wf.fields:
            if field not in target.workflow_def_fields and field not in AUDITABLE_FIELDS:
                yield FieldNotInTarget(
                    f"workflow `{wf.name}`: {_label(field, python)} is not a WorkflowDef field "
                    f"of Conductor {target}; the server would silently drop it",
                    _span(field, wf.field_spans, wf.span),
                    hint=(
                        "it needs a newer target"
                        if field in python_aliases(_ModelWorkflowDef)
                        else did_you_mean(field, target.workflow_def_fields)
                    ),
                )
        data = {k: v for k, v in header.items() if k in target.workflow_def_fields}
        strict = wf.source == "python"
        for field_name, kind, msg, value, info in _errors(_WorkflowDefHeader, data, strict):
            if field_name == "name":
                continue  # reported by the names check
            label = _label(field_name, python) if field_name else "definition"
            yield FieldValueInvalid(
                f"workflow `{wf.name}`: " + _problem(label, kind, msg, value, info),
                _span(field_name, wf.field_spans, wf.span),
            )
        if not wf.fields.get("ownerEmail") and _owner_email_needed(ctx, wf):
            yield MissingOwnerEmail(
                f"workflow `{wf.name}` has no ownerEmail, " + _owner_reason(wf),
                wf.span,
                hint=_owner_hint(wf),
            )
        for task in ctx.tasks(wf):
            if task.type not in target.task_types:
                if task.type in ALL_TASK_TYPES:
                    yield TaskTypeNotInTarget(
                        f"task `{task.ref}`: type `{task.type}` is not a task type of Conductor "
                        f"{target}",
                        task.span,
                        hint="it needs a newer target",
                    )
                else:
                    # TaskType.of: an unknown string runs through the USER_DEFINED mapper.
                    yield UnknownTaskType(
                        f"task `{task.ref}` has type `{task.type}`, which Conductor does not "
                        "know; it runs it as a user-defined task, which needs a registered "
                        f"task definition named `{task.name}`",
                        task.field_spans.get("type", task.span),
                        hint=did_you_mean(task.type, target.task_types)
                        or "use SIMPLE for a worker task",
                    )
            for name in task.fields:
                if name not in target.workflow_task_fields:
                    yield FieldNotInTarget(
                        f"task `{task.ref}`: `{name}` is not a WorkflowTask field of "
                        f"Conductor {target}; the server would silently drop it",
                        task.field_spans.get(name, task.span),
                        hint=(
                            "it needs a newer target"
                            if name in python_aliases(_ModelWorkflowTask)
                            else did_you_mean(name, target.workflow_task_fields)
                        ),
                    )
            # The names check reports name and taskReferenceName; validated here as a
            # placeholder, the rest of a header is often the same from task to task.
            data = {
                "name": _PLACEHOLDER,
                "taskReferenceName": _PLACEHOLDER,
                "type": task.type,
                **{
                    k: literal_value(v)
                    for k, v in task.fields.items()
                    if k in target.workflow_task_fields
                },
            }
            for field_name, kind, msg, value, info in headers.errors(data, strict):
                yield FieldValueInvalid(
                    f"task `{task.ref}`: " + _problem(f"`{field_name}`", kind, msg, value, info),
                    task.field_spans.get(field_name or "", task.span),
                )
