"""The workflow as a graph: control edges (what runs after what) and data edges (who reads whom).

Only this module imports networkx. Nodes are taskReferenceNames plus two sentinels,
:data:`START` and :data:`END`; every node carries its :class:`~flowdsl.ir.nodes.Task`.

Control edges follow Conductor's scheduling: a task list runs in order; a container
(FORK_JOIN, SWITCH, DO_WHILE, ...) leads to the first task of each of its blocks, and the
last task of each block leads to whatever follows the container. Data edges go from the
task a reference names to the task (or END, for outputParameters) that reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import networkx as nx

from flowdsl.conductor.tasktypes import resolved_field_values
from flowdsl.ir.nodes import Ref, Task, Workflow, iter_refs

START = "<start>"
END = "<end>"

CONTROL = "control"
DATA = "data"


@dataclass(frozen=True, slots=True)
class DataEdge:
    producer: str
    consumer: str
    ref: Ref
    key_path: tuple[str | int, ...]


class WorkflowGraph:
    """A read-only view of one workflow as a networkx DiGraph."""

    def __init__(self, workflow: Workflow) -> None:
        self.workflow = workflow
        self.graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        self.graph.add_node(START, task=None)
        self.graph.add_node(END, task=None)
        self.tasks: dict[str, Task] = {}
        self.duplicates: list[Task] = []
        tails = self._add_sequence(workflow.tasks, [START])
        for tail in tails:
            self.graph.add_edge(tail, END, kind=CONTROL)
        self.data_edges: list[DataEdge] = []
        for task in workflow.walk():
            for key_path, ref in iter_refs(task.inputs):
                self._add_data_edge(ref, task.ref, ("inputParameters", *key_path))
            for path, value in resolved_field_values(task):
                for key_path, ref in iter_refs(value):
                    self._add_data_edge(ref, task.ref, (*path, *key_path))
        for key_path, ref in iter_refs(workflow.outputs):
            self._add_data_edge(ref, END, ("outputParameters", *key_path))

    def _add_sequence(self, tasks: list[Task], heads: list[str]) -> list[str]:
        current = heads
        for task in tasks:
            if task.ref in self.tasks:
                self.duplicates.append(task)
                continue
            self.tasks[task.ref] = task
            self.graph.add_node(task.ref, task=task)
            for head in current:
                self.graph.add_edge(head, task.ref, kind=CONTROL)
            if task.blocks:
                tails: list[str] = []
                for block in task.blocks.values():
                    tails.extend(self._add_sequence(block, [task.ref]) if block else [task.ref])
                current = tails
            else:
                current = [task.ref]
        return current

    def _add_data_edge(self, ref: Ref, consumer: str, key_path: tuple[str | int, ...]) -> None:
        if ref.source == "workflow":
            producer = START
        elif ref.source in self.tasks:
            producer = ref.source
        else:
            return
        edge = DataEdge(producer, consumer, ref, key_path)
        self.data_edges.append(edge)
        self.graph.add_edge(producer, consumer, kind=DATA, ref=ref)

    def control_order(self) -> Iterator[str]:
        """Task refs in an order consistent with the control edges."""
        control: nx.DiGraph[str] = nx.DiGraph()
        control.add_nodes_from(self.graph.nodes)
        control.add_edges_from(
            (u, v) for u, v, data in self.graph.edges(data=True) if data["kind"] == CONTROL
        )
        for node in nx.topological_sort(control):
            if node not in (START, END):
                yield node

    def readers_of(self, ref_name: str) -> list[DataEdge]:
        return [edge for edge in self.data_edges if edge.producer == ref_name]
