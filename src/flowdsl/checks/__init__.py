"""Checks: independent read-only passes over the IR, each yielding findings.

A check is ``def name(ctx: CheckContext) -> Iterable[Diagnostic]``; ``CHECKS`` lists them
in the order they run. All findings of a run are reported, not the first only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from flowdsl.checks._outputs import declared_outputs
from flowdsl.checks.definitions import task_definitions, workflow_definitions
from flowdsl.checks.expressions import expressions
from flowdsl.checks.inputs import task_inputs
from flowdsl.checks.names import names
from flowdsl.checks.references import references
from flowdsl.checks.structure import structure
from flowdsl.checks.subworkflows import sub_workflows
from flowdsl.checks.types import types
from flowdsl.checks.values import values
from flowdsl.conductor.targets import Target
from flowdsl.diagnostics import Diagnostic
from flowdsl.ir.graph import WorkflowGraph
from flowdsl.ir.nodes import Program, Task, Workflow
from flowdsl.ir.scope import ScopeIndex


@dataclass
class CheckContext:
    """What every check reads: the program, the target, and facts computed once."""

    program: Program
    target: Target
    _graphs: dict[int, WorkflowGraph] = field(default_factory=dict)
    _scopes: dict[int, ScopeIndex] = field(default_factory=dict)

    def graph(self, workflow: Workflow) -> WorkflowGraph:
        key = id(workflow)
        if key not in self._graphs:
            self._graphs[key] = WorkflowGraph(workflow)
        return self._graphs[key]

    def scope(self, workflow: Workflow) -> ScopeIndex:
        key = id(workflow)
        if key not in self._scopes:
            self._scopes[key] = ScopeIndex(workflow)
        return self._scopes[key]

    def declared_outputs(self, workflow: Workflow, task: Task) -> frozenset[str] | None:
        return declared_outputs(self.program, workflow, task)


Check = Callable[[CheckContext], Iterable[Diagnostic]]


CHECKS: tuple[Check, ...] = (
    values,
    names,
    structure,
    workflow_definitions,
    task_definitions,
    references,
    task_inputs,
    types,
    sub_workflows,
    expressions,
)


def run_checks(
    program: Program, target: Target, checks: Sequence[Check] = CHECKS
) -> list[Diagnostic]:
    ctx = CheckContext(program, target)
    found: list[Diagnostic] = []
    for check in checks:
        found.extend(check(ctx))
    return found
