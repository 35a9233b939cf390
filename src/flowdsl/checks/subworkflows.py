"""Sub-workflows: no recursion; a child without a version must be among the inputs."""

from __future__ import annotations

import graphlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from flowdsl.checks._outputs import sub_workflow_child
from flowdsl.conductor.tasktypes import sub_workflow_param
from flowdsl.diagnostics import Diagnostic, SubWorkflowRecursion, UnknownSubWorkflow
from flowdsl.ir.nodes import Task, Workflow

if TYPE_CHECKING:
    from flowdsl.checks import CheckContext


def _node(wf: Workflow, top_level: set[int]) -> str:
    # Registered workflows are found by name; an inline definition is its own node (nested
    # inline definitions are finite, whatever their names).
    return wf.name if id(wf) in top_level else f"{wf.name} (inline #{id(wf)})"


def _child_name(task: Task) -> str | None:
    return sub_workflow_param(task).name


def sub_workflows(ctx: CheckContext) -> Iterator[Diagnostic]:
    calls: dict[str, set[str]] = {}
    sites: dict[tuple[str, str], Task] = {}
    top_level = {id(wf) for wf in ctx.program.workflows}
    for wf in ctx.all_workflows():
        here = _node(wf, top_level)
        for task in ctx.tasks(wf):
            if task.type != "SUB_WORKFLOW":
                continue
            if task.inline_workflow is not None:
                child = _node(task.inline_workflow, top_level)
            else:
                name = _child_name(task)
                if name is None:
                    continue
                child = name
                yield from _unknown_child(ctx, wf, task, name)
            calls.setdefault(here, set()).add(child)
            calls.setdefault(child, set())
            sites.setdefault((here, child), task)
    yield from _recursion(calls, sites)


def _recursion(
    calls: dict[str, set[str]], sites: dict[tuple[str, str], Task]
) -> Iterator[Diagnostic]:
    """Every cycle of workflows starting one another (FD310)."""
    try:
        # (issue 11) The standard library answers "is there a cycle" without networkx,
        # whose import costs more than a whole small check; a cycle is rare.
        graphlib.TopologicalSorter(calls).prepare()
        return
    except graphlib.CycleError:
        pass
    import networkx as nx  # noqa: PLC0415

    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_edges_from(sites)
    reported: set[frozenset[str]] = set()
    for cycle in nx.simple_cycles(graph):
        members = frozenset(cycle)
        if members in reported:
            continue
        reported.add(members)
        path = " -> ".join(n.split(" (inline")[0] for n in [*cycle, cycle[0]])
        site = sites[(cycle[-1], cycle[0])]
        yield SubWorkflowRecursion(
            f"sub-workflow recursion: {path}; every run would start another one",
            site.span,
            hint="break the cycle: a workflow cannot contain itself",
        )


def _unknown_child(ctx: CheckContext, wf: Workflow, task: Task, name: str) -> Iterator[Diagnostic]:
    param = sub_workflow_param(task)
    if task.inline_workflow is not None or not param.present:
        return
    if param.version is not None:
        return  # a pinned version may be registered on the server already
    if sub_workflow_child(ctx.program, task) is None:
        yield UnknownSubWorkflow(
            f"`{task.ref}` starts workflow `{name}` without a version, and `{name}` is not "
            "among the inputs: Conductor looks the latest version up when the parent starts, "
            "and the parent fails to start if none is registered",
            task.span,
            hint=f"pass `{name}`'s definition too, or pin subWorkflowParam.version",
        )
