"""``@task``: a Conductor SIMPLE task, and its TaskDef, from a typed Python function."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Any, Generic, Literal, ParamSpec, TypeVar, overload

from flowdsl.authoring._location import call_site, keyword_spans
from flowdsl.authoring._options import check_options
from flowdsl.authoring._trace import _current, current_trace
from flowdsl.conductor.models import TaskDef as _ModelTaskDef
from flowdsl.conductor.models import snake_fields
from flowdsl.diagnostics import Diagnostic, UnsupportedValue
from flowdsl.ir.nodes import PathItem, Span, TaskDef
from flowdsl.types import TYPE_LABELS, declared_fields, is_json_type

P = ParamSpec("P")
R = TypeVar("R")

TimeoutPolicy = Literal["RETRY", "TIME_OUT_WF", "ALERT_ONLY"]
RetryLogicName = Literal["FIXED", "EXPONENTIAL_BACKOFF", "LINEAR_BACKOFF"]

# TaskDef fields the decorator derives itself; the rest are policy keyword arguments.
_DERIVED = {"name", "description", "input_keys", "output_keys"}
POLICY_FIELDS: dict[str, str] = {
    k: v for k, v in snake_fields(_ModelTaskDef).items() if k not in _DERIVED
}

_SCALARS = (str, int, float, bool, list, tuple, type(None))


def type_problem(
    keyword: str, value: object, expected: type, span: Span | None
) -> Diagnostic | None:
    """A finding when a decorator or options keyword has a value of the wrong type (a bool is
    not an int here, a str is not a number)."""
    if is_json_type(value, expected):
        return None
    return UnsupportedValue(
        f"`{keyword}` must be {TYPE_LABELS.get(expected, expected.__name__)}, not "
        f"{type(value).__name__} {value!r}",
        span,
    )


def _hints(fn: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(fn)
    except Exception:  # unresolvable forward references: fall back to raw annotations
        return dict(getattr(fn, "__annotations__", {}))


def _outputs(
    return_type: Any,
) -> tuple[tuple[str, ...] | None, dict[str, Any], tuple[PathItem, ...]]:
    """Declared output keys, their types, and the path a call's handle points at.

    A model-like return declares its fields. A scalar or list return is the single key
    ``result``, the key Conductor's Python SDK worker uses for a non-dict return value.
    ``None`` declares no outputs; a missing annotation, ``Any`` or ``dict`` declares none
    that can be checked (None).
    """
    if return_type is inspect.Signature.empty or return_type is Any:
        return None, {}, ()
    if return_type is None or return_type is type(None):
        return (), {}, ()
    fields = declared_fields(return_type)
    if fields is not None:
        return tuple(fields), fields, ()
    origin = typing.get_origin(return_type) or return_type
    if origin in (dict, Mapping) or (isinstance(origin, type) and issubclass(origin, Mapping)):
        return None, {}, ()
    if isinstance(origin, type) and issubclass(origin, _SCALARS):
        return ("result",), {"result": return_type}, ("result",)
    return None, {}, ()


class TaskFunction(Generic[P, R]):
    """A function decorated with ``@task``.

    Called inside a workflow being traced, it records a task and returns a handle to its
    output, typed as the function's return type so editors and mypy see its fields.
    Called anywhere else it runs the function: workers and unit tests use it directly.
    """

    def __init__(
        self,
        fn: Callable[P, R],
        *,
        name: str | None,
        description: str | None,
        policy: dict[str, Any],
        span: Span | None,
    ) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.name = name or fn.__name__
        self.description = description if description is not None else inspect.getdoc(fn)
        self.policy = policy
        self.span = span
        self.signature = inspect.signature(fn)
        # How the tracer binds a call: the names positional arguments go to, and the
        # position of every parameter (inputs are written in the signature's order).
        self.positional: tuple[str, ...] = tuple(
            n
            for n, p in self.signature.parameters.items()
            if p.kind
            in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        )
        self.parameter_order: dict[str, int] = {
            name: i for i, name in enumerate(self.signature.parameters)
        }
        hints = _hints(fn)
        self.input_types = {
            n: hints.get(n, Any)
            for n, p in self.signature.parameters.items()
            if p.kind not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
        }
        self.takes_any_input = any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in self.signature.parameters.values()
        )
        self.return_type = hints.get("return", inspect.Signature.empty)
        self.output_keys, self.output_types, self.output_path = _outputs(self.return_type)
        self.handle_type: Any = (
            self.output_types.get("result", Any) if self.output_path else self.return_type
        )
        self._task_def: TaskDef | None = None
        self.problems = []

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        trace = _current.get()  # current_trace(), without its call
        if trace is None:
            return self.fn(*args, **kwargs)
        return trace.call_task(self, args, kwargs, call_site())  # type: ignore[return-value]

    problems: list[Diagnostic]

    def options(
        self,
        *,
        ref: str | None = None,
        description: str | None = None,
        optional: bool | None = None,
        start_delay: int | None = None,
        retry_count: int | None = None,
        async_complete: bool | None = None,
        rate_limited: bool | None = None,
        task_definition: Mapping[str, Any] | None = None,
    ) -> Callable[P, R]:
        """This task with WorkflowTask settings for one call: its taskReferenceName, ...

        ``retry_count`` here overrides the TaskDef's for this call only, as Conductor does;
        ``task_definition`` is an inline TaskDef (Conductor's field names) used instead of
        the registered one. A bad value is a finding at its keyword when the call is traced.
        """
        given = {
            "ref": ref,
            "description": description,
            "optional": optional,
            "start_delay": start_delay,
            "retry_count": retry_count,
            "async_complete": async_complete,
            "rate_limited": rate_limited,
            "task_definition": task_definition,
        }
        span = call_site()

        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            trace = current_trace()
            if trace is None:
                return self.fn(*args, **kwargs)
            checked = check_options(
                given,
                task_name=self.name,
                span=span,
                spans=keyword_spans(span, innermost=True),
                what=None,
            )
            trace.diagnostics.extend(checked.diagnostics)
            return typing.cast(R, trace.call_task(self, args, kwargs, call_site(), checked))

        return call

    def task_def(self) -> TaskDef:
        """The TaskDef this task declares (before the owner email is filled in)."""
        if self._task_def is None:
            fields: dict[str, Any] = {"name": self.name}
            if self.description:
                fields["description"] = self.description
            fields["inputKeys"] = list(self.input_types)
            if self.output_keys:
                fields["outputKeys"] = list(self.output_keys)
            for key, value in self.policy.items():
                fields[POLICY_FIELDS[key]] = value
            # Conductor's default responseTimeoutSeconds (3600) exceeds any timeoutSeconds
            # below it and is then rejected (TaskTimeoutConstraint): follow timeoutSeconds.
            timeout = self.policy.get("timeout_seconds")
            if (
                "response_timeout_seconds" not in self.policy
                and isinstance(timeout, int)
                and timeout > 0
            ):
                fields["responseTimeoutSeconds"] = timeout
            spans = keyword_spans(self.span)
            self._task_def = TaskDef(
                name=self.name,
                fields=_ordered(fields),
                span=self.span,
                field_spans={
                    POLICY_FIELDS.get(k, k): s for k, s in spans.items() if k in POLICY_FIELDS
                },
                input_keys=None if self.takes_any_input else tuple(self.input_types),
                required_inputs=tuple(
                    n
                    for n, p in self.signature.parameters.items()
                    if p.default is inspect.Parameter.empty and n in self.input_types
                ),
                output_keys=self.output_keys,
                input_types=dict(self.input_types),
                output_types=dict(self.output_types),
                origin=self,
            )
        return self._task_def


def _ordered(fields: dict[str, Any]) -> dict[str, Any]:
    order = {alias: i for i, alias in enumerate(snake_fields(_ModelTaskDef).values())}
    return dict(sorted(fields.items(), key=lambda kv: order.get(kv[0], len(order))))


@overload
def task(fn: Callable[P, R], /) -> TaskFunction[P, R]: ...


@overload
def task(
    *,
    name: str | None = None,
    description: str | None = None,
    owner_email: str | None = None,
    retry_count: int | None = None,
    retry_logic: RetryLogicName | None = None,
    retry_delay_seconds: int | None = None,
    backoff_scale_factor: int | None = None,
    max_retry_delay_seconds: int | None = None,
    backoff_jitter_ms: int | None = None,
    timeout_seconds: int | None = None,
    response_timeout_seconds: int | None = None,
    poll_timeout_seconds: int | None = None,
    total_timeout_seconds: int | None = None,
    timeout_policy: TimeoutPolicy | None = None,
    concurrent_exec_limit: int | None = None,
    rate_limit_per_frequency: int | None = None,
    rate_limit_frequency_in_seconds: int | None = None,
    isolation_group_id: str | None = None,
    execution_name_space: str | None = None,
    base_type: str | None = None,
    input_template: dict[str, Any] | None = None,
    input_schema: dict[str, Any] | None = None,
    output_schema: dict[str, Any] | None = None,
    enforce_schema: bool | None = None,
    runtime_metadata: list[str] | None = None,
    task_status_listener_enabled: bool | None = None,
) -> Callable[[Callable[P, R]], TaskFunction[P, R]]: ...


def task(fn: Callable[..., Any] | None = None, /, **options: Any) -> Any:
    """Declare a Conductor task: ``@task`` or ``@task(name=..., retry_count=..., ...)``.

    The keyword arguments are the TaskDef's fields in snake_case (``retry_count`` for
    ``retryCount``...). They are checked against Conductor's rules when the workflow is
    compiled, so a mistake is reported with its location instead of failing at import.
    """
    span = call_site()
    name = options.pop("name", None)
    description = options.pop("description", None)
    unknown = sorted(set(options) - set(POLICY_FIELDS))
    if unknown:
        raise TypeError(f"task() got unexpected keyword argument(s): {', '.join(unknown)}")
    policy = {k: v for k, v in options.items() if v is not None}
    spans = keyword_spans(span)
    problems: list[Diagnostic] = []
    problems += [
        p
        for key, value in (("name", name), ("description", description))
        if value is not None
        and (p := type_problem(key, value, str, spans.get(key, span))) is not None
    ]
    if problems:
        name = name if isinstance(name, str) else None
        description = description if isinstance(description, str) else None

    def decorate(f: Callable[..., Any]) -> TaskFunction[Any, Any]:
        if isinstance(f, TaskFunction):
            raise TypeError(f"{f.name} is already a task")
        made = TaskFunction(f, name=name, description=description, policy=policy, span=span)
        made.problems = problems
        return made

    return decorate(fn) if fn is not None else decorate
