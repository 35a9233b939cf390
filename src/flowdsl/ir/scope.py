"""Where each task sits in a workflow, and what that says about the order tasks run in.

Conductor runs a task list in order; a construct holds task lists (blocks): every branch of
a FORK_JOIN runs (in parallel, until the JOIN after it), exactly one case of a SWITCH or
DECISION runs, a DO_WHILE body runs at least once. So a workflow is a tree, and whether a
task surely ran before another reads off their positions in it: one pass computes every
task's chain of (list, index) steps from the root, and each question costs the depth of the
tree, not the size of the workflow (per-pair graph reachability would be quadratic).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

from flowdsl.conductor.tasktypes import TASK_TYPES, Flow
from flowdsl.ir.nodes import BlockKey, Task, Workflow

CONDITIONAL_TYPES = frozenset(n for n, t in TASK_TYPES.items() if t.flow is Flow.CONDITIONAL)
PARALLEL_TYPES = frozenset(n for n, t in TASK_TYPES.items() if t.flow is Flow.PARALLEL)
LOOP_TYPES = frozenset(n for n, t in TASK_TYPES.items() if t.flow is Flow.LOOP)


class Step(NamedTuple):
    """One level of a position: the task list (``block`` of ``container``) and the index.

    (A named tuple: one is made per task and level, and it is made much faster than a
    frozen dataclass; issue 11.)
    """

    container: str | None  # taskReferenceName of the construct; None for the workflow's list
    block: BlockKey | None  # the block (None for the workflow's own list)
    at: int  # the index in that list


class Order(Enum):
    """How a producer's run relates to a consumer reading it."""

    # surely ran and completed before the consumer is scheduled (or every SWITCH case that
    # skips it ends the workflow)
    BEFORE = "before"
    CONDITIONAL = "conditional"  # ran before, unless a SWITCH case around it was not taken
    EXCLUSIVE = "exclusive"  # in another case of the same SWITCH: never in the same run
    PARALLEL = "parallel"  # in a sibling branch of a fork, before its JOIN
    LATER = "later"  # later in the sequence (or the consumer itself / a task inside it)
    ENCLOSING = "enclosing"  # the producer is a construct the consumer runs inside


@dataclass(frozen=True, slots=True)
class Relation:
    order: Order
    # The construct that decides it: the SWITCH or FORK, when there is one.
    via: str | None = None


# (issue 11) The relations without a construct, made once: asked for every reference.
_LATER = Relation(Order.LATER)
_BEFORE = Relation(Order.BEFORE)


class ScopeIndex:
    """Positions of every task of one workflow (nested blocks included)."""

    def __init__(self, workflow: Workflow) -> None:
        self.positions: dict[str, tuple[Step, ...]] = {}
        self.tasks: dict[str, Task] = {}
        self.end: tuple[Step, ...] = (Step(None, None, len(workflow.tasks)),)
        stack: list[tuple[list[Task], str | None, BlockKey | None, tuple[Step, ...]]] = [
            (workflow.tasks, None, None, ())
        ]
        positions, known = self.positions, self.tasks
        while stack:
            tasks, container, block, prefix = stack.pop()
            for index, task in enumerate(tasks):
                position = (*prefix, Step(container, block, index))
                ref = task.ref
                if ref not in positions:  # duplicates are the names check's business
                    positions[ref] = position
                    known[ref] = task
                if task.blocks:
                    for label, inner in task.blocks.items():
                        stack.append((inner, ref, label, position))

    def kind(self, ref: str | None) -> str | None:
        task = self.tasks.get(ref) if ref is not None else None
        return task.type if task is not None else None

    def enclosing(self, ref: str) -> list[str]:
        """The constructs around a task, outermost first."""
        return [s.container for s in self.positions[ref][1:] if s.container is not None]

    def relation(self, producer: str, consumer: str | None) -> Relation:
        """How ``producer`` relates to ``consumer`` (None: the workflow's outputParameters)."""
        p = self.positions[producer]
        c = self.positions[consumer] if consumer is not None else self.end
        if producer == consumer:
            return _LATER
        depth = 0
        while depth < len(p) and depth < len(c):
            ps, cs = p[depth], c[depth]
            if (ps.container, ps.block) != (cs.container, cs.block):
                # Different blocks of one construct.
                kind = self.kind(ps.container)
                if kind in PARALLEL_TYPES:
                    return Relation(Order.PARALLEL, ps.container)
                if kind in CONDITIONAL_TYPES:
                    return Relation(Order.EXCLUSIVE, ps.container)
                return Relation(Order.LATER, ps.container)  # e.g. blocks we do not model
            if ps.at != cs.at:
                if ps.at > cs.at:
                    return _LATER
                return self._ran(p[depth + 1 :])
            depth += 1
        if len(p) < len(c):
            return Relation(Order.ENCLOSING, producer)  # the consumer runs inside the producer
        return _LATER  # the producer runs inside the consumer

    def _ran(self, inner: tuple[Step, ...]) -> Relation:
        """The producer's construct completed earlier: did the producer itself run in it?

        Inside a SWITCH case it ran only if that case was taken, unless every other case
        ends the workflow (a TERMINATE): then, whenever the run gets past the SWITCH, the
        producer ran."""
        via: str | None = None
        for step in inner:
            switch = self.tasks.get(step.container) if step.container is not None else None
            if switch is None or switch.type not in CONDITIONAL_TYPES or step.block is None:
                continue
            via = via or switch.ref
            if not others_end_workflow(switch, step.block):
                return Relation(Order.CONDITIONAL, via)
        return _BEFORE

    def in_loop(self, ref: str) -> str | None:
        """The DO_WHILE whose body holds the task, if any (innermost)."""
        for container in reversed(self.enclosing(ref)):
            if self.kind(container) in LOOP_TYPES:
                return container
        return None


def ends_workflow(tasks: list[Task]) -> bool:
    """A task list that surely ends the workflow: a TERMINATE in it, or a last SWITCH every
    case of which (a default included) ends it."""
    if not tasks:
        return False
    if any(t.type == "TERMINATE" for t in tasks):
        return True
    last = tasks[-1]
    if last.type not in CONDITIONAL_TYPES or BlockKey("defaultCase") not in last.blocks:
        return False
    return all(ends_workflow(block) for block in last.blocks.values())


def others_end_workflow(switch: Task, taken: BlockKey) -> bool:
    """Every other case of ``switch`` than ``taken`` ends the workflow (a missing default
    case is an empty one, which does not)."""
    if taken != BlockKey("defaultCase") and BlockKey("defaultCase") not in switch.blocks:
        return False
    return all(ends_workflow(block) for key, block in switch.blocks.items() if key != taken)
