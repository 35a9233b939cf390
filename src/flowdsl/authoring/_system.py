"""System tasks: one typed builder per task type the Conductor server runs itself.

Each builder records one WorkflowTask through :meth:`Trace.record` and returns a handle typed
by a model of the outputs the server's executor really writes, so ``http(...).response.body``
and ``inline(...).result`` type-check and a misspelt read is a mypy error. Every builder takes
the per-call options (:class:`flowdsl.authoring._options.TaskOptions`) as keywords. A bad
argument is a finding at the user's line, never a coercion or a traceback.

Shapes and outputs, checked against conductor-oss/conductor at the 3.32.3 release:

* HTTP: ``http-task/.../HttpTask.java`` (``http_request`` input, ``HttpTask.Input``'s fields;
  output ``response`` = ``{body, headers, statusCode, reasonPhrase}``);
* INLINE: ``core/.../execution/tasks/Inline.java`` (``evaluatorType``, ``expression``; output
  ``result``, or ``error`` when the script fails);
* JSON_JQ_TRANSFORM: ``json-jq-task/.../JsonJqTransform.java`` (``queryExpression``; output
  ``result`` = the first result, ``resultList`` = all of them);
* SET_VARIABLE: ``tasks/SetVariable.java`` (every input key becomes a workflow variable);
* TERMINATE: ``tasks/Terminate.java`` (``terminationStatus``, ``terminationReason``,
  ``workflowOutput``);
* WAIT: ``mapper/WaitTaskMapper.java`` and ``core/.../utils/DateTimeUtils.java`` (``duration``
  or ``until``; neither: wait until updated);
* HUMAN: ``tasks/Human.java`` (stays IN_PROGRESS until updated through the task API);
* EVENT: ``tasks/Event.java`` and ``mapper/EventTaskMapper.java`` (``sink``; output = the input
  plus ``workflowInstanceId``, ``workflowType``, ``workflowVersion``, ``correlationId``,
  ``taskToDomain``, ``event_produced``);
* START_WORKFLOW: ``tasks/StartWorkflow.java`` (``startWorkflow`` = a StartWorkflowRequest;
  output ``workflowId``);
* KAFKA_PUBLISH: ``kafka/.../KafkaPublishTask.java`` (``kafka_request`` = its ``Input``);
* NOOP: ``tasks/Noop.java``;
* DYNAMIC: ``mapper/DynamicTaskMapper.java`` (``dynamicTaskNameParam`` names the input holding
  the task name; the named task needs a TaskDef).

Whether the target server has the type is checked with the rest of the definition (the
definitions check reports a type the target lacks, naming the target, at the call's line).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import inspect
import re
import types
import typing
from collections.abc import Mapping
from typing import Any, Generic, Literal, TypeVar, Unpack, overload

from pydantic import BaseModel

from flowdsl.authoring._location import call_site, keyword_spans
from flowdsl.authoring._options import TaskOptions, check_options, type_problem
from flowdsl.authoring._task import TaskFunction, _hints
from flowdsl.authoring._trace import Trace, current_trace
from flowdsl.authoring._values import TOKEN_OPEN, Handle, is_runtime
from flowdsl.authoring._workflow import Inputs, WorkflowFunction
from flowdsl.diagnostics import BadTaskArguments, Diagnostic, UnsupportedValue, did_you_mean
from flowdsl.ir.nodes import PathItem, Ref, Span
from flowdsl.types import declared_fields

B = TypeVar("B")
T = TypeVar("T")
V = TypeVar("V")

# -- output models ----------------------------------------------------------------------------


class HttpResponse(Generic[B]):
    """``HttpTask.HttpResponse.asMap()`` for a 2xx answer: ``body`` is the parsed JSON (a
    top-level number becomes a float) or the text, typed by ``http(..., body_type=...)``;
    ``headers`` maps each header to its values. Any other answer (or no answer) fails the
    task, and ``response`` is then the error's text, so these keys read null.

    Like every output type here, it types a handle; it is never instantiated.
    """

    body: B
    headers: dict[str, list[str]]
    statusCode: int
    reasonPhrase: str


class HttpOutput(Generic[B]):
    """An HTTP task's output."""

    response: HttpResponse[B]


def _runtime_type(annotation: Any, bindings: Mapping[Any, Any] | None = None) -> Any:
    """The runtime annotation of a handle typed by one of the generic output classes here
    (``HttpOutput[Page]``): a dataclass with the type variables replaced, which is what
    member types are read from while tracing. The classes themselves only type handles."""
    bound = dict(bindings or {})
    if isinstance(annotation, TypeVar):
        return bound.get(annotation, Any)
    origin = typing.get_origin(annotation) or annotation
    args = tuple(_runtime_type(a, bound) for a in typing.get_args(annotation))
    if origin in _GENERIC_OUTPUTS:
        params = getattr(origin, "__parameters__", ())
        local = dict(zip(params, args, strict=False)) if args else bound
        key = (origin, tuple(local.get(p, Any) for p in params))
        found = _RUNTIME_TYPES.get(key)
        if found is None:
            hints = typing.get_type_hints(origin)
            found = dataclasses.make_dataclass(
                origin.__name__, [(k, _runtime_type(v, local)) for k, v in hints.items()]
            )
            _RUNTIME_TYPES[key] = found
        return found
    if not args:
        return annotation
    if origin in (typing.Union, types.UnionType):
        return typing.Union[args]  # noqa: UP007 (built from a tuple)
    return origin[args]


_RUNTIME_TYPES: dict[Any, Any] = {}


class InlineOutput(Generic[T]):
    """``Inline.java``: ``result`` is the script's value (typed by ``result_type``);
    ``error`` is set when it fails."""

    result: T
    error: str | None


class JsonJqOutput(Generic[T]):
    """``JsonJqTransform.java``: the query's first result and all of them (each typed by
    ``result_type``)."""

    result: T
    resultList: list[T]
    error: str | None


_GENERIC_OUTPUTS: tuple[type, ...] = (HttpResponse, HttpOutput, InlineOutput, JsonJqOutput)


class StartWorkflowOutput(BaseModel):
    """``StartWorkflow.java``: the id of the workflow started."""

    workflowId: str


class EventOutput(BaseModel):
    """``Event.java``: the task's output is its input (the payload) plus these keys."""

    workflowInstanceId: str
    workflowType: str
    workflowVersion: int
    correlationId: str | None = None
    taskToDomain: dict[str, str] | None = None
    event_produced: str


class WorkflowContext(Generic[V]):
    """What ``${workflow...}`` reads (ParametersUtils.getTaskInputV2's ``workflow`` map).

    ``env`` and ``secrets`` exist on targets that resolve ``${workflow.env.X}`` and
    ``${workflow.secrets.X}``; reading them for an older target is a finding.
    """

    workflowId: str
    correlationId: str | None
    workflowType: str
    version: int
    parentWorkflowId: str | None
    variables: V
    env: dict[str, str]
    secrets: dict[str, str]


TerminationStatus = Literal["COMPLETED", "FAILED", "TERMINATED"]
HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"]
Evaluator = Literal["graaljs", "javascript", "python"]
KeySerializer = Literal[
    "org.apache.kafka.common.serialization.StringSerializer",
    "org.apache.kafka.common.serialization.IntegerSerializer",
    "org.apache.kafka.common.serialization.LongSerializer",
]
IdempotencyStrategy = Literal["FAIL", "RETURN_EXISTING", "FAIL_ON_RUNNING"]

# -- the machinery every builder shares --------------------------------------------------------


class _Call:
    """One builder call: its trace, location, keyword locations and argument checks."""

    def __init__(self, kind: str, builder: str) -> None:
        trace = current_trace()
        if trace is None:
            raise RuntimeError(
                f"flowdsl.{builder}() records a {kind} task: call it inside a @workflow function"
            )
        self.trace: Trace = trace
        self.kind = kind
        self.builder = builder
        self.span: Span | None = call_site()
        self.spans = keyword_spans(self.span)

    def where(self, key: str) -> Span | None:
        return self.spans.get(key, self.span)

    def bad(
        self,
        key: str,
        message: str,
        hint: str | None = None,
        kind: type[Diagnostic] = BadTaskArguments,
    ) -> None:
        """A finding at the keyword ``key``: FD002 for arguments that do not go together
        or are missing, FD003 (``kind=UnsupportedValue``) for a value of the wrong type."""
        self.trace.diagnostics.append(kind(f"{self.builder}(): {message}", self.where(key), hint))

    def check(self, key: str, value: object, annotation: Any, *, runtime: bool = True) -> bool:
        """``value`` has the declared type; a runtime value is accepted where Conductor
        resolves it (``runtime``), a literal is required elsewhere."""
        if runtime and is_runtime(value):
            return True
        if not runtime and is_runtime(value):
            self.bad(key, f"`{key}` must be a literal: Conductor does not resolve it")
            return False
        problem = type_problem(value, annotation)
        if problem is not None:
            self.bad(key, f"`{key}` {problem}", kind=UnsupportedValue)
            return False
        return True

    def inputs(self, key: str, value: object, reserved: frozenset[str]) -> dict[str, object]:
        """User inputs given as a mapping: string keys, none of the type's own keys."""
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.bad(key, f"`{key}` must be a dict of input names to values")
            return {}
        out: dict[str, object] = {}
        for name, item in value.items():
            if not isinstance(name, str) or TOKEN_OPEN in name:
                self.bad(key, f"input name {name!r} must be a literal string")
            elif name in reserved:
                self.bad(key, f"input `{name}` is set by the {self.kind} task itself")
            else:
                out[name] = item
        return out

    def record(
        self,
        *,
        name: object,
        inputs: Mapping[str, object],
        options: Mapping[str, Any],
        fields: Mapping[str, object] | None = None,
        annotation: Any = None,
        path: tuple[PathItem, ...] = (),
    ) -> Handle:
        task_name = name if isinstance(name, str) and name else self.kind.lower()
        if not isinstance(name, str) or not name:
            self.bad("name", f"`name` must be a non-empty string, not {name!r}")
        checked = check_options(
            options,
            task_name=task_name,
            span=self.span,
            spans=self.spans,
            what=f"{self.builder}()",
        )
        self.trace.diagnostics.extend(checked.diagnostics)
        task = self.trace.record(
            type=self.kind,
            name=task_name,
            ref=checked.ref,
            span=self.span,
            inputs=inputs,
            fields={**(fields or {}), **checked.fields},
            description=checked.description,
            input_spans={k: s for k, s in self.spans.items() if k in inputs},
        )
        task.field_spans.update(checked.field_spans)
        if "name" in self.spans:
            task.field_spans.setdefault("name", self.spans["name"])
        return self.trace.handle(Ref(task.ref, "output", path, span=self.span), annotation)


def _without_none(values: Mapping[str, object]) -> dict[str, object]:
    return {k: v for k, v in values.items() if v is not None}


# -- HTTP ---------------------------------------------------------------------------------------


@overload
def http(
    uri: str,
    *,
    method: HttpMethod = "GET",
    body: object = None,
    headers: Mapping[str, object] | None = None,
    accept: str | list[str] | None = None,
    content_type: str | None = None,
    connection_timeout_ms: int | None = None,
    read_timeout_ms: int | None = None,
    name: str = "http",
    **options: Unpack[TaskOptions],
) -> HttpOutput[Any]: ...


@overload
def http(
    uri: str,
    *,
    method: HttpMethod = "GET",
    body: object = None,
    headers: Mapping[str, object] | None = None,
    accept: str | list[str] | None = None,
    content_type: str | None = None,
    connection_timeout_ms: int | None = None,
    read_timeout_ms: int | None = None,
    name: str = "http",
    body_type: type[B],
    **options: Unpack[TaskOptions],
) -> HttpOutput[B]: ...


def http(
    uri: str,
    *,
    method: HttpMethod = "GET",
    body: object = None,
    headers: Mapping[str, object] | None = None,
    accept: str | list[str] | None = None,
    content_type: str | None = None,
    connection_timeout_ms: int | None = None,
    read_timeout_ms: int | None = None,
    name: str = "http",
    body_type: Any = None,
    **options: Any,
) -> Any:
    """An HTTP task: the server calls ``uri`` and the output is ``response``.

    Emitted as ``inputParameters.http_request`` (``HttpTask.Input``), the shape every
    supported target reads. The task completes for a 2xx answer and fails otherwise;
    ``response.body`` is the parsed JSON answer, typed by ``body_type`` (a model, TypedDict,
    dataclass, list...) when given.
    """
    call = _Call("HTTP", "http")
    call.check("uri", uri, str)
    call.check("method", method, HttpMethod)
    if headers is not None:
        call.check("headers", headers, dict[str, Any])
    call.check("accept", accept, str | list[str] | None)
    call.check("content_type", content_type, str | None)
    for key, value in (
        ("connection_timeout_ms", connection_timeout_ms),
        ("read_timeout_ms", read_timeout_ms),
    ):
        if call.check(key, value, int | None) and isinstance(value, int) and value < 0:
            call.bad(key, f"`{key}` must be >= 0, not {value}")
    request = _without_none(
        {
            "uri": uri,
            "method": method,
            "headers": dict(headers) if isinstance(headers, Mapping) else headers,
            "body": body,
            "accept": accept,
            "contentType": content_type,
            "connectionTimeOut": connection_timeout_ms,
            "readTimeOut": read_timeout_ms,
        }
    )
    return call.record(
        name=name,
        inputs={"http_request": request},
        options=options,
        annotation=_runtime_type(HttpOutput, {B: Any if body_type is None else body_type}),
    )


# -- INLINE and JSON_JQ_TRANSFORM ----------------------------------------------------------------


@overload
def inline(
    expression: str,
    *,
    inputs: Mapping[str, object] | None = None,
    evaluator: Evaluator = "graaljs",
    name: str = "inline",
    **options: Unpack[TaskOptions],
) -> InlineOutput[Any]: ...


@overload
def inline(
    expression: str,
    *,
    inputs: Mapping[str, object] | None = None,
    evaluator: Evaluator = "graaljs",
    name: str = "inline",
    result_type: type[T],
    **options: Unpack[TaskOptions],
) -> InlineOutput[T]: ...


def inline(
    expression: str,
    *,
    inputs: Mapping[str, object] | None = None,
    evaluator: Evaluator = "graaljs",
    name: str = "inline",
    result_type: Any = None,
    **options: Any,
) -> Any:
    """An INLINE task: the server evaluates ``expression`` with ``$`` bound to its inputs.

    ``inline("$.a + $.b", inputs={"a": x, "b": y}, result_type=int).result``. The script is
    run by the ``graaljs`` evaluator by default (``javascript`` is the older Nashorn one).
    """
    call = _Call("INLINE", "inline")
    if call.check("expression", expression, str, runtime=False) and not expression.strip():
        call.bad("expression", "`expression` is empty; Conductor fails the task")
    call.check("evaluator", evaluator, Evaluator, runtime=False)
    given = call.inputs("inputs", inputs, frozenset({"evaluatorType", "expression"}))
    return call.record(
        name=name,
        inputs={"evaluatorType": evaluator, "expression": expression, **given},
        options=options,
        annotation=_runtime_type(InlineOutput, {T: _result_type(call, result_type)}),
    )


@overload
def json_jq(
    query: str,
    *,
    inputs: Mapping[str, object] | None = None,
    name: str = "json_jq",
    **options: Unpack[TaskOptions],
) -> JsonJqOutput[Any]: ...


@overload
def json_jq(
    query: str,
    *,
    inputs: Mapping[str, object] | None = None,
    name: str = "json_jq",
    result_type: type[T],
    **options: Unpack[TaskOptions],
) -> JsonJqOutput[T]: ...


def json_jq(
    query: str,
    *,
    inputs: Mapping[str, object] | None = None,
    name: str = "json_jq",
    result_type: Any = None,
    **options: Any,
) -> Any:
    """A JSON_JQ_TRANSFORM task: the jq ``query`` runs over the inputs (``.a``, ``.b``);
    ``result`` is its first result and ``resultList`` all of them, typed by
    ``result_type``."""
    call = _Call("JSON_JQ_TRANSFORM", "json_jq")
    if call.check("query", query, str, runtime=False) and not query.strip():
        call.bad("query", "`query` is empty")
    given = call.inputs("inputs", inputs, frozenset({"queryExpression"}))
    return call.record(
        name=name,
        inputs={"queryExpression": query, **given},
        options=options,
        annotation=_runtime_type(JsonJqOutput, {T: _result_type(call, result_type)}),
    )


def _result_type(call: _Call, given: Any) -> Any:
    if given is None:
        return Any
    if not isinstance(given, type) and typing.get_origin(given) is None:
        call.bad("result_type", f"`result_type` must be a type, not {given!r}")
        return Any
    return given


# -- SET_VARIABLE and the workflow context -------------------------------------------------------


def set_variable(
    values: Mapping[str, object],
    /,
    *,
    name: str = "set_variable",
    **options: Unpack[TaskOptions],
) -> None:
    """A SET_VARIABLE task: each entry becomes ``${workflow.variables.<key>}`` once it runs.

    Read them back with :func:`workflow_context`: ``workflow_context(Vars).variables.count``.
    """
    call = _Call("SET_VARIABLE", "set_variable")
    given = call.inputs("values", values, frozenset())
    if isinstance(values, Mapping) and not values:
        call.bad("values", "no variables given")
    call.record(name=name, inputs=given, options=options)


@overload
def workflow_context() -> WorkflowContext[dict[str, Any]]: ...


@overload
def workflow_context(variables: type[V]) -> WorkflowContext[V]: ...


def workflow_context(variables: Any = None) -> Any:
    """The running workflow, typed: ``ctx.workflowId``, ``ctx.correlationId``,
    ``ctx.env["X"]``, ``ctx.secrets["X"]`` and ``ctx.variables.<name>``.

    Pass a model, TypedDict or dataclass declaring the workflow's variables (those of
    ``@workflow(variables=...)`` and those its SET_VARIABLE tasks set) to type
    ``ctx.variables``; reading a variable that is neither declared nor set is a finding.
    """
    trace = current_trace()
    if trace is None:
        raise RuntimeError("flowdsl.workflow_context() is only available inside a @workflow")
    annotation: Any = _context_type(dict[str, Any])
    if variables is not None:
        if declared_fields(variables) is None:
            trace.diagnostics.append(
                BadTaskArguments(
                    f"workflow_context(): {variables!r} declares no variables",
                    call_site(),
                    hint="pass a pydantic model, TypedDict or dataclass naming the variables",
                )
            )
        else:
            annotation = _context_type(variables)
    return trace.handle(Ref("workflow", None, span=call_site()), annotation)


def _context_type(variables: Any) -> Any:
    """The runtime annotation of a context handle: WorkflowContext's fields, with
    ``variables`` of the given type (what member types are read from while tracing)."""
    hints = typing.get_type_hints(WorkflowContext)
    fields = [(name, variables if name == "variables" else hint) for name, hint in hints.items()]
    return dataclasses.make_dataclass("WorkflowContext", fields)


# -- TERMINATE, WAIT, HUMAN ---------------------------------------------------------------------


def terminate(
    status: TerminationStatus,
    *,
    reason: str | None = None,
    output: object = None,
    name: str = "terminate",
    **options: Unpack[TaskOptions],
) -> None:
    """A TERMINATE task: the workflow ends with ``status``; ``output`` (a dict) becomes its
    output, ``reason`` its reasonForIncompletion. Nothing after it in the same block runs."""
    call = _Call("TERMINATE", "terminate")
    call.check("status", status, TerminationStatus, runtime=False)
    call.check("reason", reason, str | None)
    if options.get("optional") is True:
        call.bad("optional", "a TERMINATE task cannot be optional; Conductor rejects it")
    call.record(
        name=name,
        inputs=_without_none(
            {"terminationStatus": status, "terminationReason": reason, "workflowOutput": output}
        ),
        options=options,
    )


# DateTimeUtils.DURATION_PATTERN and DATE_PATTERNS (yyyy-MM-dd HH:mm, yyyy-MM-dd HH:mm z,
# yyyy-MM-dd).
_DURATION = re.compile(
    r"\s*(?:(\d+)\s*(?:days?|d))?\s*(?:(\d+)\s*(?:hours?|hrs?|h))?"
    r"\s*(?:(\d+)\s*(?:minutes?|mins?|m))?\s*(?:(\d+)\s*(?:seconds?|secs?|s))?\s*",
    re.IGNORECASE,
)
_UNTIL = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?: \d{1,2}:\d{2}(?: \S+)?)?")


def _duration_text(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    if secs or not parts:
        parts.append(f"{secs}s")
    return " ".join(parts)


def wait(
    duration: int | _dt.timedelta | str | None = None,
    *,
    until: _dt.datetime | _dt.date | str | None = None,
    name: str = "wait",
    **options: Unpack[TaskOptions],
) -> dict[str, Any]:
    """A WAIT task: it completes after ``duration`` (seconds, a timedelta, or Conductor's
    text such as ``"1h 30m"``), at ``until`` (a datetime with a time zone, a date, or
    ``"yyyy-MM-dd HH:mm"``), or,
    with neither, when it is updated through the task API (its output is what the update
    sends)."""
    call = _Call("WAIT", "wait")
    inputs: dict[str, object] = {}
    if duration is not None and until is not None:
        call.bad("until", "give `duration` or `until`, not both; Conductor fails the task")
    if duration is not None:
        if is_runtime(duration):
            inputs["duration"] = duration
        elif isinstance(duration, bool) or not isinstance(duration, int | _dt.timedelta | str):
            call.bad("duration", "`duration` must be seconds (int), a timedelta or a string")
        elif isinstance(duration, str):
            if not duration.strip() or not _DURATION.fullmatch(duration):
                call.bad(
                    "duration",
                    f"`duration` {duration!r} is not a duration Conductor reads",
                    hint='write it as "30s", "5m", "1h 30m", "2d" (or pass seconds as an int)',
                )
            inputs["duration"] = duration
        else:
            seconds = duration if isinstance(duration, int) else duration.total_seconds()
            if seconds < 0 or seconds != int(seconds):
                call.bad("duration", "`duration` must be a whole, non-negative number of seconds")
            else:
                inputs["duration"] = _duration_text(int(seconds))
    if until is not None:
        if is_runtime(until):
            inputs["until"] = until
        elif isinstance(until, _dt.datetime):
            if until.tzinfo is None or until.utcoffset() is None:
                # DateTimeUtils.parseDate reads a date without a zone in the server's zone.
                call.bad(
                    "until",
                    "`until` is a datetime without a time zone; the server would read it in "
                    "its own zone",
                    hint="give it a tzinfo, e.g. datetime(..., tzinfo=timezone.utc)",
                )
            else:
                utc = until.astimezone(_dt.UTC)
                inputs["until"] = utc.strftime("%Y-%m-%d %H:%M") + " UTC"
        elif isinstance(until, _dt.date):
            inputs["until"] = until.strftime("%Y-%m-%d")
        elif isinstance(until, str) and _UNTIL.fullmatch(until.strip()):
            inputs["until"] = until
        else:
            call.bad(
                "until",
                f"`until` {until!r} is not a date Conductor reads",
                hint='use a datetime, or "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm z", "yyyy-MM-dd"',
            )
    handle = call.record(name=name, inputs=inputs, options=options, annotation=dict[str, Any])
    return typing.cast(dict[str, Any], handle)


@overload
def human(
    *,
    inputs: Mapping[str, object] | None = None,
    name: str = "human",
    **options: Unpack[TaskOptions],
) -> dict[str, Any]: ...


@overload
def human(
    output: type[T],
    *,
    inputs: Mapping[str, object] | None = None,
    name: str = "human",
    **options: Unpack[TaskOptions],
) -> T: ...


def human(
    output: Any = None,
    *,
    inputs: Mapping[str, object] | None = None,
    name: str = "human",
    **options: Any,
) -> Any:
    """A HUMAN task: it stays IN_PROGRESS until someone completes it through the task API
    (``POST /api/tasks``); its output is what they send, typed by ``output`` (a model,
    TypedDict or dataclass) when given."""
    call = _Call("HUMAN", "human")
    if output is not None and declared_fields(output) is None:
        call.bad(
            "output",
            f"`output` must be a pydantic model, TypedDict or dataclass, not {output!r}",
            hint="leave it out for an untyped dict",
        )
        output = None
    given = call.inputs("inputs", inputs, frozenset())
    return call.record(
        name=name,
        inputs=given,
        options=options,
        annotation=dict[str, Any] if output is None else output,
    )


# -- EVENT, KAFKA_PUBLISH, START_WORKFLOW, NOOP, DYNAMIC ------------------------------------------


def event(
    sink: str,
    *,
    payload: Mapping[str, object] | None = None,
    name: str = "event",
    **options: Unpack[TaskOptions],
) -> EventOutput:
    """An EVENT task: publishes its input (``payload``) to ``sink``: ``"conductor"`` or
    ``"conductor:<queue>"`` (Conductor's own queues), or ``"<type>:<queue>"`` for a
    configured event queue provider (``sqs:``, ``amqp:``, ``kafka:``, ``nats:``...)."""
    call = _Call("EVENT", "event")
    if call.check("sink", sink, str) and not is_runtime(sink):
        if (
            sink.startswith("conductor")
            and sink != "conductor"
            and not sink.startswith("conductor:")
        ):
            call.bad("sink", f"sink {sink!r} is neither `conductor` nor `conductor:<queue>`")
        elif sink != "conductor" and ":" not in sink:
            call.bad(
                "sink",
                f"sink {sink!r} names no queue type",
                hint='write "<type>:<queue>", e.g. "conductor:my_queue" or "sqs:my_queue"',
            )
    given = call.inputs("payload", payload, frozenset({"sink", "asyncComplete"}))
    handle = call.record(
        name=name, inputs=given, options=options, fields={"sink": sink}, annotation=EventOutput
    )
    return typing.cast(EventOutput, handle)


def kafka_publish(
    topic: str,
    value: object,
    *,
    bootstrap_servers: str,
    key: object = None,
    headers: Mapping[str, object] | None = None,
    request_timeout_ms: int | None = None,
    max_block_ms: int | None = None,
    key_serializer: KeySerializer | None = None,
    name: str = "kafka_publish",
    **options: Unpack[TaskOptions],
) -> None:
    """A KAFKA_PUBLISH task: sends ``value`` to ``topic`` (``kafka_request``, the fields of
    ``KafkaPublishTask.Input``). The server needs its kafka module."""
    call = _Call("KAFKA_PUBLISH", "kafka_publish")
    call.check("topic", topic, str)
    call.check("bootstrap_servers", bootstrap_servers, str)
    if value is None:
        call.bad("value", "`value` is required; Conductor fails the task without one")
    if headers is not None:
        call.check("headers", headers, dict[str, Any])
    for option, number in (
        ("request_timeout_ms", request_timeout_ms),
        ("max_block_ms", max_block_ms),
    ):
        call.check(option, number, int | None)
    call.check("key_serializer", key_serializer, KeySerializer | None)
    request = _without_none(
        {
            "bootStrapServers": bootstrap_servers,
            "topic": topic,
            "key": key,
            "value": value,
            "headers": dict(headers) if isinstance(headers, Mapping) else headers,
            "requestTimeoutMs": request_timeout_ms,
            "maxBlockMs": max_block_ms,
            "keySerializer": key_serializer,
        }
    )
    call.record(name=name, inputs={"kafka_request": request}, options=options)


def start_workflow(
    workflow: WorkflowFunction[..., Any] | str,
    *,
    version: int | None = None,
    input: Mapping[str, object] | None = None,
    correlation_id: str | None = None,
    task_to_domain: Mapping[str, str] | None = None,
    priority: int | None = None,
    idempotency_key: str | None = None,
    idempotency_strategy: IdempotencyStrategy | None = None,
    name: str = "start_workflow",
    **options: Unpack[TaskOptions],
) -> StartWorkflowOutput:
    """A START_WORKFLOW task: starts another workflow without waiting for it (use
    ``sub_workflow`` to wait); the output is the new ``workflowId``.

    ``workflow`` is a ``@workflow`` function (its name and version are used, and ``input``
    is checked against its parameters) or a workflow name.
    """
    call = _Call("START_WORKFLOW", "start_workflow")
    wf_name: object = workflow
    if isinstance(workflow, WorkflowFunction):
        wf_name = workflow.name
        if version is None:
            version = workflow.version
        _check_child_inputs(call, workflow, input)
    else:
        call.check("workflow", workflow, str)
    call.check("version", version, int | None)
    call.check("correlation_id", correlation_id, str | None)
    if task_to_domain is not None:
        call.check("task_to_domain", task_to_domain, dict[str, str])
    valid_priority = call.check("priority", priority, int | None)
    # StartWorkflowRequest.priority: @Min(0) @Max(99)
    if valid_priority and isinstance(priority, int) and not 0 <= priority <= 99:
        call.bad("priority", f"`priority` must be between 0 and 99, not {priority}")
    call.check("idempotency_key", idempotency_key, str | None)
    call.check("idempotency_strategy", idempotency_strategy, IdempotencyStrategy | None)
    if input is not None and not isinstance(input, Mapping):
        call.bad("input", "`input` must be a dict of the workflow's inputs")
        input = None
    request = _without_none(
        {
            "name": wf_name,
            "version": version,
            "correlationId": correlation_id,
            "input": dict(input) if input is not None else {},
            "taskToDomain": dict(task_to_domain) if task_to_domain is not None else None,
            "priority": priority,
            "idempotencyKey": idempotency_key,
            "idempotencyStrategy": idempotency_strategy,
        }
    )
    handle = call.record(
        name=name,
        inputs={"startWorkflow": request},
        options=options,
        annotation=StartWorkflowOutput,
    )
    return typing.cast(StartWorkflowOutput, handle)


def _check_child_inputs(
    call: _Call, child: WorkflowFunction[..., Any], given: Mapping[str, object] | None
) -> None:
    """The inputs given to a ``@workflow`` child against its parameters (its contract)."""
    declared = _child_inputs(child)
    if declared is None:
        return
    names, required = declared
    supplied = set(given) if isinstance(given, Mapping) else set()
    for key in sorted(k for k in supplied - set(names) if isinstance(k, str)):
        call.bad(
            "input",
            f"workflow `{child.name}` takes no input `{key}`",
            did_you_mean(key, names)
            or ("it takes " + ", ".join(f"`{n}`" for n in names) if names else "it takes none"),
        )
    missing = [n for n in required if n not in supplied]
    if missing:
        call.bad(
            "input",
            f"workflow `{child.name}` needs input(s) {', '.join(f'`{n}`' for n in missing)}, "
            "which would be null",
            hint="pass " + ", ".join(f"`{n}`" for n in missing) + " in `input`",
        )


def _child_inputs(child: WorkflowFunction[..., Any]) -> tuple[list[str], list[str]] | None:
    """A workflow function's input names and required inputs; None when it takes any."""
    params = list(inspect.signature(child.fn).parameters.values())
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    hints = _hints(child.fn)
    model = hints.get(params[0].name) if len(params) == 1 else None
    if isinstance(model, type) and issubclass(model, Inputs):
        fields = model.model_fields
        return (
            [info.alias or n for n, info in fields.items()],
            [info.alias or n for n, info in fields.items() if info.is_required()],
        )
    named = [p for p in params if p.kind is not inspect.Parameter.VAR_POSITIONAL]
    return (
        [p.name for p in named],
        [p.name for p in named if p.default is inspect.Parameter.empty],
    )


def _check_task_inputs(
    call: _Call, fn: TaskFunction[..., Any], given: Mapping[str, object]
) -> None:
    """Inputs given to a DYNAMIC task whose task is known, against that task's signature."""
    definition = fn.task_def()
    if definition.input_keys is not None:
        for key in given:
            if key not in definition.input_keys:
                call.bad(
                    "inputs",
                    f"`{fn.name}` takes no input `{key}`",
                    did_you_mean(key, definition.input_keys),
                )
    missing = [k for k in definition.required_inputs if k not in given]
    if missing:
        call.bad("inputs", f"`{fn.name}` needs input(s) {', '.join(f'`{k}`' for k in missing)}")


def noop(*, name: str = "noop", **options: Unpack[TaskOptions]) -> None:
    """A NOOP task: completes at once. Useful as a placeholder or a join point."""
    call = _Call("NOOP", "noop")
    call.record(name=name, inputs={}, options=options)


_DYNAMIC_PARAM = "taskToExecute"


@overload
def dynamic(
    task: TaskFunction[..., T],
    *,
    inputs: Mapping[str, object] | None = None,
    name: str = "dynamic",
    **options: Unpack[TaskOptions],
) -> T: ...


@overload
def dynamic(
    task: str,
    *,
    inputs: Mapping[str, object] | None = None,
    candidates: tuple[TaskFunction[..., Any], ...] = (),
    name: str = "dynamic",
    **options: Unpack[TaskOptions],
) -> dict[str, Any]: ...


def dynamic(
    task: Any,
    *,
    inputs: Mapping[str, object] | None = None,
    candidates: tuple[TaskFunction[..., Any], ...] = (),
    name: str = "dynamic",
    **options: Any,
) -> Any:
    """A DYNAMIC task: runs the task whose name ``task`` gives at run time.

    ``task`` is a ``@task`` function (the name is fixed; the output is typed as its return)
    or a runtime string (a task output, a workflow input...); list the ``@task`` functions
    it may name as ``candidates`` so their task definitions are emitted (the server needs the
    definition of the task it runs).
    """
    call = _Call("DYNAMIC", "dynamic")
    given = call.inputs("inputs", inputs, frozenset({_DYNAMIC_PARAM}))
    annotation: Any = dict[str, Any]
    path: tuple[PathItem, ...] = ()
    chosen: object = task
    known: list[TaskFunction[..., Any]] = []
    if isinstance(task, TaskFunction):
        chosen = task.name
        annotation, path = task.handle_type, task.output_path
        known.append(task)
        _check_task_inputs(call, task, given)
    else:
        call.check("task", task, str)
    if not isinstance(candidates, tuple | list) or not all(
        isinstance(c, TaskFunction) for c in candidates
    ):
        call.bad("candidates", "`candidates` must be a tuple of @task functions")
    else:
        known.extend(candidates)
    handle = call.record(
        name=name,
        inputs={_DYNAMIC_PARAM: chosen, **given},
        options=options,
        fields={"dynamicTaskNameParam": _DYNAMIC_PARAM},
        annotation=annotation,
        path=path,
    )
    for fn in known:
        call.trace.add_task_def(fn.task_def())
    return handle


__all__ = [
    "EventOutput",
    "HttpOutput",
    "HttpResponse",
    "InlineOutput",
    "JsonJqOutput",
    "StartWorkflowOutput",
    "TaskOptions",
    "WorkflowContext",
    "dynamic",
    "event",
    "http",
    "human",
    "inline",
    "json_jq",
    "kafka_publish",
    "noop",
    "set_variable",
    "start_workflow",
    "terminate",
    "wait",
    "workflow_context",
]
