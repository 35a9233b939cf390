"""Names: taskReferenceNames and workflow/task names Conductor rejects or mishandles."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from flowdsl.diagnostics import (
    BadName,
    BadReferenceName,
    Diagnostic,
    DuplicateReferenceName,
    EmptyWorkflow,
)
from flowdsl.ir.nodes import Span

if TYPE_CHECKING:
    from flowdsl.checks import CheckContext

# Names become file names in the output folders, and queue names on the server.
_FORBIDDEN_IN_NAMES = ("/", "\\", "\x00")


def names(ctx: CheckContext) -> Iterator[Diagnostic]:
    fine: set[str] = set()
    for wf in ctx.program.workflows:
        yield from _name(wf.name, "workflow", wf.span)
        if not wf.tasks:
            # WorkflowDef.tasks: @NotEmpty "WorkflowTask list cannot be empty".
            yield EmptyWorkflow(
                f"workflow `{wf.name}` has no tasks; Conductor rejects an empty task list",
                wf.span,
                hint="call at least one task in the workflow function",
            )
        seen: dict[str, str] = {}
        for task in ctx.tasks(wf):
            if task.name not in fine:  # (issue 11) a name used by many tasks, checked once
                found = list(_name(task.name, "task", task.span))
                if found:
                    yield from found
                else:
                    fine.add(task.name)
            ref = task.ref
            if ref in seen:
                # TaskReferenceNameUniqueConstraint walks collectTasks(): branches and loops too.
                yield DuplicateReferenceName(
                    f"taskReferenceName `{ref}` is used twice in workflow `{wf.name}` "
                    f"(also by `{seen[ref]}`)",
                    task.span,
                    hint="give each call its own ref: task.options(ref=...)",
                )
            else:
                seen[ref] = task.name
            yield from _ref_name(ref, task.span)
    for td in ctx.program.task_defs.values():
        yield from _name(td.name, "task", td.span)


def _name(name: str, kind: str, where: Span | None) -> Iterator[Diagnostic]:
    if not name or not name.strip():
        yield BadName(f"{kind} name is empty; Conductor requires one", where)
    elif any(ch in name for ch in _FORBIDDEN_IN_NAMES) or name.startswith("."):
        yield BadName(
            f"{kind} name `{name}` contains a path separator or starts with `.`",
            where,
            hint="use letters, digits, `_` and `-`",
        )


# Characters that break ${ref...} resolution (Jayway JsonPath, ParametersUtils' brace
# matcher) or the REST path /api/tasks/{workflowId}/{taskRefName}/{status}.
_BREAKING = frozenset(" .()[]{}$@/\\*?\"'")


# (issue 11) Names every rule below accepts: ASCII letters, digits and `-`, in words joined
# by single `_` (no `.`, nothing in _BREAKING, no `__`, no trailing `_`); and not `workflow`.
_PLAIN_REF = re.compile(r"[A-Za-z0-9-]+(?:_[A-Za-z0-9-]+)*")


def _ref_name(ref: str, where: Span | None) -> Iterator[Diagnostic]:
    """Rules from Conductor's TaskUtils (loop suffix ``__N``) and ParametersUtils."""
    if _PLAIN_REF.fullmatch(ref) and ref != "workflow":
        return
    if not ref:
        yield BadReferenceName("taskReferenceName is empty; Conductor requires one", where)
        return
    problem: str | None = None
    if "." in ref:
        problem = "contains `.`, so an expression reading it splits the name as a path"
    elif not _BREAKING.isdisjoint(ref):
        bad = sorted({ch for ch in ref if ch in _BREAKING})
        shown = ", ".join(f"`{ch}`" for ch in bad)
        problem = f"contains {shown}, which breaks `${{{ref}.output...}}` expressions"
    elif "__" in ref:
        # TaskUtils.removeIterationFromTaskRefName: ref.split("__")[0] inside loops.
        problem = "contains `__`, which Conductor reads as a loop iteration suffix"
    elif ref.endswith("_"):
        problem = "ends in `_`, so inside a loop `<ref>__<n>` splits back wrongly"
    elif ref == "workflow":
        problem = "is `workflow`, which shadows the workflow's own fields in expressions"
    if problem is not None:
        yield BadReferenceName(
            f"taskReferenceName `{ref}` {problem}",
            where,
            hint="use letters, digits and single `_` inside the name",
        )
