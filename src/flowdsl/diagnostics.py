"""Findings: one class per kind of mistake, its stable code on the class.

A finding is data; formatting lives in :mod:`flowdsl.report`. Codes are ``FD`` and three
digits, the hundreds digit naming the family:

* FD0xx  tracing: Python that cannot become a Conductor workflow
* FD1xx  references
* FD2xx  ordering and scope
* FD3xx  structure
* FD4xx  task definitions
* FD5xx  names and expressions
* FD6xx  configuration and target version
* FD7xx  a Conductor server's answers (register, diff)

A code is never reused for another meaning.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from flowdsl.ir.nodes import Span
from flowdsl.suggest import Suggester


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    """Base class of every finding."""

    message: str
    span: Span | None = None
    hint: str | None = None
    # The severity of this finding when it differs from its class's: severity follows the
    # consequence, which for some codes depends on the source (a JSON TaskDef's outputKeys
    # are not enforced by Conductor; a Python task's return annotation is the worker).
    level: Severity | None = None

    code: ClassVar[str] = "FD000"
    severity: ClassVar[Severity] = Severity.ERROR

    def __post_init__(self) -> None:
        if self.level is not None:
            object.__setattr__(self, "severity", self.level)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str]:
        span = self.span or Span("")
        return (span.file, span.line or 0, span.column or 0, self.code)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A ``did you mean `x`?`` hint when a candidate is close to ``name``.

    For a few candidates difflib compares them all; for many (a workflow's task
    references), see :class:`flowdsl.suggest.Suggester`, which keeps each lookup's cost
    independent of the number of candidates. (Keys of values written in Python may be
    anything; only strings can be suggested.)
    """
    pool = [c for c in candidates if isinstance(c, str)]
    if len(pool) > SMALL_POOL:
        return Suggester(pool).hint(name)
    match = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    return f"did you mean `{match[0]}`?" if match else None


# Up to this many candidates, a did-you-mean compares them all.
SMALL_POOL = 64


# --- FD0xx tracing -----------------------------------------------------------------------


class RuntimeValueUsedAsPython(Diagnostic):
    """A value only known when the workflow runs was used where Python needs a real value."""

    code = "FD001"


class BadTaskArguments(Diagnostic):
    """A task was called with arguments it cannot take: inputs its signature does not bind,
    or a builder argument or per-call option of the wrong type or value."""

    code = "FD002"


class UnsupportedValue(Diagnostic):
    """A value that cannot be written as Conductor JSON (a set, an object, a function...)."""

    code = "FD003"


class WorkflowFailedToTrace(Diagnostic):
    """The workflow function raised an exception while it was traced."""

    code = "FD004"


class ForeignValue(Diagnostic):
    """A runtime value (or text built from one) made while tracing one workflow is used in
    another, where it means nothing."""

    code = "FD005"


class BadWorkflowSignature(Diagnostic):
    """The workflow function's parameters cannot become workflow inputs."""

    code = "FD006"


class BadWorkflowOutput(Diagnostic):
    """The workflow function returned something that cannot become outputParameters."""

    code = "FD007"


class BadConstruct(Diagnostic):
    """A construct (fork, switch, do_while, dynamic_fork, sub_workflow, a system task) used
    in a way that cannot become a Conductor workflow."""

    code = "FD008"


# --- FD1xx references --------------------------------------------------------------------


class UnknownReference(Diagnostic):
    """An expression names a task reference that is not in the workflow."""

    code = "FD101"


class UnknownWorkflowField(Diagnostic):
    """``${workflow.<field>}`` names a field Conductor does not provide (or a workflow
    variable nothing declares or sets)."""

    code = "FD102"


class UndeclaredOutput(Diagnostic):
    """An expression reads an output key the producing task does not declare."""

    code = "FD103"


class UnknownWorkflowInput(Diagnostic):
    """An expression reads a workflow input the workflow does not declare."""

    code = "FD104"


class TypeMismatch(Diagnostic):
    """A value's declared type does not fit the annotation of the input it is passed to."""

    code = "FD105"


class UnknownTaskInput(Diagnostic):
    """A task is given an input its definition does not take."""

    code = "FD106"


class MissingTaskInput(Diagnostic):
    """A task is not given an input its definition requires."""

    code = "FD107"


class BadSubWorkflowInput(Diagnostic):
    """A SUB_WORKFLOW gives its child an input the child's @workflow function does not take,
    or leaves out one it requires: the signature is the child's contract."""

    code = "FD108"


class UndeclaredSubWorkflowInput(Diagnostic):
    """A SUB_WORKFLOW gives its child an input the child's definition does not declare in
    ``inputParameters``; Conductor does not enforce the declaration, so the child may read
    it anyway, or the name is misspelt."""

    code = "FD109"
    severity = Severity.WARNING


# --- FD2xx ordering and scope --------------------------------------------------------------


class ReadBeforeRun(Diagnostic):
    """An expression reads a task that has not run yet at that point: later in the
    sequence, or the reading task itself."""

    code = "FD201"


class ReadFromParallelBranch(Diagnostic):
    """An expression reads a task in a sibling branch of a fork, before the JOIN."""

    code = "FD202"


class MayNotHaveRun(Diagnostic):
    """An expression reads a task inside a SWITCH/DECISION branch that may not have run;
    the value is then null."""

    code = "FD203"
    severity = Severity.WARNING


class LoopScopeViolation(Diagnostic):
    """A loop body task is read in a way Conductor does not support (an iteration suffix
    ``ref__N``, or from before the loop ran)."""

    code = "FD204"


# --- FD3xx structure ---------------------------------------------------------------------


class DuplicateReferenceName(Diagnostic):
    """Two tasks of one workflow share a taskReferenceName."""

    code = "FD301"


class ConflictingTaskDefinitions(Diagnostic):
    """Two different task definitions carry the same name."""

    code = "FD302"


class DuplicateWorkflow(Diagnostic):
    """Two different workflows carry the same name and version."""

    code = "FD303"


class EmptyWorkflow(Diagnostic):
    """A workflow has no tasks; Conductor rejects it ("WorkflowTask list cannot be empty")."""

    code = "FD304"


class ForkWithoutJoin(Diagnostic):
    """A FORK_JOIN or FORK_JOIN_DYNAMIC is not immediately followed by a JOIN; the workflow
    fails when it reaches the fork."""

    code = "FD305"


class EmptyFork(Diagnostic):
    """A FORK_JOIN has no branches, or an empty branch."""

    code = "FD306"


class JoinOnMismatch(Diagnostic):
    """A JOIN's joinOn does not name the last task of each branch of the fork before it."""

    code = "FD307"


class TaskAfterTerminate(Diagnostic):
    """Tasks follow a TERMINATE in the same list; they never run."""

    code = "FD308"


class SwitchWithoutCases(Diagnostic):
    """A SWITCH or DECISION has no decisionCases; Conductor rejects it."""

    code = "FD309"


class SubWorkflowRecursion(Diagnostic):
    """A workflow starts itself as a sub-workflow, directly or through others."""

    code = "FD310"


class UnknownSubWorkflow(Diagnostic):
    """A SUB_WORKFLOW without version names a workflow not among the inputs; the parent
    fails to start unless the child is registered."""

    code = "FD311"


class UnknownTaskType(Diagnostic):
    """A task type Conductor does not know; it runs it as a user-defined task, which needs a
    registered task definition."""

    code = "FD312"
    severity = Severity.WARNING


class MissingConstructField(Diagnostic):
    """A system task or operator lacks a field its type requires (Conductor's
    WorkflowTaskTypeConstraint, or the runtime mapper)."""

    code = "FD313"


class JoinOnMayNotRun(Diagnostic):
    """A JOIN's joinOn names a task that may not run (inside a SWITCH/DECISION case that
    may not be taken): the JOIN then waits for it forever, IN_PROGRESS."""

    code = "FD314"


class EmptyScript(Diagnostic):
    """An INLINE or LAMBDA task whose script is empty or blank: the task fails at run time."""

    code = "FD315"


# --- FD4xx task definitions --------------------------------------------------------------


class ResponseTimeoutExceedsTimeout(Diagnostic):
    """responseTimeoutSeconds > timeoutSeconds (with timeoutSeconds > 0); Conductor rejects it."""

    code = "FD401"


class TimeoutExceedsTotalTimeout(Diagnostic):
    """timeoutSeconds > totalTimeoutSeconds (both > 0); Conductor rejects it."""

    code = "FD402"


class TaskDefValueOutOfRange(Diagnostic):
    """A TaskDef field is outside the range Conductor accepts (retryCount >= 0, ...)."""

    code = "FD403"


class TaskDefBadValue(Diagnostic):
    """A TaskDef field has a value of the wrong type or outside its enum."""

    code = "FD404"


class NoTaskDefinition(Diagnostic):
    """A SIMPLE task has no task definition among the inputs; Conductor will create one
    with its defaults."""

    code = "FD405"
    severity = Severity.WARNING


# --- FD5xx names and expressions ---------------------------------------------------------


class BadReferenceName(Diagnostic):
    """A taskReferenceName Conductor rejects or mishandles (empty, ``.``, ``__``)."""

    code = "FD501"


class BadName(Diagnostic):
    """A task or workflow name Conductor rejects or mishandles."""

    code = "FD502"


class DollarBeforeReference(Diagnostic):
    """Literal text ending in ``$`` right before a runtime value: Conductor would read
    ``$${`` as an escaped, literal ``${`` and never resolve the reference."""

    code = "FD503"


class MalformedExpression(Diagnostic):
    """A ``${...}`` expression Conductor cannot resolve: unbalanced braces, empty, ``${$.``
    or bracket-first paths (rejected at registration)."""

    code = "FD504"


class LiteralNeedsEscape(Diagnostic):
    """Text that Conductor would take for an expression but is meant literally (JavaScript
    template literals, shell variables); it must be written ``$${``."""

    code = "FD505"


class ExpressionInScriptField(Diagnostic):
    """``${...}`` in a DO_WHILE ``loopCondition``, a SWITCH ``expression`` or a DECISION
    ``caseExpression``: task fields Conductor does not resolve, so the script sees the
    literal text."""

    code = "FD506"


class ReferenceLookalike(Diagnostic):
    """Text that looks like a reference but is not one (``{$workflow.input.x}``,
    ``$workflow.input.x``, ``${ workflow.input.x}``): it reaches the worker as text."""

    code = "FD507"


class UnboundScriptName(Diagnostic):
    """A script (loopCondition, SWITCH/DECISION expression, INLINE/LAMBDA) reads ``$.x``
    where nothing binds ``x``, or a property of a literal input that has none."""

    code = "FD508"


# --- FD6xx configuration and target ------------------------------------------------------


class MissingOwnerEmail(Diagnostic):
    """A definition has no ownerEmail where one is needed: a Python definition always
    (compile writes one), a JSON one when the server requires it (owner_email_required)."""

    code = "FD601"


class FieldNotInTarget(Diagnostic):
    """A field the target Conductor version does not know; it would be silently dropped."""

    code = "FD602"


class TaskTypeNotInTarget(Diagnostic):
    """A task type the target Conductor version does not know."""

    code = "FD603"


class FieldValueInvalid(Diagnostic):
    """A WorkflowDef or WorkflowTask field Conductor would reject (schemaVersion, enums...)."""

    code = "FD604"


class DuplicateKey(Diagnostic):
    """A JSON object repeats a key; Conductor (Jackson) keeps the last value, so the earlier
    one is silently ignored."""

    code = "FD605"
    severity = Severity.WARNING


class UnusualJson(Diagnostic):
    """A JSON file Conductor's parser reads but other tools may not: text after the JSON
    value, which the server ignores (FAIL_ON_TRAILING_TOKENS is off)."""

    code = "FD606"
    severity = Severity.WARNING


# --- FD7xx a server's answers -----------------------------------------------------------


class ServerRefused(Diagnostic):
    """The Conductor server refused a definition (register, or validate under --dry-run)."""

    code = "FD701"


class DefinitionDrift(Diagnostic):
    """The server holds this definition (same name and version) with other content."""

    code = "FD702"


def all_codes() -> dict[str, type[Diagnostic]]:
    """Every concrete finding class, by code."""
    out: dict[str, type[Diagnostic]] = {}
    pending: list[type[Diagnostic]] = list(Diagnostic.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        out[cls.code] = cls
    return dict(sorted(out.items()))
