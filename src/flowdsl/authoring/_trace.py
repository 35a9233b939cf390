"""The trace: running a workflow function so that task calls record IR nodes."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from flowdsl.authoring._location import site_keywords, sites_cached
from flowdsl.authoring._values import Handle, TokenTable, new_handle, to_value
from flowdsl.diagnostics import BadTaskArguments, Diagnostic
from flowdsl.errors import TraceError
from flowdsl.ir.nodes import BlockKey, Ref, Span, Task, TaskDef, Value

if TYPE_CHECKING:
    from flowdsl.authoring._options import CheckedOptions
    from flowdsl.authoring._task import TaskFunction

T = TypeVar("T")


_current: ContextVar[Trace | None] = ContextVar("flowdsl_trace", default=None)


def current_trace() -> Trace | None:
    return _current.get()


@dataclass
class Trace:
    """State of one workflow being traced."""

    workflow_name: str
    tokens: TokenTable = field(init=False)
    tasks: list[Task] = field(default_factory=list)
    task_defs: dict[str, list[TaskDef]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Workflow functions this trace starts as sub-workflows (compiled along with it).
    children: list[Any] = field(default_factory=list)
    _blocks: list[list[Task]] = field(default_factory=list)
    _refs: set[str] = field(default_factory=set)
    _next_suffix: dict[str, int] = field(default_factory=dict)
    # Task name -> the base of its generated references (``<name>_ref``).
    # ids of the TaskDef objects in task_defs (kept alive there): one already added is
    # found without scanning its name's list.
    _added_defs: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.tokens = TokenTable(self.workflow_name)
        self._blocks.append(self.tasks)

    def run_in(self, tasks: list[Task], fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)``, recording its calls into ``tasks``: ``with self.block(tasks)``
        without a generator-based context manager (issue 11: once per block)."""
        self._blocks.append(tasks)
        try:
            return fn(*args)
        finally:
            self._blocks.pop()

    @contextmanager
    def block(self, tasks: list[Task]) -> Iterator[None]:
        """Record the calls made inside the ``with`` into ``tasks`` (a construct's block)."""
        self._blocks.append(tasks)
        try:
            yield
        finally:
            self._blocks.pop()

    def new_ref(self, task_name: str, explicit: str | None) -> str:
        """A taskReferenceName: explicit, or ``<task>_ref``, ``<task>_ref_2``, ..."""
        if explicit is not None:
            self._refs.add(explicit)
            return explicit
        base = _ref_base(task_name)
        n = self._next_suffix.get(base, 1)
        candidate = base if n == 1 else f"{base}_{n}"
        while candidate in self._refs:
            n += 1
            candidate = f"{base}_{n}"
        self._next_suffix[base] = n + 1
        self._refs.add(candidate)
        return candidate

    def derived_ref(self, base: str) -> str:
        """A reference named after another (``fork_ref`` -> ``fork_ref_join``), made unique
        with ``_2``, ``_3``... (a generated name that cannot clash with a later one)."""
        candidate, n = base, 1
        while candidate in self._refs:
            n += 1
            candidate = f"{base}_{n}"
        self._refs.add(candidate)
        return candidate

    def value(self, obj: object, span: Span | None) -> Value:
        return to_value(obj, self.tokens, span)

    def convert(self, obj: object, span: Span | None) -> tuple[bool, Value]:
        """``obj`` as an IR value; on failure the finding is recorded and ``(False, None)``."""
        try:
            return True, to_value(obj, self.tokens, span)
        except TraceError as exc:
            self.diagnostics.append(exc.diagnostic)
            return False, None

    def handle(self, ref: Ref, annotation: Any) -> Handle:
        """A handle to a value of this trace."""
        return new_handle(ref, annotation, self.tokens)

    def record(
        self,
        *,
        type: str,
        name: str,
        ref: str | None,
        span: Span | None,
        inputs: Mapping[str, object] | None = None,
        fields: Mapping[str, object] | None = None,
        blocks: dict[BlockKey, list[Task]] | None = None,
        description: str | None = None,
        input_spans: Mapping[str, Span] | None = None,
        ref_base: str | None = None,
    ) -> Task:
        """Record one WorkflowTask in the current block: the single way every construct adds a
        node. Inputs and fields are converted (a value that cannot be converted is a finding at
        its span and left out); ``ref`` None gets a generated reference: ``ref_base`` made
        unique when given, else ``<name>_ref``.
        """
        # (issue 11) convert() inlined: this runs once per task of every workflow.
        spans = input_spans if input_spans is not None else _NO_SPANS
        tokens = self.tokens
        converted: dict[str, Value] = {}
        unconverted: tuple[str, ...] = ()
        if inputs:
            for key, obj in inputs.items():
                try:
                    converted[key] = to_value(obj, tokens, spans.get(key, span))
                except TraceError as exc:
                    self.diagnostics.append(exc.diagnostic)
                    unconverted += (key,)
        field_values: dict[str, Value] = {}
        if fields:
            for key, obj in fields.items():
                try:
                    field_values[key] = to_value(obj, tokens, span)
                except TraceError as exc:
                    self.diagnostics.append(exc.diagnostic)
        if ref is None and ref_base is not None:
            ref = self.derived_ref(ref_base)
        task = Task(
            name=name,
            ref=self.new_ref(name, ref),
            type=type,
            inputs=converted,
            fields=field_values,
            blocks=blocks or {},
            description=description,
            span=span,
            input_spans={k: s for k, s in spans.items() if k in converted} if spans else {},
            unconverted=unconverted,
        )
        self._blocks[-1].append(task)
        return task

    def add_task_def(self, definition: TaskDef) -> None:
        if id(definition) in self._added_defs:
            return  # this very TaskDef is listed: the scan below would find its origin
        known = self.task_defs.setdefault(definition.name, [])
        if not any(d.origin is definition.origin for d in known):
            known.append(definition)
            self._added_defs.add(id(definition))  # kept alive in the list: the id stays its
            # Mistakes in the decorator's own arguments, reported where the task is used.
            self.diagnostics.extend(getattr(definition.origin, "problems", ()))

    def call_task(
        self,
        fn: TaskFunction[Any, Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        span: Span | None,
        options: CheckedOptions | None = None,
    ) -> Handle:
        """A call of a ``@task`` function: a SIMPLE task and its TaskDef (with the options
        of ``task.options(...)``, checked already)."""
        inputs = self._bind(fn, args, kwargs, span)
        task = self.record(
            type="SIMPLE",
            name=fn.name,
            ref=options.ref if options is not None else None,
            span=span,
            inputs=inputs,
            fields=options.fields if options is not None else None,
            description=options.description if options is not None else None,
            input_spans=site_keywords(span),
        )
        if options is not None:  # findings on an option's own keyword (a start_delay range)
            task.field_spans.update(options.field_spans)
        self.add_task_def(fn.task_def())
        return new_handle(
            Ref(task.ref, "output", fn.output_path, "", span), fn.handle_type, self.tokens
        )

    def _bind(
        self,
        fn: TaskFunction[Any, Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        span: Span | None,
    ) -> dict[str, Any]:
        """Inputs by name: positional arguments bound to the signature's names, then every
        keyword as given. Which inputs the task takes or requires is the inputs check's
        business (it reports for Python and JSON alike); only what cannot be bound is here.
        """
        if not args and len(kwargs) < 2:
            return kwargs  # (the usual call) nothing to bind, to order, or given twice
        positional, order = fn.positional, fn.parameter_order
        if not args:  # inputs by name only: nothing to bind, or given twice
            return dict(sorted(kwargs.items(), key=lambda kv: order.get(kv[0], len(order))))
        if len(args) > len(positional):
            self.diagnostics.append(
                BadTaskArguments(
                    f"`{fn.name}` takes {len(positional)} positional inputs, "
                    f"{len(args)} were given",
                    span,
                    hint="pass inputs by name",
                )
            )
            args = args[: len(positional)]
        out: dict[str, Any] = dict(zip(positional, args, strict=False))
        for key, obj in kwargs.items():
            if key in out:
                self.diagnostics.append(
                    BadTaskArguments(
                        f"`{fn.name}` got input `{key}` both by position and by name", span
                    )
                )
                continue
            out[key] = obj
        return dict(sorted(out.items(), key=lambda kv: order.get(kv[0], len(order))))


_NO_SPANS: Mapping[str, Span] = {}

_REF_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


@functools.lru_cache(maxsize=1024)
def _ref_base(name: str) -> str:
    """``<task>_ref``, the start of the references generated for a task name."""
    # Generated refs match ^[A-Za-z][A-Za-z0-9_]*$ without "__": Conductor splits loop refs on
    # "__" (TaskUtils.java) and expressions on "." and brackets (ParametersUtils.java).
    base = "_".join(part for part in _REF_UNSAFE.split(name) if part) or "task"
    return (base if base[0].isalpha() else "t_" + base) + "_ref"


@contextmanager
def tracing(trace: Trace) -> Iterator[Trace]:
    token = _current.set(trace)
    try:
        with sites_cached():
            yield trace
    finally:
        _current.reset(token)
