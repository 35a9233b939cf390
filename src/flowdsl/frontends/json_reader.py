"""Conductor JSON -> IR, so ``flowdsl check`` runs the same checks on JSON as on Python.

A target is a ``.json`` file or a directory (every ``*.json`` below it, in sorted order,
hidden directories and ``node_modules`` skipped). A file may hold a WorkflowDef (an object
with ``tasks``), a TaskDef (an object with a string ``name``, no ``tasks`` and some TaskDef
field), or a list of those. Other JSON (``package.json``, schedules...) is skipped without a
word, and a list element that is neither kind is reported (FD604). Malformed JSON stops the
run (LoadError), except an empty file found in a directory, which holds nothing.

The IR follows the tracer's conventions (see :mod:`flowdsl.ir.nodes`):

* every string Conductor resolves (task ``inputParameters``, workflow
  ``outputParameters``) is parsed by :func:`flowdsl.ir.expressions.parse_string`; all other
  fields are kept exactly as written (``fields``), unknown keys included, for the checks;
* ``Task.blocks`` holds a ``BlockKey`` for each branch of ``forkTasks`` (its index), each
  case of ``decisionCases`` (its key as written), ``defaultCase`` and ``loopOver``, in file
  order, whichever are present, empty lists too;
* a SUB_WORKFLOW whose ``subWorkflowParam.workflowDefinition`` is an object gets it as
  ``inline_workflow``;
* spans are ``Span(file, pointer=...)`` with the file as the user named it and the RFC 6901
  pointer of the value; :func:`flowdsl.jsonsource.resolve_spans` adds lines and columns
  for the findings that are reported. ``field_spans`` has an entry for every key of the
  object (``name``, ``type``, the block lists...), ``input_spans`` and ``output_spans``
  one for every parameter; those of tasks and workflows are made when first read
  (:class:`flowdsl.jsonsource.PointerSpans`): the checks read few.

Expression problems become MalformedExpression (FD504) or, for text meant literally,
LiteralNeedsEscape (FD505; any ``${$...}`` in an INLINE ``expression`` or LAMBDA
``scriptExpression``, which is JavaScript's). ``${$.x}`` and ``${x['y']}`` are reported only
in the inputs of a registered workflow's top-level tasks: registration refuses them there,
and Jayway resolves them everywhere.

Input that is not even the right JSON shape where the reader needs one (``tasks`` that is
not a list, a task that is not an object, ``inputParameters`` that is not an object, a
``null`` block list, a non-string ``name``...) is reported as FieldValueInvalid (FD604)
and read as well as possible (empty strings, empty lists), never raised.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from flowdsl.collector import paused as collector_paused
from flowdsl.conductor.models import TaskDef as _ModelTaskDef
from flowdsl.conductor.models import WorkflowDef as _ModelWorkflowDef
from flowdsl.conductor.models import snake_fields, with_defaults
from flowdsl.conductor.targets import AUDITABLE_FIELDS
from flowdsl.conductor.tasktypes import (
    BLOCK_FIELDS,
    BLOCK_SHAPES,
    RESOLVED_FIELDS,
    BlockShape,
)
from flowdsl.diagnostics import (
    ConflictingTaskDefinitions,
    Diagnostic,
    DuplicateKey,
    DuplicateWorkflow,
    FieldValueInvalid,
    LiteralNeedsEscape,
    MalformedExpression,
    ReferenceLookalike,
    UnusualJson,
)
from flowdsl.errors import LoadError
from flowdsl.files import require_regular, walk
from flowdsl.ir.expressions import ExpressionProblem, expression_at, parse_string
from flowdsl.ir.nodes import BlockKey, Program, Span, Task, TaskDef, Value, Workflow
from flowdsl.jsonsource import JsonDocument, PointerSpans, escape_token, load_json, read_text

_BLOCKS = frozenset(BLOCK_FIELDS)
_TASK_OWN = frozenset({"name", "taskReferenceName", "type", "description", "inputParameters"})
_NOT_TASK_FIELDS = _TASK_OWN | _BLOCKS
_WORKFLOW_OWN = frozenset(
    {"name", "version", "tasks", "inputParameters", "outputParameters", "description"}
)
# Keys that make an object without ``tasks`` a TaskDef (besides its ``name``). A server
# export writes every default, so it has them; the Auditable keys (createTime...) are left
# out: schedules and other Conductor objects carry them too.
_TASK_DEF_KEYS = frozenset(snake_fields(_ModelTaskDef).values()) - {"name", "description"}
# Task inputs that are scripts: a `${` in them is usually JavaScript's, not Conductor's.
_SCRIPT_INPUTS = {"INLINE": "expression", "LAMBDA": "scriptExpression"}
_SKIPPED_DIRS = frozenset({"node_modules"})
_HINTS = {
    "unbalanced": "close it with `}`, or write `$${` to keep the text literal",
    "empty": "remove it, or write `$${}` to keep the text literal",
    "root": "start with the reference name: `${workflow.input.x}`, not `${$.workflow...}`",
    "bracket": "start with the reference name and a dot: `${ref.output['key']}`",
    "invalid": "write `${<ref>.output.<key>}` or `${workflow.input.<key>}`",
}


def read_json_targets(
    targets: Iterable[str], unreadable: list[LoadError] | None = None
) -> tuple[Program, list[Diagnostic]]:
    """Read every workflow and task definition in the targets into one Program.

    A target or file that cannot be read raises LoadError, unless ``unreadable`` is given:
    then the error is added to it and every other file is still read.
    """
    reader = _Reader()
    seen: set[Path] = set()
    with collector_paused():
        for target in targets:
            found_in_directory = Path(target).is_dir()
            try:
                paths = json_files(target)
            except LoadError as exc:
                if unreadable is None:
                    raise
                unreadable.append(exc)
                continue
            for path in paths:
                key = path.resolve()
                if key in seen:
                    continue
                seen.add(key)
                try:
                    try:
                        reader.read_file(path, skip_empty=found_in_directory)
                    except RecursionError:
                        raise LoadError(f"{path}: nested too deeply to check") from None
                except LoadError as exc:
                    if unreadable is None:
                        raise
                    unreadable.append(exc)
    return reader.program, reader.diagnostics


def json_files(target: str) -> list[Path]:
    """The JSON files a target names: itself, or those below a folder (sorted)."""
    path = Path(target)
    if path.is_dir():
        found = walk(
            path,
            lambda name: name.endswith(".json"),
            lambda name: name.startswith(".") or name in _SKIPPED_DIRS,
        )
        return sorted(found)
    require_regular(path)
    return [path]


_escape = escape_token


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def is_workflow_def(value: object) -> bool:
    """An object with ``tasks`` (a list, or anything beside a ``name``)."""
    return (
        isinstance(value, dict)
        and "tasks" in value
        and (isinstance(value["tasks"], list) or "name" in value)
    )


def is_task_def(value: object) -> bool:
    """An object with a string ``name``, no ``tasks`` nor ``taskReferenceName``, and either
    nothing else or some TaskDef field."""
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("name"), str)
        or "tasks" in value
        or "taskReferenceName" in value
    ):
        return False
    return len(value) == 1 or not _TASK_DEF_KEYS.isdisjoint(value)


class _Reader:
    def __init__(self) -> None:
        self.program = Program()
        self.diagnostics: list[Diagnostic] = []
        self.file = ""
        # (name, version) -> (raw definition, span) of the first workflow seen
        self._workflows: dict[tuple[str, int], tuple[dict[str, Any], Span]] = {}
        self._task_def_origins: dict[str, tuple[dict[str, Any], Span]] = {}

    # -- files ----------------------------------------------------------------------------

    def read_file(self, path: Path, skip_empty: bool = False) -> None:
        if skip_empty:
            text = read_text(path)
            if not text.strip():
                return  # an empty file found in a directory holds nothing
            document = JsonDocument(str(path), text)
        else:
            document = load_json(path)
        data = document.data
        self.file = document.path
        if document.trailing is not None:
            line, column = document.line_column(document.trailing)
            self.diagnostics.append(
                UnusualJson(
                    "text follows the JSON value; Conductor's parser stops after the value "
                    "and ignores it (FAIL_ON_TRAILING_TOKENS is off), other JSON tools reject "
                    "the file",
                    Span(self.file, line, column),
                    hint="remove what follows the value",
                )
            )
        if isinstance(data, dict):
            if is_workflow_def(data):
                self._top_workflow(data, "")
            elif is_task_def(data):
                self._task_def(data, "")
            else:
                return
        elif isinstance(data, list) and any(is_workflow_def(e) or is_task_def(e) for e in data):
            for index, element in enumerate(data):
                if is_workflow_def(element):
                    self._top_workflow(element, f"/{index}")
                elif isinstance(element, dict) and isinstance(element.get("name"), str):
                    # A list is what POST /api/metadata/taskdefs takes: Conductor reads each
                    # object with a name as a TaskDef and ignores the fields TaskDef has not
                    # (FAIL_ON_UNKNOWN_PROPERTIES off: ObjectMapperProvider).
                    self._task_def(element, f"/{index}")
                else:
                    self._invalid(
                        f"element {index} of the list is neither a workflow definition "
                        f"(no `tasks`) nor a task definition; it is {_json_type(element)}",
                        f"/{index}",
                    )
        else:
            return
        self._duplicate_keys(document)
        self.program.files.append(self.file)

    def _duplicate_keys(self, document: JsonDocument) -> None:
        """A warning at each value a repeated key makes Conductor ignore."""
        for pointer, key, unused, used in document.duplicate_keys():
            line, column = document.line_column(unused)
            used_line, used_column = document.line_column(used)
            self.diagnostics.append(
                DuplicateKey(
                    f"key `{key}` is written again at {used_line}:{used_column}; Conductor uses "
                    "that last value and ignores this one",
                    Span(self.file, line, column, f"{pointer}/{_escape(key)}"),
                    hint="remove one of them",
                )
            )

    # -- diagnostics ----------------------------------------------------------------------

    def _span(self, pointer: str) -> Span:
        return Span(self.file, None, None, pointer)

    def _spans(self, prefix: str, keys: Mapping[str, Any]) -> dict[str, Span]:
        """A span for each key of an object whose pointer is ``prefix[:-1]``, each made
        when first asked for (the reader never changes the JSON it read)."""
        return PointerSpans.of(self.file, prefix, keys)

    def _invalid(self, message: str, pointer: str, hint: str | None = None) -> None:
        self.diagnostics.append(FieldValueInvalid(message, self._span(pointer), hint))

    def _string(self, raw: dict[str, Any], key: str, pointer: str, what: str) -> str:
        value = raw.get(key, "")
        if isinstance(value, str):
            return value
        self._invalid(
            f"{what} `{key}` must be a string, not {_json_type(value)}", f"{pointer}/{key}"
        )
        return ""

    def _description(self, raw: dict[str, Any], pointer: str, what: str) -> str | None:
        value = raw.get("description")
        if value is None or isinstance(value, str):
            return value
        self._invalid(
            f"{what} `description` must be a string, not {_json_type(value)}",
            f"{pointer}/description",
        )
        return None

    # -- values ---------------------------------------------------------------------------

    def _value(
        self,
        raw: Any,
        pointer: str,
        script: bool = False,
        span: Span | None = None,
        registered: bool = False,
    ) -> Value:
        """A value Conductor resolves, with every string parsed.

        ``span``: the value's span, if made already; ``script``: a JavaScript input;
        ``registered``: an input of a top-level task, whose expressions registration checks.
        """
        if isinstance(raw, str):
            if "${" not in raw:
                return raw
            return self._text(raw, span or Span(self.file, None, None, pointer), script, registered)
        # A string without `${` is itself, needing no pointer (most are).
        if isinstance(raw, dict):
            return {
                k: v
                if isinstance(v, str) and "${" not in v
                else self._value(v, f"{pointer}/{_escape(k)}", script, None, registered)
                for k, v in raw.items()
            }
        if isinstance(raw, list):
            return [
                v
                if isinstance(v, str) and "${" not in v
                else self._value(v, f"{pointer}/{i}", script, None, registered)
                for i, v in enumerate(raw)
            ]
        return raw

    def _text(self, raw: str, span: Span, script: bool, registered: bool) -> Value:
        """A string Conductor resolves, parsed."""
        value, problems = parse_string(raw, span, script=script)
        for problem in problems:
            self._problem(problem, raw, span, script, registered)
        return value

    def _problem(
        self, problem: ExpressionProblem, raw: str, span: Span, script: bool, registered: bool
    ) -> None:
        kind = problem.kind
        hint = "write `$${` for a `${` that Conductor must leave alone"
        if kind == "padded":
            return  # trailing blanks: Conductor reads the reference all the same
        if kind == "blank_start" and not script:
            shown = expression_at(raw, problem.offset)
            consequence = (
                'Conductor rejects it at registration ("input parameter value: ... is not valid")'
                if registered
                else "Conductor resolves it to null"
            )
            self.diagnostics.append(
                ReferenceLookalike(
                    f"`{shown}` looks like a reference but starts with a blank: {consequence}",
                    span,
                    hint="remove the blank after `${`",
                )
            )
            return
        if script and kind in ("literal", "root", "blank_start"):
            shown = expression_at(raw, problem.offset)
            message = (
                f"`{shown}` in this script looks like a JavaScript template literal, but "
                "Conductor resolves `${...}` in task inputs before the script runs "
                "(it becomes null or the text `null`)"
            )
            self.diagnostics.append(LiteralNeedsEscape(message, span, hint=hint))
        elif kind in ("literal", "blank_start"):
            self.diagnostics.append(LiteralNeedsEscape(problem.message, span, hint=hint))
        elif kind in ("root", "bracket") and not registered:
            # Only registration refuses these, and only in top-level tasks' inputs; Jayway
            # resolves them at run time.
            return
        else:
            self.diagnostics.append(MalformedExpression(problem.message, span, _HINTS[kind]))

    def _scan_problems(self, raw: Any, pointer: str) -> None:
        """Report expression problems in a value kept as written (TaskDef.inputTemplate)."""
        self._value(raw, pointer)

    # -- workflows ------------------------------------------------------------------------

    def _top_workflow(self, raw: dict[str, Any], pointer: str) -> None:
        name = raw.get("name")
        version = raw.get("version", 1)
        key = (
            name if isinstance(name, str) else "",
            version if isinstance(version, int) and not isinstance(version, bool) else 1,
        )
        span = self._span(pointer)
        first = self._workflows.get(key)
        if first is None:
            self._workflows[key] = (raw, span)
        elif _same(_ModelWorkflowDef, first[0], raw):
            return  # the same definition read twice (an export of it, say)
        else:
            where = first[1].file + (f" at {first[1].pointer}" if first[1].pointer else "")
            self.diagnostics.append(
                DuplicateWorkflow(
                    f"workflow `{key[0]}` version {key[1]} is also defined, "
                    f"differently, in {where}",
                    span,
                    hint="give one of them another name or version",
                )
            )
        self.program.workflows.append(self._workflow(raw, pointer, registered=True))

    def _workflow(self, raw: dict[str, Any], pointer: str, registered: bool) -> Workflow:
        """``registered``: a workflow registered on its own (not an inline sub-workflow)."""
        what = "a workflow's"
        name = self._string(raw, "name", pointer, what)
        version = raw.get("version", 1)
        if isinstance(version, bool) or not isinstance(version, int):
            self._invalid(
                f"workflow `version` must be an integer, not {_json_type(version)}",
                f"{pointer}/version",
            )
            version = 1

        tasks: list[Task] = []
        raw_tasks = raw.get("tasks")
        if isinstance(raw_tasks, list):
            tasks = self._tasks(raw_tasks, f"{pointer}/tasks", registered)
        else:
            self._invalid(
                f"workflow `tasks` must be an array of tasks, not {_json_type(raw_tasks)}",
                f"{pointer}/tasks",
                hint="Conductor fails on a null task list with a server error"
                if raw_tasks is None
                else None,
            )

        inputs: tuple[str, ...] | None = None
        raw_inputs = raw.get("inputParameters")
        if isinstance(raw_inputs, list):
            names: list[str] = []
            for index, item in enumerate(raw_inputs):
                if isinstance(item, str):
                    names.append(item)
                else:
                    self._invalid(
                        f"workflow `inputParameters` lists input names (strings), "
                        f"not {_json_type(item)}",
                        f"{pointer}/inputParameters/{index}",
                    )
            inputs = tuple(names) or None
        elif "inputParameters" in raw:
            self._invalid(
                "workflow `inputParameters` must be an array of input names, "
                f"not {_json_type(raw_inputs)}",
                f"{pointer}/inputParameters",
            )

        outputs: dict[str, Value] = {}
        output_spans: dict[str, Span] = {}
        raw_outputs = raw.get("outputParameters")
        if isinstance(raw_outputs, dict):
            for key, item in raw_outputs.items():
                item_pointer = f"{pointer}/outputParameters/{_escape(key)}"
                span = Span(self.file, None, None, item_pointer)
                outputs[key] = self._value(item, item_pointer, span=span)
                output_spans[key] = span
        elif "outputParameters" in raw:
            self._invalid(
                f"workflow `outputParameters` must be an object, not {_json_type(raw_outputs)}",
                f"{pointer}/outputParameters",
            )

        fields = {k: v for k, v in raw.items() if k not in _WORKFLOW_OWN}
        return Workflow(
            name=name,
            version=version,
            tasks=tasks,
            inputs=inputs,
            outputs=outputs,
            fields=fields,
            description=self._description(raw, pointer, what),
            span=self._span(pointer),
            output_spans=output_spans,
            field_spans=self._spans(pointer + "/", raw),
        )

    # -- tasks ----------------------------------------------------------------------------

    def _tasks(self, raw: list[Any], pointer: str, top: bool = False) -> list[Task]:
        """``top``: the top-level tasks of a registered workflow."""
        tasks: list[Task] = []
        for index, item in enumerate(raw):
            task = self._task(item, f"{pointer}/{index}", top)
            if task is not None:
                tasks.append(task)
        return tasks

    def _task(self, raw: Any, pointer: str, top: bool) -> Task | None:
        # Run for every task of every file: spans are made only when asked for (see
        # PointerSpans), and the common case (a dozen keys, a few inputs) goes without
        # helper calls.
        if not isinstance(raw, dict):
            self._invalid(f"a task must be an object, not {_json_type(raw)}", pointer)
            return None
        what = "a task's"
        file = self.file
        name = raw.get("name", "")
        if not isinstance(name, str):
            name = self._string(raw, "name", pointer, what)
        ref = raw.get("taskReferenceName", "")
        if not isinstance(ref, str):
            ref = self._string(raw, "taskReferenceName", pointer, what)
        task_type = raw.get("type", "SIMPLE")
        if not isinstance(task_type, str):
            self._invalid(
                f"task `type` must be a string, not {_json_type(task_type)}",
                f"{pointer}/type",
                hint="Conductor fails on a null type with a server error"
                if task_type is None
                else None,
            )
            task_type = "SIMPLE"

        inputs: dict[str, Value] = {}
        input_spans: dict[str, Span] = {}
        raw_inputs = raw.get("inputParameters")
        if isinstance(raw_inputs, dict):
            prefix = pointer + "/inputParameters/"
            script_key = _SCRIPT_INPUTS.get(task_type)
            made: dict[str, Span] = {}  # spans the values need: the others wait
            for key, item in raw_inputs.items():
                if isinstance(item, str) and "${" not in item:
                    inputs[key] = item
                    continue
                item_pointer = prefix + _escape(key)
                if isinstance(item, str):
                    span = made[key] = Span(file, None, None, item_pointer)
                    inputs[key] = self._text(item, span, key == script_key, top)
                else:
                    inputs[key] = self._value(item, item_pointer, key == script_key, None, top)
            input_spans = PointerSpans.of(file, prefix, raw_inputs, made)
        elif "inputParameters" in raw:
            self._invalid(
                f"task `inputParameters` must be an object, not {_json_type(raw_inputs)}",
                f"{pointer}/inputParameters",
            )

        # (issuperset: the common task has only keys the IR keeps apart, and this spares
        # building the dict key by key in Python.)
        fields = (
            {}
            if _NOT_TASK_FIELDS.issuperset(raw)
            else {k: v for k, v in raw.items() if k not in _NOT_TASK_FIELDS}
        )
        resolved = RESOLVED_FIELDS.get(task_type)
        if resolved is not None:
            for path in resolved:
                self._resolve_field(fields, path, pointer)
        blocks: dict[BlockKey, list[Task]] = {}
        if not _BLOCKS.isdisjoint(raw):
            for key in raw:
                if key in _BLOCKS:
                    self._blocks(key, raw[key], f"{pointer}/{key}", blocks)

        description = raw.get("description")
        if description is not None and not isinstance(description, str):
            description = self._description(raw, pointer, what)
        # (Positional: keywords cost a tenth of reading a task.)
        task = Task(
            name,
            ref,
            task_type,
            inputs,
            fields,
            blocks,
            description,
            Span(file, None, None, pointer),
            input_spans,
            PointerSpans.of(file, pointer + "/", raw),
        )
        if task_type == "SUB_WORKFLOW":
            params = raw.get("subWorkflowParam")
            if isinstance(params, dict) and isinstance(params.get("workflowDefinition"), dict):
                task.inline_workflow = self._workflow(
                    params["workflowDefinition"],
                    f"{pointer}/subWorkflowParam/workflowDefinition",
                    registered=False,
                )
        return task

    def _resolve_field(self, fields: dict[str, Any], path: tuple[str, ...], pointer: str) -> None:
        """Parse the expressions of a task field Conductor resolves (subWorkflowParam.name,
        DO_WHILE items...), copying the objects on the way so the raw JSON is untouched."""
        holder: dict[str, Any] = fields
        for key in path[:-1]:
            inner = holder.get(key)
            if not isinstance(inner, dict):
                return
            holder[key] = inner = dict(inner)
            holder = inner
        last = path[-1]
        if last in holder:
            field_pointer = pointer + "".join(f"/{_escape(k)}" for k in path)
            holder[last] = self._value(holder[last], field_pointer)

    def _blocks(
        self, key: str, value: Any, pointer: str, blocks: dict[BlockKey, list[Task]]
    ) -> None:
        null_hint = "Conductor fails on a null task list with a server error"
        shape = BLOCK_SHAPES[key]
        if shape is BlockShape.BRANCHES:
            if not isinstance(value, list):
                self._invalid(
                    f"`forkTasks` must be an array of task arrays, not {_json_type(value)}",
                    pointer,
                    hint=null_hint if value is None else None,
                )
                return
            for index, branch in enumerate(value):
                if isinstance(branch, list):
                    blocks[BlockKey(key, index)] = self._tasks(branch, f"{pointer}/{index}")
                else:
                    self._invalid(
                        f"each `forkTasks` branch must be an array of tasks, "
                        f"not {_json_type(branch)}",
                        f"{pointer}/{index}",
                    )
        elif shape is BlockShape.CASES:
            if not isinstance(value, dict):
                self._invalid(
                    f"`decisionCases` must be an object of task arrays, not {_json_type(value)}",
                    pointer,
                    hint=null_hint if value is None else None,
                )
                return
            for case, case_tasks in value.items():
                case_pointer = f"{pointer}/{_escape(case)}"
                if isinstance(case_tasks, list):
                    blocks[BlockKey(key, case)] = self._tasks(case_tasks, case_pointer)
                else:
                    self._invalid(
                        f"decision case `{case}` must be an array of tasks, "
                        f"not {_json_type(case_tasks)}",
                        case_pointer,
                    )
        elif isinstance(value, list):
            blocks[BlockKey(key)] = self._tasks(value, pointer)
        else:
            self._invalid(
                f"`{key}` must be an array of tasks, not {_json_type(value)}",
                pointer,
                hint=null_hint if value is None else None,
            )

    # -- task definitions -----------------------------------------------------------------

    def _task_def(self, raw: dict[str, Any], pointer: str) -> None:
        name: str = raw["name"]
        span = self._span(pointer)
        first = self._task_def_origins.get(name)
        if first is not None:
            if not _same(_ModelTaskDef, first[0], raw):
                where = first[1].file + (f" at {first[1].pointer}" if first[1].pointer else "")
                self.diagnostics.append(
                    ConflictingTaskDefinitions(
                        f"task definition `{name}` is also defined, differently, in {where}",
                        span,
                        hint="keep one definition per task name",
                    )
                )
            return
        self._task_def_origins[name] = (raw, span)
        if "inputTemplate" in raw:
            self._scan_problems(raw["inputTemplate"], f"{pointer}/inputTemplate")
        self.program.task_defs[name] = TaskDef(
            name=name,
            fields=raw,
            span=span,
            field_spans={k: self._span(f"{pointer}/{_escape(k)}") for k in raw},
            input_keys=_names(raw.get("inputKeys")),
            output_keys=_names(raw.get("outputKeys")),
        )


def _same(model: type[BaseModel], first: dict[str, Any], second: dict[str, Any]) -> bool:
    """Two definitions Conductor would store alike: equal once the Auditable fields
    (createTime, updatedBy...; the server sets them) are dropped, nulls dropped (the server
    writes none: NON_NULL inclusion) and every absent field given its default."""
    if first == second:
        return True
    try:
        return bool(_normal(model, first) == _normal(model, second))
    except (AttributeError, TypeError, ValueError):
        return False  # not the shape Conductor reads: compared as written above


def _normal(model: type[BaseModel], raw: dict[str, Any]) -> Any:
    stripped = {k: v for k, v in raw.items() if k not in AUDITABLE_FIELDS}
    return _no_nulls(with_defaults(model, _no_nulls(stripped)))


def _no_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _no_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_no_nulls(v) for v in value]
    return value


def _names(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(v for v in value if isinstance(v, str)) or None


__all__ = ["BLOCK_FIELDS", "is_task_def", "is_workflow_def", "read_json_targets"]
