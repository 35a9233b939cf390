"""Checks: independent read-only passes over the IR, each yielding findings.

A check is ``def name(ctx: CheckContext) -> Iterable[Diagnostic]``; ``CHECKS`` lists them
in the order they run. All findings of a run are reported, not the first only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from flowdsl.checks.definitions import task_definitions, workflow_definitions
from flowdsl.checks.expressions import expressions
from flowdsl.checks.names import names
from flowdsl.conductor.targets import Target
from flowdsl.diagnostics import Diagnostic
from flowdsl.ir.graph import WorkflowGraph
from flowdsl.ir.nodes import Program, Workflow


@dataclass
class CheckContext:
    program: Program
    target: Target
    _graphs: dict[int, WorkflowGraph] = field(default_factory=dict)

    def graph(self, workflow: Workflow) -> WorkflowGraph:
        key = id(workflow)
        if key not in self._graphs:
            self._graphs[key] = WorkflowGraph(workflow)
        return self._graphs[key]


Check = Callable[[CheckContext], Iterable[Diagnostic]]

CHECKS: tuple[Check, ...] = (names, workflow_definitions, task_definitions, expressions)


def run_checks(
    program: Program, target: Target, checks: Sequence[Check] = CHECKS
) -> list[Diagnostic]:
    ctx = CheckContext(program, target)
    found: list[Diagnostic] = []
    for check in checks:
        found.extend(check(ctx))
    return found
