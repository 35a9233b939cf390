"""Checks: independent read-only passes over the IR, each yielding findings.

A check is ``def name(ctx: CheckContext) -> Iterable[Diagnostic]``; ``CHECKS`` lists them
in the order they run. All findings of a run are reported, not the first only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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
from flowdsl.ir.nodes import Program, Task, Workflow
from flowdsl.ir.scope import ScopeIndex
from flowdsl.suggest import Suggester

if TYPE_CHECKING:  # networkx is imported by whoever asks for a graph, not by every run
    from flowdsl.ir.graph import WorkflowGraph


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
    _tasks: dict[int, list[Task]] = field(default_factory=dict)
    _all_workflows: list[Workflow] | None = None
    _outputs: dict[object, frozenset[str] | None] = field(default_factory=dict)
    _variables: dict[int, frozenset[str]] = field(default_factory=dict)

    def graph(self, workflow: Workflow) -> WorkflowGraph:
        from flowdsl.ir.graph import WorkflowGraph  # noqa: PLC0415

        key = id(workflow)
        if key not in self._graphs:
            self._graphs[key] = WorkflowGraph(workflow)
        return self._graphs[key]

    def tasks(self, workflow: Workflow) -> list[Task]:
        """Every task of the workflow, nested ones included, depth first in definition order
        (``Workflow.walk``), walked once for all the checks (issue 11)."""
        key = id(workflow)
        found = self._tasks.get(key)
        if found is None:
            found = self._tasks[key] = list(workflow.walk())
        return found

    def all_workflows(self) -> list[Workflow]:
        """``Program.all_workflows``, listed once for all the checks."""
        if self._all_workflows is None:
            self._all_workflows = list(self.program.all_workflows())
        return self._all_workflows

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

    def variables(self, workflow: Workflow) -> frozenset[str]:
        """The variables a workflow can hold: its declared ``variables`` and every key a
        SET_VARIABLE task sets (SetVariable.java copies each input key into the variables);
        worked out once per workflow."""
        key = id(workflow)
        found = self._variables.get(key)
        if found is None:
            declared = workflow.fields.get("variables")
            known = set(declared) if isinstance(declared, dict) else set()
            for task in self.tasks(workflow):
                if task.type == "SET_VARIABLE":
                    known.update(task.inputs)
                    known.update(task.unconverted)
            found = self._variables[key] = frozenset(known)
        return found

    def failure_inputs(self, workflow: Workflow) -> frozenset[str]:
        """Inputs a failure workflow receives from the workflows naming it as their
        ``failureWorkflow``: their own inputs (WorkflowExecutorOps copies them)."""
        if self._failure_inputs is None:
            found: dict[str, set[str]] = {}
            for wf in self.all_workflows():
                name = wf.fields.get("failureWorkflow")
                if isinstance(name, str) and name:
                    found.setdefault(name, set()).update(wf.inputs or ())
            self._failure_inputs = {k: frozenset(v) for k, v in found.items()}
        return self._failure_inputs.get(workflow.name, frozenset())

    def declared_outputs(self, workflow: Workflow, task: Task) -> frozenset[str] | None:
        # What a JOIN or SUB_WORKFLOW declares depends on its fields; any other task's, on
        # its type and name only.
        key: object = id(task) if task.type in ("JOIN", "SUB_WORKFLOW") else (task.type, task.name)
        if key not in self._outputs:
            self._outputs[key] = declared_outputs(self.program, workflow, task)
        return self._outputs[key]


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
