"""Documentation pages: one Markdown page per workflow and an index, from jinja2 templates.

The templates ship with flowdsl (``flowdsl/render/templates/*.md.j2``); a directory given
as ``templates`` is searched first, so a file there with the same name replaces one of them.
Pages are plain CommonMark with GitHub tables: they read the same on GitHub and in MkDocs.
Each page embeds its workflow's diagram from ``diagrams/<name>.v<version>.svg`` beside it.

What a template sees is documented in docs/diagrams.md; it is built by :func:`page_context`.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from flowdsl.errors import UsageError
from flowdsl.ir.nodes import Program, Task, Workflow
from flowdsl.render._text import (
    body_line,
    policies,
    policy_text,
    resolve_sub_workflow,
    sub_workflow_target,
    value_text,
)
from flowdsl.render.diagram import diagram_name
from flowdsl.render.layout import DIAGRAM_DIR
from flowdsl.types import declared_fields

WORKFLOW_TEMPLATE = "workflow.md.j2"
INDEX_TEMPLATE = "index.md.j2"


def page_name(workflow: Workflow) -> str:
    return f"{workflow.name}.v{workflow.version}.md"


# --- Markdown helpers (jinja2 filters) ---------------------------------------------------


def md_cell(value: Any) -> str:
    """Text for a Markdown table cell: pipes escaped, lines joined with <br>."""
    text = "" if value is None else str(value)
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    text = re.sub(r"([*`\[\]<>])", r"\\\1", text)
    text = re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", text)
    return "<br>".join(line.strip() for line in text.strip().splitlines())


def md_code(value: Any) -> str:
    """Inline code that survives any backticks and pipes in ``value`` (table-safe)."""
    text = " ".join(("" if value is None else str(value)).split())
    if not text:
        return ""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    # GitHub and Python-Markdown both take \| inside code spans in tables as a pipe.
    body = text.replace("|", "\\|")
    return f"{fence}{pad}{body}{pad}{fence}"


def md_text(value: Any) -> str:
    """Free text (descriptions) as Markdown paragraphs, HTML-ish characters escaped."""
    text = "" if value is None else str(value)
    return re.sub(r"([<>])", r"\\\1", text).strip()


# --- what the templates see --------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str | None
    description: str | None


@dataclass(frozen=True)
class Output:
    name: str
    value: str


@dataclass(frozen=True)
class TaskRow:
    ref: str
    name: str
    type: str
    where: str  # "" at top level, else the construct and block it is in
    depth: int
    description: str | None
    does: str | None
    policies: str
    inputs: list[tuple[str, str]]


@dataclass(frozen=True)
class SubWorkflowRow:
    ref: str
    target: str
    page: str | None  # the page of the workflow it runs, when the docs hold one
    inline: bool


def type_text(annotation: Any) -> str | None:
    """A Python annotation as a reader writes it: ``str``, ``list[int]``, ``Recipe``."""
    if annotation is None or annotation is inspect.Parameter.empty:
        return None
    if annotation is typing.Any:
        return "Any"
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__name__
    text = repr(annotation)
    text = re.sub(r"\b(?:typing|builtins|collections\.abc)\.", "", text)
    return re.sub(r"<class '(?:[\w.]+\.)?(\w+)'>", r"\1", text)


def _model_summary(annotation: Any) -> str | None:
    fields = declared_fields(annotation)
    if not fields:
        return None
    inner = ", ".join(f"{k}: {type_text(v)}" for k, v in fields.items())
    return "{" + inner + "}"


_ARGS_HEADER = re.compile(r"^(Args|Arguments|Parameters|Inputs):\s*$", re.M)
_SPHINX_PARAM = re.compile(r"^\s*:param\s+(?:\S+\s+)?(\w+):\s*(.*)$", re.M)


def split_description(text: str | None) -> tuple[str | None, dict[str, str]]:
    """(the description without its parameter section, descriptions by parameter name).

    Reads Google-style ``Args:`` sections and Sphinx ``:param x:`` lines.
    """
    if not text:
        return None, {}
    found: dict[str, str] = {}
    for match in _SPHINX_PARAM.finditer(text):
        found[match.group(1)] = match.group(2).strip()
    text = _SPHINX_PARAM.sub("", text)
    header = _ARGS_HEADER.search(text)
    if header:
        rest = text[header.end() :].splitlines()
        consumed = 0
        current: str | None = None
        for line in rest:
            if line.strip() and not line.startswith((" ", "\t")):
                break
            consumed += 1
            item = re.match(r"^\s+(\w+)(?:\s*\([^)]*\))?:\s*(.*)$", line)
            if item and (current is None or _indent(line) <= _indent_of(rest, current)):
                current = item.group(1)
                found[current] = item.group(2).strip()
            elif current is not None and line.strip():
                found[current] = (found[current] + " " + line.strip()).strip()
        remaining = rest[consumed:]
        text = text[: header.start()] + "\n".join(remaining)
    cleaned = text.strip()
    return (cleaned or None), found


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _indent_of(lines: Sequence[str], name: str) -> int:
    for line in lines:
        if re.match(rf"^\s+{re.escape(name)}\b", line):
            return _indent(line)
    return 0


def _rows(tasks: Sequence[Task], program: Program, where: str, depth: int) -> list[TaskRow]:
    rows: list[TaskRow] = []
    for task in tasks:
        rows.append(
            TaskRow(
                ref=task.ref,
                name=task.name,
                type=task.type,
                where=where,
                depth=depth,
                description=task.description,
                does=body_line(task),
                policies=policy_text(policies(task, program)),
                inputs=[(k, value_text(v)) for k, v in task.inputs.items()],
            )
        )
        for key, block in task.blocks.items():
            if key.field == "forkTasks":
                inner = f"{task.ref}, branch {int(key.key or 0) + 1}"
            elif key.field == "decisionCases":
                inner = f"{task.ref}, case {key.key}"
            elif key.field == "defaultCase":
                inner = f"{task.ref}, default case"
            elif key.field == "loopOver":
                inner = f"{task.ref}, loop body"
            else:
                inner = f"{task.ref}, {key}"
            rows.extend(_rows(block, program, inner, depth + 1))
    return rows


def page_context(
    workflow: Workflow, program: Program, documented: Sequence[Workflow]
) -> dict[str, Any]:
    """What ``workflow.md.j2`` sees for one workflow."""
    description, arg_docs = split_description(workflow.description)
    inputs: list[Parameter] = []
    for name in workflow.inputs or ():
        annotation = workflow.input_types.get(name)
        doc = arg_docs.get(name)
        kind = type_text(annotation)
        summary = _model_summary(annotation)
        if summary:
            kind = f"{kind} {summary}"
        if doc is None and summary and isinstance(annotation, type):
            own = annotation.__dict__.get("__doc__")  # the model's own docstring only
            if isinstance(own, str) and own.strip():
                doc = own.strip().splitlines()[0]
        inputs.append(Parameter(name, kind, doc))
    outputs = [Output(k, value_text(v)) for k, v in workflow.outputs.items()]
    pages = {(wf.name, wf.version): page_name(wf) for wf in documented}
    subs: list[SubWorkflowRow] = []
    for task in workflow.walk():
        if task.type != "SUB_WORKFLOW":
            continue
        target = resolve_sub_workflow(task, program)
        page = None
        if target is not None and task.inline_workflow is None:
            page = pages.get((target.name, target.version))
        subs.append(
            SubWorkflowRow(
                task.ref, sub_workflow_target(task), page, task.inline_workflow is not None
            )
        )
    settings = [
        (key, value_text(value))
        for key, value in workflow.fields.items()
        if key not in ("variables", "inputTemplate") or value
    ]
    return {
        "workflow": workflow,
        "name": workflow.name,
        "version": workflow.version,
        "title": f"{workflow.name} v{workflow.version}",
        "description": description,
        "inputs": inputs,
        "inputs_declared": workflow.inputs is not None,
        "outputs": outputs,
        "tasks": _rows(workflow.tasks, program, "", 0),
        "sub_workflows": subs,
        "settings": settings,
        "diagram": f"{DIAGRAM_DIR}/{diagram_name(workflow, 'svg')}",
        "source": str(workflow.span) if workflow.span is not None else None,
    }


def index_context(workflows: Sequence[Workflow]) -> dict[str, Any]:
    entries = []
    for wf in workflows:
        description, _ = split_description(wf.description)
        first = description.splitlines()[0] if description else None
        entries.append(
            {
                "name": wf.name,
                "version": wf.version,
                "page": page_name(wf),
                "summary": first,
                "tasks": sum(1 for _ in wf.walk()),
            }
        )
    return {"workflows": entries}


def environment(templates: Path | None = None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if templates is not None:
        if not templates.is_dir():
            raise UsageError(f"--templates {templates}: not a directory")
        loaders.append(jinja2.FileSystemLoader(str(templates)))
    loaders.append(jinja2.PackageLoader("flowdsl.render", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    filters: dict[str, Callable[[Any], str]] = {"cell": md_cell, "code": md_code, "text": md_text}
    env.filters.update(filters)
    return env


def render_pages(
    program: Program, workflows: Sequence[Workflow], templates: Path | None = None
) -> dict[str, bytes]:
    """``{relative path: content}`` of the index and one page per workflow."""
    env = environment(templates)
    files: dict[str, bytes] = {}
    try:
        page = env.get_template(WORKFLOW_TEMPLATE)
        for wf in workflows:
            text = page.render(page_context(wf, program, workflows))
            files[page_name(wf)] = text.encode("utf-8")
        index = env.get_template(INDEX_TEMPLATE)
        files["index.md"] = index.render(index_context(workflows)).encode("utf-8")
    except jinja2.TemplateError as exc:
        where = (
            f" ({exc.filename}:{exc.lineno})" if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        )
        raise UsageError(f"template error{where}: {exc}") from None
    return files
