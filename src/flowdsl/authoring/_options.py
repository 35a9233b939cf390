"""Per-call WorkflowTask options, shared by ``@task``'s ``.options(...)`` and every system-task
builder, and the strict value checks behind them.

A bad option (``retry_count=True``, ``start_delay="5"``, an unknown inline TaskDef field) is
a finding at the keyword that set it (FD003), never a coercion: Conductor's Jackson would
turn ``true`` into 1 or refuse the whole definition, and neither is what the author wrote.

The options are WorkflowTask fields (common/.../metadata/workflow/WorkflowTask.java):
``optional``, ``startDelay`` (@PositiveOrZero), ``asyncComplete``, ``rateLimited``,
``retryCount`` (overrides the TaskDef's for this task), ``description`` and an inline
``taskDefinition`` (a TaskDef the server uses instead of the registered one; it is not
validated by the server, so flowdsl checks it here against TaskDef's rules).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

from pydantic import ValidationError

from flowdsl.authoring._values import Handle
from flowdsl.conductor.models import TaskDef as _ModelTaskDef
from flowdsl.conductor.models import snake_fields
from flowdsl.diagnostics import BadTaskArguments, Diagnostic, UnsupportedValue, did_you_mean
from flowdsl.ir.nodes import Span
from flowdsl.types import is_json_type as _is
from flowdsl.types import shown as _shown
from flowdsl.types import type_problem as _type_problem


class TaskOptions(TypedDict, total=False):
    """The per-call options every task call takes (all optional).

    ``ref`` is the taskReferenceName, ``task_definition`` an inline TaskDef (its Conductor
    field names, camelCase or snake_case); the rest are the WorkflowTask fields of the same
    name in snake_case.
    """

    ref: str
    description: str
    optional: bool
    start_delay: int
    async_complete: bool
    rate_limited: bool
    retry_count: int
    task_definition: Mapping[str, Any]


# Option -> (WorkflowTask JSON field, Python type, what the value must be)
_SIMPLE_OPTIONS: dict[str, tuple[str, type, str]] = {
    "optional": ("optional", bool, "True or False"),
    "start_delay": ("startDelay", int, "a number of seconds >= 0"),
    "async_complete": ("asyncComplete", bool, "True or False"),
    "rate_limited": ("rateLimited", bool, "True or False"),
    "retry_count": ("retryCount", int, "a retry count >= 0"),
}
OPTION_NAMES: tuple[str, ...] = tuple(TaskOptions.__annotations__)


@dataclass
class CheckedOptions:
    """Options as WorkflowTask fields, with what was wrong with them."""

    ref: str | None = None
    description: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    field_spans: dict[str, Span] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def check_options(
    options: Mapping[str, Any],
    *,
    task_name: str,
    span: Span | None,
    spans: Mapping[str, Span],
    what: str | None,
) -> CheckedOptions:
    """Validate per-call options strictly; ``spans`` gives each keyword's location and
    ``what`` (e.g. ``"http()"``) prefixes the messages. A value of the wrong type is
    FD003 (as for the decorators' keywords), an option that does not exist FD002."""
    out = CheckedOptions()

    def bad(
        key: str,
        message: str,
        hint: str | None = None,
        kind: type[Diagnostic] = UnsupportedValue,
    ) -> None:
        text = f"{what}: {message}" if what else message
        out.diagnostics.append(kind(text, spans.get(key, span), hint))

    for key, value in options.items():
        if value is None:
            continue
        if key == "ref":
            if not isinstance(value, str):  # an ill-formed name is the names check's
                bad(key, f"`ref` must be a string, not {_shown(value)}")
            else:
                out.ref = value
        elif key == "description":
            if not isinstance(value, str):
                bad(key, f"`description` must be a string, not {_shown(value)}")
            else:
                out.description = value
        elif key in _SIMPLE_OPTIONS:
            json_name, kind, expected = _SIMPLE_OPTIONS[key]
            # The type is checked here; ranges by the definitions check (WorkflowTask's
            # constraints, reported at the field for Python and JSON alike).
            if not _is(value, kind):
                bad(key, f"`{key}` must be {expected}, not {_shown(value)}")
            else:
                out.fields[json_name] = value
                if key in spans:
                    out.field_spans[json_name] = spans[key]
        elif key == "task_definition":
            definition, problems = check_task_definition(value, task_name)
            for problem in problems:
                bad(key, problem)
            if definition is not None and not problems:
                out.fields["taskDefinition"] = definition
                if key in spans:
                    out.field_spans["taskDefinition"] = spans[key]
        else:
            bad(
                key,
                f"unknown option `{key}`",
                did_you_mean(key, OPTION_NAMES)
                or "the options are " + ", ".join(f"`{n}`" for n in OPTION_NAMES),
                BadTaskArguments,
            )
    return out


_TASK_DEF_SNAKE = snake_fields(_ModelTaskDef)
_TASK_DEF_JSON = {v: k for k, v in _TASK_DEF_SNAKE.items()}


def check_task_definition(value: object, task_name: str) -> tuple[dict[str, Any] | None, list[str]]:
    """An inline TaskDef as Conductor JSON (field names camelCase), and its problems.

    Keys may be Conductor's names or their snake_case forms. ``name`` defaults to the task's
    name. Values must have the field's JSON type exactly, then meet TaskDef's constraints
    (``@Min``, TaskTimeoutConstraint) as the registration of a TaskDef would check them.
    """
    if not isinstance(value, Mapping):
        return None, [f"`task_definition` must be a dict of TaskDef fields, not {_shown(value)}"]
    problems: list[str] = []
    data: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            problems.append(f"task_definition key {key!r} is not a string")
            continue
        json_name = _TASK_DEF_SNAKE.get(key, key)
        if json_name not in _TASK_DEF_JSON:
            hint = did_you_mean(key, [*_TASK_DEF_JSON, *_TASK_DEF_SNAKE])
            problems.append(f"`{key}` is not a TaskDef field" + (f" ({hint})" if hint else ""))
            continue
        annotation = _ModelTaskDef.model_fields[_TASK_DEF_JSON[json_name]].annotation
        problem = type_problem(item, annotation)
        if problem is not None:
            problems.append(f"task_definition `{key}`: {problem}")
            continue
        data[json_name] = item
    data.setdefault("name", task_name)
    if problems:
        return None, problems
    try:
        _ModelTaskDef.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "definition"
            problems.append(f"task_definition `{where}`: {err['msg']}")
        return None, problems
    order = list(_TASK_DEF_JSON)
    return dict(sorted(data.items(), key=lambda kv: order.index(kv[0]))), []


def type_problem(value: object, annotation: Any) -> str | None:
    """:func:`flowdsl.types.type_problem` for traced values: a runtime value (a handle) is
    not a literal."""
    return _type_problem(value, annotation, lambda v: isinstance(v, Handle))
