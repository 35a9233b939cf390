"""The intermediate representation: what a workflow *is*, whatever it was written in.

Both front ends build these objects: the Python tracer (``flowdsl.authoring``) and, for
``flowdsl check``, the Conductor JSON reader. Checks, emit and render read nothing else.

Values
    An input or output parameter value is a ``Value``: JSON scalars, lists and dicts whose
    leaves may also be a :class:`Ref` (one ``${...}`` expression standing for a whole value,
    whose type Conductor preserves) or a :class:`Template` (literal text with references in
    it, which Conductor always resolves to a string).

Tasks
    A :class:`Task` is one ``WorkflowTask``. Constructs that hold other tasks (FORK_JOIN,
    SWITCH, DO_WHILE, ...) keep them in ``blocks``: named lists of tasks, the same shape
    Conductor's ``children()`` walks.

The IR imports nothing from the authoring API, from Conductor's models or from any output
format.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias


@dataclass(frozen=True, slots=True)
class Span:
    """Where something was written: a file and 1-based line and column (None when unknown).

    For JSON sources ``pointer`` is the RFC 6901 pointer of the value inside the file.
    """

    file: str
    line: int | None = None
    column: int | None = None
    pointer: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


PathItem: TypeAlias = str | int


@dataclass(frozen=True, slots=True)
class BlockKey:
    """Which nested task list of a construct: its WorkflowTask field and, for the fields
    that hold several lists, which one (a FORK_JOIN branch's index, a SWITCH case's value).

    ``flowdsl.conductor.tasktypes.BLOCK_SHAPES`` says how each field is laid out in JSON.
    """

    field: str
    key: str | int | None = None

    def __str__(self) -> str:
        return self.field if self.key is None else f"{self.field}/{self.key}"


@dataclass(frozen=True, slots=True)
class Ref:
    """One Conductor expression: ``${<source>.<root>.<path...>}``.

    ``source`` is ``"workflow"`` or a taskReferenceName; ``root`` the first field under it
    (``input``, ``output``, ``variables``, ...); ``path`` the keys and indexes below that.
    ``tail`` keeps any JSONPath remainder that is not a plain key or index (``[*].id``,
    filters), as read from JSON.
    """

    source: str
    root: str | None
    path: tuple[PathItem, ...] = ()
    tail: str = ""
    span: Span | None = field(default=None, compare=False)
    # References nested inside this one's path (``${a.output[${b.output.i}]}``), resolved
    # first by Conductor; their text is part of ``tail``.
    nested: tuple[Ref, ...] = field(default=(), compare=False)

    @property
    def jsonpath(self) -> str:
        out = self.source
        if self.root is not None:
            out += "." + self.root
        for item in self.path:
            if isinstance(item, int):
                out += f"[{item}]"
            elif _is_plain_key(item):
                out += "." + item
            else:
                escaped = item.replace("\\", "\\\\").replace("'", "\\'")
                out += f"['{escaped}']"
        return out + self.tail

    @property
    def expression(self) -> str:
        return "${" + self.jsonpath + "}"

    def child(self, item: PathItem, span: Span | None = None) -> Ref:
        if self.root is None:
            if not isinstance(item, str):
                raise TypeError("the first key under a reference source must be a name")
            return Ref(self.source, item, (), self.tail, span)
        return Ref(self.source, self.root, (*self.path, item), self.tail, span)


@functools.lru_cache(maxsize=4096)
def _is_plain_key(key: str) -> bool:
    # Conductor resolves ${...} with Jayway JsonPath: dotted keys must be identifier-like;
    # anything else needs the bracket form (ParametersUtils, conductor-contract.md §3.2).
    # (Remembered: a function of the key alone, asked for every reference written; issue 11.)
    return (
        bool(key)
        and (key[0].isalpha() or key[0] == "_")
        and all(ch.isalnum() or ch in "_-" for ch in key)
    )


@dataclass(frozen=True, slots=True)
class Template:
    """Literal text with references in it; Conductor resolves it to a string."""

    parts: tuple[str | Ref, ...]

    @property
    def refs(self) -> tuple[Ref, ...]:
        return tuple(p for p in self.parts if isinstance(p, Ref))


Value: TypeAlias = (
    Any  # None | bool | int | float | str | Ref | Template | list[Value] | dict[str, Value]
)


# The types of JSON's plain values (no references inside), by exact type.
SCALAR_TYPES: frozenset[type] = frozenset({str, int, float, bool, type(None)})


def iter_refs(value: Value) -> Iterator[tuple[tuple[PathItem, ...], Ref]]:
    """Every reference inside a value, with the key path that leads to it."""
    stack: list[tuple[tuple[PathItem, ...], Value]] = [((), value)]
    while stack:
        path, current = stack.pop()
        kind = type(current)
        if kind is Ref:
            yield path, current
        elif kind is dict:
            # (issue 11) Plain values are skipped before they are stacked, and the exact
            # type is tested before the slower abstract Mapping below.
            for key in reversed(list(current)):
                item = current[key]
                if type(item) not in SCALAR_TYPES:
                    stack.append(((*path, key), item))
        elif isinstance(current, Ref):
            yield path, current
        elif isinstance(current, Template):
            for ref in current.refs:
                yield path, ref
        elif isinstance(current, Mapping):
            for key in reversed(list(current)):
                stack.append(((*path, key), current[key]))
        elif isinstance(current, list | tuple):
            for index in range(len(current) - 1, -1, -1):
                stack.append(((*path, index), current[index]))


@dataclass(slots=True)
class Task:
    """One WorkflowTask.

    ``fields`` holds the WorkflowTask's other Conductor fields by their JSON names
    (``optional``, ``startDelay``, ``evaluatorType``, ``subWorkflowParam``, ...), with
    values that may contain references. ``blocks`` holds nested task lists by
    :class:`BlockKey`: ``forkTasks`` with the branch index, ``decisionCases`` with the case
    value, ``defaultCase``, ``loopOver``; in the order Conductor's JSON lists them.
    """

    name: str
    ref: str
    type: str
    inputs: dict[str, Value] = field(default_factory=dict)
    fields: dict[str, Value] = field(default_factory=dict)
    blocks: dict[BlockKey, list[Task]] = field(default_factory=dict)
    description: str | None = None
    span: Span | None = None
    input_spans: dict[str, Span] = field(default_factory=dict)
    field_spans: dict[str, Span] = field(default_factory=dict)
    # SUB_WORKFLOW with an inline ``subWorkflowParam.workflowDefinition``: that workflow.
    inline_workflow: Workflow | None = None
    # Inputs the author gave that could not become values (each already reported).
    unconverted: tuple[str, ...] = ()
    # Set on tasks a construct generated rather than the author (e.g. "switch-merge", the
    # INLINE that returns a SWITCH's chosen value: it reads every case on purpose).
    generated: str | None = None

    def walk(self) -> Iterator[Task]:
        """This task and every task nested in it, depth first, in definition order."""
        yield self
        for block in self.blocks.values():
            for task in block:
                if task.blocks:
                    yield from task.walk()
                else:
                    yield task  # (issue 11) no generator per leaf task


@dataclass(slots=True)
class TaskDef:
    """A Conductor TaskDef for a task name.

    ``fields`` are the TaskDef's JSON fields as written (camelCase), before defaults.
    ``output_keys``/``output_types`` describe what the task declares it produces
    (None = unknown, so nothing can be checked); ``input_types`` what each input expects.
    """

    name: str
    fields: dict[str, Any]
    span: Span | None = None
    field_spans: dict[str, Span] = field(default_factory=dict)
    input_keys: tuple[str, ...] | None = None
    required_inputs: tuple[str, ...] = ()
    output_keys: tuple[str, ...] | None = None
    input_types: dict[str, Any] = field(default_factory=dict)
    output_types: dict[str, Any] = field(default_factory=dict)
    origin: Any = field(default=None, compare=False)  # the object it came from (identity)


@dataclass(slots=True)
class Workflow:
    """A WorkflowDef.

    ``fields`` holds the WorkflowDef's optional fields as set by the author (JSON names),
    ``inputs`` the declared workflow input names (None = not declared), ``outputs`` the
    outputParameters.
    """

    name: str
    version: int
    tasks: list[Task]
    inputs: tuple[str, ...] | None = None
    input_types: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Value] = field(default_factory=dict)
    fields: dict[str, Value] = field(default_factory=dict)
    description: str | None = None
    span: Span | None = None
    output_spans: dict[str, Span] = field(default_factory=dict)
    field_spans: dict[str, Span] = field(default_factory=dict)
    # Inputs a caller must give (Python: parameters without a default).
    required_inputs: tuple[str, ...] = ()
    # "python" when traced from a @workflow function (its signature is a contract the
    # checks enforce), "json" when read from a definition (declarations Conductor ignores).
    source: str = "json"

    @property
    def key(self) -> str:
        return f"{self.name}.v{self.version}"

    def walk(self) -> Iterator[Task]:
        for task in self.tasks:
            if task.blocks:
                yield from task.walk()
            else:
                yield task  # (issue 11) no generator per leaf task


@dataclass(slots=True)
class Program:
    """Everything one compile or check run sees: workflows and task definitions."""

    workflows: list[Workflow] = field(default_factory=list)
    task_defs: dict[str, TaskDef] = field(default_factory=dict)
    # The JSON files read that held definitions.
    files: list[str] = field(default_factory=list)

    def all_workflows(self) -> Iterator[Workflow]:
        """Every workflow, including inline sub-workflow definitions, depth first."""
        stack = list(reversed(self.workflows))
        while stack:
            wf = stack.pop()
            yield wf
            inline = [t.inline_workflow for t in wf.walk() if t.inline_workflow is not None]
            stack.extend(reversed(inline))
