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
from flowdsl.checks.scripts import scripts
from flowdsl.checks.structure import structure
from flowdsl.checks.subworkflows import sub_workflows
from flowdsl.checks.types import types
from flowdsl.checks.values import values
from flowdsl.conductor.targets import Target
from flowdsl.diagnostics import Diagnostic
from flowdsl.ir.graph import WorkflowGraph
from flowdsl.ir.nodes import Program, Task, Workflow
from flowdsl.ir.scope import ScopeIndex
from flowdsl.suggest import Suggester


@dataclass
class CheckContext:
    """What every check reads: the program, the target, and facts computed once."""

    program: Program
    target: Target
    _graphs: dict[int, WorkflowGraph] = field(default_factory=dict)
    _scopes: dict[int, ScopeIndex] = field(default_factory=dict)
    # Whether the server requires an ownerEmail ([tool.flowdsl] owner_email_required);
    # Python definitions need one regardless (compile always writes one).
    owner_email_required: bool = False
    _suggesters: dict[int, Suggester] = field(default_factory=dict)
    _failure_inputs: dict[str, frozenset[str]] | None = None

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

    def task_refs(self, workflow: Workflow) -> Suggester:
        """Close matches among the workflow's taskReferenceNames, indexed once."""
        key = id(workflow)
        if key not in self._suggesters:
            self._suggesters[key] = Suggester(self.scope(workflow).tasks)
        return self._suggesters[key]

    def failure_inputs(self, workflow: Workflow) -> frozenset[str]:
        """Inputs a failure workflow receives from the workflows naming it as their
        ``failureWorkflow``: their own inputs (WorkflowExecutorOps copies them)."""
        if self._failure_inputs is None:
            found: dict[str, set[str]] = {}
            for wf in self.program.all_workflows():
                name = wf.fields.get("failureWorkflow")
                if isinstance(name, str) and name:
                    found.setdefault(name, set()).update(wf.inputs or ())
            self._failure_inputs = {k: frozenset(v) for k, v in found.items()}
        return self._failure_inputs.get(workflow.name, frozenset())

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
    scripts,
)


def run_checks(
    program: Program,
    target: Target,
    checks: Sequence[Check] = CHECKS,
    *,
    owner_email_required: bool = False,
) -> list[Diagnostic]:
    ctx = CheckContext(program, target, owner_email_required=owner_email_required)
    found: list[Diagnostic] = []
    for check in checks:
        found.extend(check(ctx))
    return found
