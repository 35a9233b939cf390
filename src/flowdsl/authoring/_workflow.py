"""``@workflow``: a Conductor WorkflowDef from a Python function, by tracing it."""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, ParamSpec, TypeVar, overload

from pydantic import BaseModel

from flowdsl.authoring._location import (
    call_site,
    default_spans,
    display_path,
    keyword_spans,
    parsed_source,
    traceback_span,
)
from flowdsl.authoring._task import _hints, type_problem
from flowdsl.authoring._trace import Trace, current_trace, tracing
from flowdsl.authoring._values import Handle, _refuse, _short_repr, ref_of, type_of
from flowdsl.conductor.models import WorkflowDef as _ModelWorkflowDef
from flowdsl.conductor.models import snake_fields
from flowdsl.diagnostics import (
    BadWorkflowOutput,
    BadWorkflowSignature,
    Diagnostic,
    WorkflowFailedToTrace,
)
from flowdsl.errors import TraceError
from flowdsl.ir.nodes import Ref, Span, TaskDef, Value, Workflow
from flowdsl.types import declared_fields

P = ParamSpec("P")
R = TypeVar("R")

_DERIVED = {
    "name",
    "description",
    "version",
    "tasks",
    "input_parameters",
    "output_parameters",
    "schema_version",
}
OPTION_FIELDS: dict[str, str] = {
    k: v for k, v in snake_fields(_ModelWorkflowDef).items() if k not in _DERIVED
}


class Inputs(BaseModel):
    """Base for a model whose fields are a workflow's inputs.

    ``def wf(inp: MyInputs)`` with ``class MyInputs(Inputs)`` declares the model's fields
    as the workflow inputs and ``inp.field`` reads ``${workflow.input.field}``. (A
    parameter annotated with any other model is one input holding that model.)
    """


class FailureInputs(Inputs):
    """The inputs Conductor gives a failure workflow (``@workflow(failure_workflow=...)``),
    besides the failed workflow's own inputs (WorkflowExecutorOps.java, terminateWorkflow).

    Subclass it to add the failed workflow's inputs you read.
    """

    workflowId: str
    reason: str
    failureStatus: str
    failureTaskId: str | None = None
    failedWorkflow: dict[str, Any] = {}


@dataclass
class TraceResult:
    workflow: Workflow
    task_defs: dict[str, list[TaskDef]]
    diagnostics: list[Diagnostic]
    # False when the function stopped with an exception: the workflow is partial.
    complete: bool = True
    # Workflow functions this one starts (sub-workflows, dynamic forks, failure workflow):
    # compiled with it.
    children: list[WorkflowFunction[..., Any]] = dataclasses.field(default_factory=list)


class WorkflowFunction(Generic[P, R]):
    """A function decorated with ``@workflow``; :meth:`trace` turns it into IR."""

    def __init__(
        self,
        fn: Callable[P, R],
        *,
        name: str | None,
        version: int,
        description: str | None,
        options: dict[str, Any],
        span: Span | None,
    ) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.name = name or fn.__name__
        self.version = version
        self.description = description if description is not None else inspect.getdoc(fn)
        self.def_options = options
        self.span = span
        # How a sub_workflow() call of this workflow is made (see options()).
        self._call: dict[str, Any] = {}
        self.origin: WorkflowFunction[Any, Any] = self
        # Mistakes in the decorator's arguments, reported when the workflow is traced.
        self.problems: list[Diagnostic] = []

    @property
    def return_annotation(self) -> Any:
        """The declared return type: what a sub-workflow call's outputs are typed as."""
        return _hints(self.fn).get("return", Any)

    def _signature(self) -> tuple[list[inspect.Parameter], type[Inputs] | None]:
        """The named parameters, and the ``Inputs`` model when the only one is annotated
        with one (its fields are then the workflow's inputs)."""
        params = [
            p
            for p in inspect.signature(self.fn).parameters.values()
            if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        ]
        model = _hints(self.fn).get(params[0].name) if len(params) == 1 else None
        if isinstance(model, type) and issubclass(model, Inputs):
            return params, model
        return params, None

    def input_names(self) -> set[str]:
        """The workflow's declared input names (an ``Inputs`` model's fields, or the
        parameters)."""
        params, model = self._signature()
        if model is not None:
            return set(declared_fields(model) or {})
        return {p.name for p in params}

    def required_inputs(self) -> tuple[str, ...]:
        """Inputs without a default: a caller (a sub_workflow call) must give them."""
        params, model = self._signature()
        if model is not None:
            return tuple(
                info.alias or n for n, info in model.model_fields.items() if info.is_required()
            )
        return tuple(p.name for p in params if p.default is inspect.Parameter.empty)

    def options(
        self,
        *,
        ref: str | None = None,
        inline: bool = False,
        task_to_domain: Mapping[str, str] | None = None,
        optional: bool | None = None,
        description: str | None = None,
    ) -> WorkflowFunction[P, R]:
        """This workflow, called by ``flowdsl.sub_workflow`` with these settings: the
        SUB_WORKFLOW's reference name, its definition embedded (``inline``) instead of
        registered separately, its ``taskToDomain``, ``optional``, ``description``."""
        copy: WorkflowFunction[P, R] = WorkflowFunction(
            self.fn,
            name=self.name,
            version=self.version,
            description=self.description,
            options=self.def_options,
            span=self.span,
        )
        copy.origin = self.origin
        copy._call = {
            "ref": ref,
            "inline": inline,
            "task_to_domain": task_to_domain,
            "optional": optional,
            "description": description,
        }
        return copy

    def _sub_workflow_call(
        self, trace: Trace, args: tuple[Any, ...], kwargs: dict[str, Any], span: Span | None
    ) -> Handle:
        """A SUB_WORKFLOW running this workflow, recorded in ``trace``."""
        options = self._call
        params, model = self._signature()
        inputs: dict[str, Any] = {}
        if len(args) > len(params):
            trace.diagnostics.append(
                BadWorkflowSignature(
                    f"workflow `{self.name}` takes {len(params)} inputs, {len(args)} were given",
                    span,
                    hint="pass the inputs by name",
                )
            )
        for param, value in zip(params, args, strict=False):
            inputs[param.name] = value
        inputs.update(kwargs)
        if model is not None and params[0].name in inputs:
            given = inputs.pop(params[0].name)
            if isinstance(given, BaseModel):
                inputs.update(
                    {
                        info.alias or n: getattr(given, n)
                        for n, info in type(given).model_fields.items()
                        if n in given.__dict__
                    }
                )
            elif isinstance(given, Mapping):
                inputs.update(given)
        sub_param: dict[str, Any] = {"name": self.name, "version": self.version}
        if options.get("task_to_domain") is not None:
            sub_param["taskToDomain"] = dict(options["task_to_domain"])
        fields: dict[str, Any] = {"subWorkflowParam": sub_param}
        if options.get("optional") is not None:
            fields["optional"] = options["optional"]
        task = trace.record(
            type="SUB_WORKFLOW",
            name=self.name,
            ref=options.get("ref"),
            span=span,
            inputs=inputs,
            fields=fields,
            description=options.get("description"),
            input_spans=keyword_spans(span),
        )
        if options.get("inline"):
            result = self.origin.trace()
            trace.diagnostics.extend(result.diagnostics)
            for defs in result.task_defs.values():
                for definition in defs:
                    trace.add_task_def(definition)
            trace.children.extend(result.children)
            task.inline_workflow = result.workflow
        else:
            trace.children.append(self.origin)
        return trace.handle(Ref(task.ref, "output", span=span), self.return_annotation)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if current_trace() is not None:
            _refuse(
                f"Calling workflow `{self.name}` inside another workflow",
                "run it as a child workflow with `flowdsl.sub_workflow` (Conductor "
                "SUB_WORKFLOW) instead of calling it",
            )
        return self.fn(*args, **kwargs)

    def trace(self) -> TraceResult:
        trace = Trace(self.name)
        diagnostics = trace.diagnostics
        diagnostics.extend(self.origin.problems)
        inputs, input_types, fields, args = self._inputs(trace)
        outputs: dict[str, Value] = {}
        output_spans: dict[str, Span] = {}
        complete = False
        with tracing(trace):
            try:
                result = self.fn(*args)  # type: ignore[call-arg, arg-type]
            except TraceError as exc:
                diagnostics.append(exc.diagnostic)
            except Exception as exc:
                diagnostics.append(
                    WorkflowFailedToTrace(
                        f"workflow `{self.name}` raised {type(exc).__name__}: {exc}",
                        traceback_span(exc) or self.span,
                        hint="the function runs once, at compile time, to record its tasks",
                    )
                )
            else:
                complete = True
                outputs, output_spans = self._outputs(trace, result)
        for key, option in self.def_options.items():
            json_key = OPTION_FIELDS[key]
            if isinstance(option, WorkflowFunction) and json_key == "failureWorkflow":
                trace.children.append(option.origin)
                fields[json_key] = option.name
                continue
            # Kept as given: a value with no JSON form (a set, NaN, an object...) is the
            # values check's finding, at its keyword.
            value = option
            if json_key == "inputTemplate" and isinstance(value, Mapping):
                # Explicit entries win over parameter defaults.
                fields[json_key] = {**fields.get("inputTemplate", {}), **value}
            else:
                fields[json_key] = value
        workflow = Workflow(
            name=self.name,
            version=self.version,
            tasks=trace.tasks,
            inputs=inputs,
            input_types=input_types,
            outputs=outputs,
            fields=fields,
            description=self.description,
            span=self.span,
            output_spans=output_spans,
            field_spans={
                OPTION_FIELDS.get(k, k): s
                for k, s in keyword_spans(self.span).items()
                if k in OPTION_FIELDS
            },
            required_inputs=self.required_inputs(),
            source="python",
        )
        return TraceResult(workflow, trace.task_defs, diagnostics, complete, trace.children)

    def _inputs(
        self, trace: Trace
    ) -> tuple[tuple[str, ...], dict[str, Any], dict[str, Value], list[Handle]]:
        """Workflow inputs and the handles passed for them; defaults become inputTemplate."""
        sig = inspect.signature(self.fn)
        hints = _hints(self.fn)
        params = list(sig.parameters.values())
        bad = [
            p.name
            for p in params
            if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        ]
        if bad or inspect.iscoroutinefunction(self.fn):
            trace.diagnostics.append(
                BadWorkflowSignature(
                    f"workflow `{self.name}` must be a plain function with named parameters",
                    self.span,
                    hint="declare each workflow input as a parameter (or one `Inputs` model)",
                )
            )
        model = hints.get(params[0].name) if len(params) == 1 else None
        if isinstance(model, type) and issubclass(model, Inputs):
            declared = declared_fields(model) or {}
            handle = Handle(Ref("workflow", "input"), model, trace.tokens)
            defaults = {
                info.alias or n: info.default
                for n, info in model.model_fields.items()
                if not info.is_required() and info.default is not None
            }
            # Where the defaults are written: read from the source only when there are some.
            spans = (
                {
                    (model.model_fields[n].alias or n) if n in model.model_fields else n: span
                    for n, span in default_spans(model).items()
                }
                if defaults
                else {}
            )
            template = _template(defaults, trace, spans, self.span)
            return tuple(declared), declared, template, [handle]
        names: list[str] = []
        types: dict[str, Any] = {}
        handles: list[Handle] = []
        defaults = {}
        for p in params:
            if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
                continue
            names.append(p.name)
            types[p.name] = hints.get(p.name, Any)
            handles.append(Handle(Ref("workflow", "input", (p.name,)), types[p.name], trace.tokens))
            if p.default is not inspect.Parameter.empty and p.default is not None:
                defaults[p.name] = p.default
        # Where the defaults are written: read from the source (the whole function's, tokenized
        # by inspect) only when there are some.
        spans = default_spans(self.fn) if defaults else {}
        template = _template(defaults, trace, spans, self.span)
        return tuple(names), types, template, handles

    def _outputs(self, trace: Trace, result: object) -> tuple[dict[str, Value], dict[str, Span]]:
        items: Mapping[str, Any]
        if result is None:
            return {}, {}
        # The function's source is read (tokenized by inspect) only when there are outputs.
        span = _return_span(self.fn) or self.span
        if isinstance(result, Handle):
            fields = declared_fields(type_of(result))
            if fields is None:
                trace.diagnostics.append(
                    BadWorkflowOutput(
                        f"workflow `{self.name}` returns {ref_of(result).expression}, whose keys "
                        "are unknown, so its outputParameters cannot be listed",
                        span,
                        hint='return a dict: {"name": value, ...}',
                    )
                )
                return {}, {}
            items = {key: getattr(result, key) for key in fields}
        elif isinstance(result, Mapping):
            items = result
        elif isinstance(result, BaseModel):
            items = {
                info.alias or n: getattr(result, n)
                for n, info in type(result).model_fields.items()
                if n in result.__dict__
            }
        elif dataclasses.is_dataclass(result) and not isinstance(result, type):
            items = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
        else:
            trace.diagnostics.append(
                BadWorkflowOutput(
                    f"workflow `{self.name}` returns a {type(result).__name__}; "
                    "outputParameters need named values",
                    span,
                    hint='return a dict: {"name": value, ...}',
                )
            )
            return {}, {}
        outputs: dict[str, Value] = {}
        spans: dict[str, Span] = {}
        for key, obj in items.items():
            if not isinstance(key, str):
                trace.diagnostics.append(
                    BadWorkflowOutput(f"output key {_short_repr(key)} is not a string", span)
                )
                continue
            try:
                outputs[key] = trace.value(obj, span)
            except TraceError as exc:
                trace.diagnostics.append(exc.diagnostic)
                continue
            if span is not None:
                spans[key] = span
        return outputs, spans


def _template(
    defaults: dict[str, Any], trace: Trace, spans: Mapping[str, Span], fallback: Span | None
) -> dict[str, Value]:
    """Defaults as inputTemplate; a default that cannot be JSON is reported where written."""
    template: dict[str, Value] = {}
    for key, default in defaults.items():
        try:
            template[key] = trace.value(default, spans.get(key, fallback))
        except TraceError as exc:
            trace.diagnostics.append(exc.diagnostic)
    return {"inputTemplate": template} if template else {}


def _return_span(fn: Callable[..., Any]) -> Span | None:
    """The last ``return`` statement of a function, for outputs written in it."""
    source = parsed_source(fn)
    if source is None:
        return None
    returns = [
        n
        for n in _statements(source.tree.body)
        if isinstance(n, ast.Return) and n.value is not None
    ]
    if not returns:
        return None
    last = max(returns, key=lambda n: (n.lineno, n.col_offset))
    return Span(
        display_path(os.path.abspath(source.filename)),
        source.first + last.lineno - 1,
        last.col_offset + source.indent + 1,
    )


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement in ``body``, nested ones included (in no particular order).

    What ``ast.walk`` finds of the statements, without visiting every expression node
    (issue 11: a generated workflow function may hold thousands of calls). Statements
    only ever sit in the statement lists walked here: ``body``, ``orelse``,
    ``finalbody``, the bodies of ``handlers`` (try) and of ``cases`` (match).
    """
    stack = list(body)
    while stack:
        node = stack.pop()
        yield node
        for name in ("body", "orelse", "finalbody"):
            stack.extend(getattr(node, name, ()))
        for part in (*getattr(node, "handlers", ()), *getattr(node, "cases", ())):
            stack.extend(part.body)


WorkflowTimeoutPolicy = Literal["TIME_OUT_WF", "ALERT_ONLY"]


@overload
def workflow(fn: Callable[P, R], /) -> WorkflowFunction[P, R]: ...


@overload
def workflow(
    *,
    name: str | None = None,
    version: int = 1,
    description: str | None = None,
    owner_email: str | None = None,
    timeout_policy: WorkflowTimeoutPolicy | None = None,
    timeout_seconds: int | None = None,
    restartable: bool | None = None,
    failure_workflow: str | WorkflowFunction[..., Any] | None = None,
    failure_workflow_version: int | None = None,
    workflow_status_listener_enabled: bool | None = None,
    workflow_status_listener_sink: str | None = None,
    variables: dict[str, Any] | None = None,
    input_template: dict[str, Any] | None = None,
    rate_limit_config: dict[str, Any] | None = None,
    input_schema: dict[str, Any] | None = None,
    output_schema: dict[str, Any] | None = None,
    enforce_schema: bool | None = None,
    metadata: dict[str, Any] | None = None,
    cache_config: dict[str, Any] | None = None,
    masked_fields: list[str] | None = None,
) -> Callable[[Callable[P, R]], WorkflowFunction[P, R]]: ...


def workflow(fn: Callable[..., Any] | None = None, /, **options: Any) -> Any:
    """Declare a Conductor workflow: ``@workflow`` or ``@workflow(name=..., version=...)``.

    The keyword arguments are the WorkflowDef's fields in snake_case. Parameters become
    ``inputParameters`` (their defaults, ``inputTemplate``); the returned dict becomes
    ``outputParameters``.
    """
    span = call_site()
    name = options.pop("name", None)
    version = options.pop("version", 1)
    description = options.pop("description", None)
    unknown = sorted(set(options) - set(OPTION_FIELDS))
    if unknown:
        raise TypeError(f"workflow() got unexpected keyword argument(s): {', '.join(unknown)}")
    chosen = {k: v for k, v in options.items() if v is not None}
    spans = keyword_spans(span)
    problems: list[Diagnostic] = []
    for key, value, expected in (("name", name, str), ("description", description, str)):
        if value is not None and (p := type_problem(key, value, expected, spans.get(key, span))):
            problems.append(p)
    if (p := type_problem("version", version, int, spans.get("version", span))) is not None:
        problems.append(p)
        version = 1
    name = name if isinstance(name, str) else None
    description = description if isinstance(description, str) else None

    def decorate(f: Callable[..., Any]) -> WorkflowFunction[Any, Any]:
        made = WorkflowFunction(
            f, name=name, version=version, description=description, options=chosen, span=span
        )
        made.problems = problems
        return made

    return decorate(fn) if fn is not None else decorate
