"""Workflow diagrams: the IR drawn as Graphviz DOT in the look Conductor's UI users know.

Conventions (after Conductor's classic UI, ``ui/src/components/diagram/WorkflowGraph.jsx``
and ``diagram.scss``, and ui-next's cards; see docs/diagrams.md):

* top to bottom, from a ``start`` circle to an ``end`` circle (no ``end`` when every path
  ends in TERMINATE);
* a task is a rounded box: its taskReferenceName, then ``name · TYPE``, then for some system
  tasks what it does (HTTP method and URI, the INLINE expression, the WAIT duration...);
  system tasks are tinted, worker tasks white, optional tasks dashed;
* FORK_JOIN and JOIN are black bars, one edge per branch leaving the fork bar from its own
  port; a branch whose last task the JOIN does not wait for (``joinOn``) joins dashed;
* FORK_JOIN_DYNAMIC is a bar followed by a stack standing for the tasks spawned at run time;
* SWITCH and DECISION are diamonds, each case's edge labelled with its value, the default
  ``default``; the branches meet again at a small ``end of <ref>`` pill;
* DO_WHILE is a cluster between two bars with an edge back up (the classic UI's LOOP edge);
* SUB_WORKFLOW has a thick border; with ``expand_subworkflows`` the workflow it runs is
  drawn inside a cluster (ids ``<ref>/<inner ref>``);
* TERMINATE is an octagon, coloured by its terminationStatus.

Beyond the UI: data-flow edges for ``${ref.output.x}`` (``data_flow``: dashed, labelled,
``constraint=false`` so they do not move anything), a legend of what the diagram uses, stable
element ids and tooltips in SVG, and the checker's findings drawn on the nodes they concern.

The DOT text is deterministic: the same IR gives the same bytes.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import graphviz

from flowdsl.conductor.tasktypes import TASK_TYPES, blocks_of, branches, cases, task_type
from flowdsl.diagnostics import Diagnostic
from flowdsl.ir.nodes import Program, Span, Task, Workflow, iter_refs
from flowdsl.render._text import (
    body_line,
    policies,
    policy_text,
    resolve_sub_workflow,
    shorten,
    sub_workflow_target,
    value_text,
)
from flowdsl.render.layout import INSTALL_HINT, LayoutEngine, LayoutError

FONT = "Helvetica"
INK = "#333333"
GREY = "#666666"
CASE_BLUE = "#1f5fbf"
SYSTEM_FILL = "#eef3f8"
LOOP_FILL = "#e3ebf4"
LOOP_LINE = "#4a6a8a"
SUB_LINE = "#3d7a8f"
SUB_FILL = "#f1f7f9"
DATA = "#8e44ad"
MUTED = "#b1b1b7"
ERROR = "#d32f2f"
WARNING = "#e67e00"
TERMINATE_FILL = {"COMPLETED": "#d4efd9", "FAILED": "#f9d3d5", "TERMINATED": "#f9d3d5"}

BAR_TYPES = frozenset({"FORK_JOIN", "FORK_JOIN_DYNAMIC", "JOIN", "EXCLUSIVE_JOIN"})
SWITCH_TYPES = frozenset({"SWITCH", "DECISION"})
WORKER_LABEL_LIMIT = 44


@dataclass(frozen=True)
class DiagramOptions:
    """What to draw besides control flow.

    ``findings``: the checker's findings to draw on their nodes (None: not drawn).
    """

    data_flow: bool = False
    expand_subworkflows: bool = False
    findings: tuple[Diagnostic, ...] | None = None
    legend: bool = True


@dataclass(frozen=True)
class _Tail:
    """The end of a path that continues into whatever comes next."""

    node: str
    ref: str  # the taskReferenceName a JOIN's joinOn would name for this path
    port: str | None = None
    label: str | None = None
    tooltip: str | None = None


@dataclass
class _Scope:
    """One workflow being drawn: the top one, or an expanded sub-workflow inside it."""

    workflow: Workflow
    prefix: str  # prepended to refs to make node ids unique in the picture
    stack: tuple[tuple[str, int], ...]  # sub-workflows being expanded (cycle guard)
    ids: dict[str, str] = field(default_factory=dict)  # ref -> node id


def _esc(text: str) -> str:
    """Text for an HTML-like label."""
    return html.escape(text, quote=True)


def _tip(text: str) -> str:
    """Text for a tooltip. Graphviz unescapes tooltips twice (the escString, then the SVG
    writer), so a backslash is written four times."""
    escaped = text.replace("\\", "\\\\\\\\").replace("\n", "\\n")
    return cast(str, graphviz.nohtml(escaped))


def _plain(text: str) -> str:
    """Text for a quoted DOT attribute (tooltips, edge labels): no escape sequences."""
    escaped = text.replace("\\", "\\\\").replace("\n", "\\n")
    return cast(str, graphviz.nohtml(escaped))


class _Builder:
    def __init__(self, workflow: Workflow, program: Program, options: DiagramOptions) -> None:
        self.program = program
        self.options = options
        self.used: set[str] = set()  # legend entries
        self.edge_ids: dict[str, int] = defaultdict(int)
        self.findings = _FindingIndex(options.findings or (), program, options.expand_subworkflows)
        self.graph_ids: set[str] = {"__start", "__end"}
        self.graph = graphviz.Digraph(name=_graph_name(workflow))
        title = f"<<B>{_esc(workflow.name)}</B> v{workflow.version}"
        if workflow.description:
            desc = _esc(shorten(workflow.description.splitlines()[0], 90))
            title += f'<BR/><FONT POINT-SIZE="10" COLOR="{GREY}">{desc}</FONT>'
        title += ">"
        self.graph.attr(
            "graph",
            rankdir="TB",
            newrank="true",
            compound="true",
            ordering="out",
            nodesep="0.3",
            ranksep="0.35",
            fontname=FONT,
            fontsize="13",
            labelloc="t",
            label=title,
            bgcolor="white",
            pad="0.2",
            id="workflow",
            tooltip=_tip(f"{workflow.name} version {workflow.version}"),
        )
        self.graph.attr(
            "node",
            shape="box",
            style="rounded,filled",
            fillcolor="white",
            color=INK,
            penwidth="0.8",
            fontname=FONT,
            fontsize="11",
            margin="0.12,0.05",
        )
        self.graph.attr(
            "edge",
            color=INK,
            arrowsize="0.7",
            fontname=FONT,
            fontsize="10",
            fontcolor=CASE_BLUE,
        )
        self.data_edges: list[tuple[str, str, str, str]] = []

    # --- nodes ---------------------------------------------------------------------------

    def _finding_attrs(self, found: Sequence[Diagnostic]) -> dict[str, str]:
        if not found:
            return {}
        self.used.add("finding")
        error = any(d.is_error for d in found)
        return {
            "color": ERROR if error else WARNING,
            "penwidth": "2.5",
            "class_extra": "finding-error" if error else "finding-warning",
        }

    def _task_node(self, g: graphviz.Digraph, node_id: str, task: Task, scope: _Scope) -> None:
        kind = task.type
        found = self.findings.for_task(task, scope.workflow)
        lines = [f"<B>{_esc(task.ref)}</B>"]
        lines.append(
            f'<FONT POINT-SIZE="9" COLOR="{GREY}">{_esc(shorten(task.name, WORKER_LABEL_LIMIT))}'
            f" · {_esc(kind)}</FONT>"
        )
        body = body_line(task)
        if body:
            lines.append(
                f'<FONT POINT-SIZE="8" FACE="Courier">{_esc(shorten(body, WORKER_LABEL_LIMIT))}'
                "</FONT>"
            )
        if found:
            codes = " ".join(dict.fromkeys(d.code for d in found))
            colour = ERROR if any(d.is_error for d in found) else WARNING
            lines.append(f'<FONT POINT-SIZE="8" COLOR="{colour}">{_esc(codes)}</FONT>')
        attrs: dict[str, str] = {
            "label": "<" + "<BR/>".join(lines) + ">",
            "id": node_id,
            "tooltip": _tip(self._tooltip(task, found)),
        }
        classes = ["task", f"type-{kind}"]
        styles = ["rounded", "filled"]
        if kind == "SUB_WORKFLOW":
            self.used.add("sub_workflow")
            attrs["penwidth"] = "3"
            attrs["fillcolor"] = SUB_FILL
        elif kind == "TERMINATE":
            self.used.add("terminate")
            attrs["shape"] = "octagon"
            styles = ["filled"]
            status = task.inputs.get("terminationStatus")
            attrs["fillcolor"] = (
                TERMINATE_FILL.get(status, "white") if isinstance(status, str) else "white"
            )
        elif not _is_system(kind):
            self.used.add("worker")
        else:
            self.used.add("system")
            attrs["fillcolor"] = SYSTEM_FILL
        if task.fields.get("optional") is True:
            self.used.add("optional")
            styles.append("dashed")
        attrs["style"] = ",".join(styles)
        finding_attrs = self._finding_attrs(found)
        if finding_attrs:
            classes.append(finding_attrs.pop("class_extra"))
            attrs.update(finding_attrs)
        attrs["class"] = " ".join(classes)
        g.node(node_id, **attrs)

    def _bar(
        self,
        g: graphviz.Digraph,
        node_id: str,
        task: Task,
        scope: _Scope,
        ports: int = 0,
        text: str | None = None,
        dashed: bool = False,
    ) -> None:
        found = self.findings.for_task(task, scope.workflow)
        label = text or f"{task.ref} · {task.type}"
        width = max(1, ports) * 110
        if found:
            label += "  " + " ".join(dict.fromkeys(d.code for d in found))
        border = ERROR if any(d.is_error for d in found) else WARNING
        outline = f' BORDER="2" COLOR="{border}"' if found else ' BORDER="0"'
        if dashed:
            outline = f'{outline} STYLE="dashed"' if found else ' BORDER="1" STYLE="dashed"'
        cells = ""
        if ports:
            cells = "<TR>" + "".join(
                f'<TD PORT="b{i}" HEIGHT="1" CELLPADDING="0" WIDTH="{width // ports}"></TD>'
                for i in range(ports)
            )
            cells += "</TR>"
        colspan = f' COLSPAN="{ports}"' if ports > 1 else ""
        html_label = (
            f'<<TABLE{outline} CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" BGCOLOR="{INK}">'
            f'<TR><TD{colspan} WIDTH="{width}"><FONT COLOR="white" POINT-SIZE="9">'
            f"{_esc(label)}</FONT></TD></TR>{cells}</TABLE>>"
        )
        classes = ["task", f"type-{task.type}", "bar"]
        if found:
            classes.append("finding-error" if any(d.is_error for d in found) else "finding-warning")
            self.used.add("finding")
        g.node(
            node_id,
            label=html_label,
            shape="plain",
            id=node_id,
            tooltip=_tip(self._tooltip(task, found)),
            **{"class": " ".join(classes)},
        )

    def _tooltip(self, task: Task, found: Sequence[Diagnostic]) -> str:
        lines = [f"{task.ref}: {task.name} ({task.type})"]
        if task.description:
            lines.append(shorten(task.description, 200))
        if task.type == "SUB_WORKFLOW":
            lines.append("runs " + sub_workflow_target(task))
        for key in ("expression", "evaluatorType", "loopCondition", "sink", "joinOn"):
            if key in task.fields:
                lines.append(f"{key}: {shorten(value_text(task.fields[key]), 200)}")
        if task.inputs:
            lines.append("inputs:")
            for key, value in list(task.inputs.items())[:15]:
                lines.append(f"  {key} = {shorten(value_text(value), 120)}")
            if len(task.inputs) > 15:
                lines.append(f"  ... {len(task.inputs) - 15} more")
        found_policies = policies(task, self.program)
        if found_policies:
            lines.append("policies: " + policy_text(found_policies))
        for d in found:
            where = f" ({d.span})" if d.span is not None else ""
            lines.append(f"{d.code} {d.severity.value}: {d.message}{where}")
            if d.hint:
                lines.append(f"  hint: {d.hint}")
        return "\n".join(lines)

    def _special(
        self,
        g: graphviz.Digraph,
        node_id: str,
        label: str,
        kind: str,
        found: Sequence[Diagnostic] = (),
        tooltip: str | None = None,
    ) -> None:
        attrs = {
            "label": f"<<B>{_esc(label)}</B>>",
            "shape": "circle",
            "fixedsize": "true",
            "width": "0.55",
            "fillcolor": "#eeeeee",
            "fontsize": "10",
            "id": node_id,
            "tooltip": _tip(tooltip or label),
        }
        classes = ["terminal", f"type-{kind}"]
        if found:
            extra = self._finding_attrs(found)
            classes.append(extra.pop("class_extra"))
            attrs.update(extra)
            lines = [tooltip or label]
            for d in found:
                where = f" ({d.span})" if d.span is not None else ""
                lines.append(f"{d.code} {d.severity.value}: {d.message}{where}")
            attrs["tooltip"] = _plain("\n".join(lines))
        attrs["class"] = " ".join(classes)
        g.node(node_id, **attrs)

    # --- edges ---------------------------------------------------------------------------

    def edge(self, g: graphviz.Digraph, tail: _Tail, head: str, **attrs: str) -> None:
        """One edge; ports go in ``tailport``/``headport`` attributes, never in node names."""
        key = f"{tail.node}->{head}"
        self.edge_ids[key] += 1
        edge_id = key if self.edge_ids[key] == 1 else f"{key}#{self.edge_ids[key]}"
        if tail.port is not None:
            attrs.setdefault("tailport", tail.port)
        if tail.label is not None and "label" not in attrs:
            attrs["label"] = _plain(" " + tail.label)
            attrs.setdefault("class", "case")
        if tail.tooltip is not None:
            attrs.setdefault("tooltip", _tip(tail.tooltip))
        g.edge(_node_name(tail.node), _node_name(head), id=edge_id, **attrs)

    def connect(
        self, g: graphviz.Digraph, tails: Iterable[_Tail], head: str, head_task: Task | None
    ) -> None:
        join_on: list[str] | None = None
        if head_task is not None and head_task.type in ("JOIN", "EXCLUSIVE_JOIN"):
            raw = head_task.fields.get("joinOn")
            join_on = [str(r) for r in raw] if isinstance(raw, list) else []
        for tail in tails:
            attrs: dict[str, str] = {}
            if join_on and tail.ref not in join_on:
                self.used.add("not_joined")
                attrs = {
                    "style": "dashed",
                    "color": MUTED,
                    "tooltip": _tip(f"{tail.ref} is not in joinOn: the JOIN does not wait for it"),
                }
            self.edge(g, tail, head, **attrs)

    def unreachable(self, g: graphviz.Digraph, tails: Iterable[_Tail], head: str) -> None:
        self.used.add("unreachable")
        for tail in tails:
            self.edge(
                g,
                tail,
                head,
                style="dashed",
                color=MUTED,
                arrowhead="none",
                tooltip=_tip(f"never reached: {tail.ref} ends the workflow"),
            )

    # --- structure -----------------------------------------------------------------------

    def sequence(
        self, g: graphviz.Digraph, tasks: Sequence[Task], heads: list[_Tail], scope: _Scope
    ) -> tuple[list[_Tail], list[_Tail]]:
        """Draw a task list after ``heads``: (tails going on, tails ended by TERMINATE)."""
        tails = heads
        dead: list[_Tail] = []
        for task in tasks:
            node_id = self._node_id(task, scope)
            entry = node_id
            if tails:
                pending: list[_Tail] = tails
                reachable = True
            else:
                pending, reachable = dead, False
                dead = []
            tails, more_dead = self.task(g, task, node_id, scope)
            if reachable:
                self.connect(g, pending, entry, task)
            else:  # after a TERMINATE: drawn, but nothing from here on runs
                self.unreachable(g, pending, entry)
                more_dead = more_dead + tails
                tails = []
            dead.extend(more_dead)
        return tails, dead

    def _node_id(self, task: Task, scope: _Scope) -> str:
        node_id = scope.prefix + task.ref
        if node_id in self.graph_ids:
            count = 2
            while f"{node_id}#{count}" in self.graph_ids:
                count += 1
            node_id = f"{node_id}#{count}"
        self.graph_ids.add(node_id)
        scope.ids.setdefault(task.ref, node_id)
        return node_id

    def task(
        self, g: graphviz.Digraph, task: Task, node_id: str, scope: _Scope
    ) -> tuple[list[_Tail], list[_Tail]]:
        """Draw one task (and what it holds); the entry node is ``node_id``."""
        kind = task.type
        if kind == "FORK_JOIN":
            return self._fork(g, task, node_id, scope)
        if kind == "FORK_JOIN_DYNAMIC":
            return self._dynamic_fork(g, task, node_id, scope)
        if kind in ("JOIN", "EXCLUSIVE_JOIN"):
            self.used.add("bar")
            self._bar(g, node_id, task, scope)
            return [_Tail(node_id, task.ref)], []
        if kind in SWITCH_TYPES:
            return self._switch(g, task, node_id, scope)
        if kind == "DO_WHILE":
            return self._loop(g, task, node_id, scope)
        if kind == "SUB_WORKFLOW" and self.options.expand_subworkflows:
            expanded = self._expand(g, task, node_id, scope)
            if expanded is not None:
                return expanded
        if task.blocks:  # a type flowdsl does not know, holding tasks: draw them in order
            return self._generic_container(g, task, node_id, scope)
        self._task_node(g, node_id, task, scope)
        if kind == "TERMINATE":
            return [], [_Tail(node_id, task.ref)]
        return [_Tail(node_id, task.ref)], []

    def _fork(
        self, g: graphviz.Digraph, task: Task, node_id: str, scope: _Scope
    ) -> tuple[list[_Tail], list[_Tail]]:
        self.used.add("bar")
        lists = branches(task)
        self._bar(g, node_id, task, scope, ports=max(len(lists), 1))
        tails: list[_Tail] = []
        dead: list[_Tail] = []
        for index, branch in enumerate(lists):
            head = _Tail(node_id, task.ref, port=f"b{index}:s")
            if not branch:
                tails.append(head)
                continue
            got, ended = self.sequence(g, branch, [head], scope)
            tails.extend(got)
            dead.extend(ended)
        if not lists:
            tails.append(_Tail(node_id, task.ref))
        return tails, dead

    def _dynamic_fork(
        self, g: graphviz.Digraph, task: Task, node_id: str, scope: _Scope
    ) -> tuple[list[_Tail], list[_Tail]]:
        self.used.add("bar")
        self.used.add("dynamic")
        self._bar(g, node_id, task, scope)
        stack_id = f"{node_id}/spawned"
        body = body_line(task)
        label = "dynamically spawned tasks"
        if body:
            label += "\n" + shorten(body, 64)
        g.node(
            stack_id,
            label=_plain(label),
            shape="box3d",
            style="filled",
            fillcolor=SYSTEM_FILL,
            fontsize="9",
            fontcolor=GREY,
            id=stack_id,
            tooltip=_tip(
                f"the tasks {task.ref} forks into are decided when it runs\n"
                + self._tooltip(task, ())
            ),
            **{"class": "placeholder type-FORK_JOIN_DYNAMIC"},
        )
        self.edge(g, _Tail(node_id, task.ref), stack_id)
        return [_Tail(stack_id, task.ref)], []

    def _switch(
        self, g: graphviz.Digraph, task: Task, node_id: str, scope: _Scope
    ) -> tuple[list[_Tail], list[_Tail]]:
        self.used.add("switch")
        found = self.findings.for_task(task, scope.workflow)
        label = f"<<B>{_esc(task.ref)}</B>"
        if found:
            colour = ERROR if any(d.is_error for d in found) else WARNING
            codes = " ".join(dict.fromkeys(d.code for d in found))
            label += f'<BR/><FONT POINT-SIZE="8" COLOR="{colour}">{_esc(codes)}</FONT>'
        label += ">"
        attrs = {
            "label": label,
            "shape": "diamond",
            "style": "filled",
            "fillcolor": "white",
            "margin": "0.03,0.02",
            "id": node_id,
            "tooltip": _tip(self._tooltip(task, found)),
        }
        classes = ["task", f"type-{task.type}"]
        extra = self._finding_attrs(found)
        if extra:
            classes.append(extra.pop("class_extra"))
            attrs.update(extra)
        attrs["class"] = " ".join(classes)
        g.node(node_id, **attrs)
        arms: list[tuple[str, list[Task]]] = list(cases(task).items())
        default = [t for _key, block in blocks_of(task, "defaultCase") for t in block]
        arms.append(("default", default))
        tails: list[_Tail] = []
        dead: list[_Tail] = []
        for value, block in arms:
            tip = (
                f"{task.ref}: when no case matches"
                if value == "default"
                else f"{task.ref}: case {value!r}"
            )
            head = _Tail(node_id, task.ref, label=shorten(value, 30), tooltip=tip)
            if not block:
                tails.append(head)
                continue
            got, ended = self.sequence(g, block, [head], scope)
            tails.extend(got)
            dead.extend(ended)
        if not tails:
            return [], dead
        merge_id = f"{node_id}/end"
        g.node(
            merge_id,
            label=_plain(f"end of {task.ref}"),
            shape="box",
            style="rounded,dashed,filled",
            fillcolor="#f2f2f2",
            color="#999999",
            fontcolor="#888888",
            fontsize="8",
            height="0.2",
            margin="0.08,0.02",
            id=merge_id,
            tooltip=_tip(f"the branches of {task.ref} meet here"),
            **{"class": "merge type-SWITCH_END"},
        )
        for tail in tails:
            self.edge(g, tail, merge_id)
        for tail in dead:  # keeps a terminated branch above the merge, draws nothing
            self.edge(g, tail, merge_id, style="invis")
        return [_Tail(merge_id, task.ref)], []

    def _loop(
        self, g: graphviz.Digraph, task: Task, node_id: str, scope: _Scope
    ) -> tuple[list[_Tail], list[_Tail]]:
        self.used.add("loop")
        cluster = graphviz.Digraph(name=f"cluster_{node_id}")
        condition = task.fields.get("loopCondition")
        cond_text = value_text(condition) if condition is not None else ""
        lines = [f"DO_WHILE {task.ref}"]
        if cond_text:
            lines.append("while " + shorten(cond_text, 48))
        cluster.attr(
            "graph",
            label="".join(_plain(line) + "\\l" for line in lines),  # \l: left-justified
            labeljust="l",
            style="rounded,dashed,filled",
            fillcolor=LOOP_FILL,
            color=LOOP_LINE,
            fontcolor=LOOP_LINE,
            fontsize="10",
            id=f"cluster_{node_id}",
            tooltip=_tip(f"{task.ref} repeats while {cond_text}" if cond_text else task.ref),
            **{"class": "loop type-DO_WHILE"},
        )
        self._bar(g=cluster, node_id=node_id, task=task, scope=scope)
        end_id = f"{node_id}/end"
        body = [t for _key, block in blocks_of(task, "loopOver") for t in block]
        tails, dead = self.sequence(cluster, body, [_Tail(node_id, task.ref)], scope)
        fake = Task(name=task.name, ref=task.ref, type=task.type)
        self._bar(cluster, end_id, fake, scope, text=f"end of {task.ref}")
        self.connect(cluster, tails, end_id, None)
        self.edge(
            cluster,
            _Tail(node_id, task.ref),
            end_id,
            dir="back",
            tooltip=_tip(f"repeats while {cond_text}" if cond_text else "repeats"),
            **{"class": "loop-edge"},
        )
        g.subgraph(cluster)
        if not tails:
            return [], dead
        return [_Tail(end_id, task.ref)], dead

    def _expand(
        self, g: graphviz.Digraph, task: Task, node_id: str, scope: _Scope
    ) -> tuple[list[_Tail], list[_Tail]] | None:
        child = resolve_sub_workflow(task, self.program)
        if child is None or (child.name, child.version) in scope.stack:
            return None
        self.used.add("sub_workflow")
        self.used.add("expanded")
        cluster = graphviz.Digraph(name=f"cluster_{node_id}")
        cluster.attr(
            "graph",
            label=_plain(f"{child.name} v{child.version}"),
            labeljust="r",
            style="rounded,dashed,filled",
            fillcolor=SUB_FILL,
            color=SUB_LINE,
            fontcolor=SUB_LINE,
            fontsize="10",
            id=f"cluster_{node_id}",
            tooltip=_tip(f"{task.ref} runs {child.name} version {child.version}"),
            **{"class": "subworkflow type-SUB_WORKFLOW"},
        )
        self._task_node(cluster, node_id, task, scope)
        inner = _Scope(
            child,
            prefix=f"{node_id}/",
            stack=(*scope.stack, (child.name, child.version)),
        )
        tails, dead = self.sequence(cluster, child.tasks, [_Tail(node_id, task.ref)], inner)
        end_id = f"{node_id}/end"
        cluster.node(
            end_id,
            label="",
            shape="circle",
            width="0.15",
            fixedsize="true",
            style="filled",
            fillcolor=SUB_LINE,
            color=SUB_LINE,
            id=end_id,
            tooltip=_tip(f"{child.name} completes; {task.ref} takes its output"),
            **{"class": "terminal type-SUB_WORKFLOW_END"},
        )
        self.connect(cluster, tails, end_id, None)
        for tail in dead:
            self.edge(
                cluster,
                tail,
                end_id,
                style="dashed",
                color=MUTED,
                tooltip=_tip(f"{tail.ref} ends the sub-workflow"),
            )
        self._data_edges(child, inner)
        g.subgraph(cluster)
        return [_Tail(end_id, task.ref)], []

    def _generic_container(
        self, g: graphviz.Digraph, task: Task, node_id: str, scope: _Scope
    ) -> tuple[list[_Tail], list[_Tail]]:
        self._task_node(g, node_id, task, scope)
        tails: list[_Tail] = []
        dead: list[_Tail] = []
        for key, block in task.blocks.items():
            head = _Tail(node_id, task.ref, label=str(key))
            if not block:
                tails.append(head)
                continue
            got, ended = self.sequence(g, block, [head], scope)
            tails.extend(got)
            dead.extend(ended)
        return tails, dead

    # --- data flow -----------------------------------------------------------------------

    def _data_edges(self, workflow: Workflow, scope: _Scope) -> None:
        if not self.options.data_flow:
            return
        pairs: dict[tuple[str, str], list[str]] = {}
        tips: dict[tuple[str, str], list[str]] = {}
        start = scope.prefix + "__start" if scope.prefix else "__start"
        for task in workflow.walk():
            consumer = scope.ids.get(task.ref)
            if consumer is None:
                continue
            for key_path, ref in iter_refs(task.inputs):
                self._add_data(scope, pairs, tips, ref, consumer, task.ref, key_path, start)
        if not scope.prefix:
            for key_path, ref in iter_refs(workflow.outputs):
                self._add_data(scope, pairs, tips, ref, "__end", "output", key_path, start)
        for (producer, consumer), keys in pairs.items():
            label = ", ".join(dict.fromkeys(keys))
            self.data_edges.append(
                (producer, consumer, shorten(label, 40), "\n".join(tips[(producer, consumer)]))
            )

    def _add_data(
        self,
        scope: _Scope,
        pairs: dict[tuple[str, str], list[str]],
        tips: dict[tuple[str, str], list[str]],
        ref: Any,
        consumer: str,
        consumer_name: str,
        key_path: tuple[Any, ...],
        start: str,
    ) -> None:
        if ref.source == "workflow":
            if ref.root != "input":
                return
            # inside an expanded sub-workflow its inputs come from the SUB_WORKFLOW task
            producer = scope.prefix[:-1] if scope.prefix else start
        else:
            found = scope.ids.get(ref.source)
            if found is None:
                return
            producer = found
        if producer == consumer:
            return
        key = str(ref.path[0]) if ref.path else (ref.root or "")
        where = ".".join(str(p) for p in key_path)
        pairs.setdefault((producer, consumer), []).append(key)
        tips.setdefault((producer, consumer), []).append(
            f"{consumer_name}.{where} = {ref.expression}"
        )

    # --- legend --------------------------------------------------------------------------

    def legend(self) -> None:
        entries: list[tuple[str, dict[str, str]]] = []
        for key, text, attrs in _LEGEND:
            if key in self.used:
                entries.append((text, attrs))
        if not entries:
            return
        legend = graphviz.Digraph(name="cluster_legend")
        legend.attr(
            "graph",
            label="legend",
            fontsize="9",
            fontcolor=GREY,
            style="rounded",
            color="#cccccc",
            id="legend",
            tooltip="legend",
            **{"class": "legend"},
        )
        legend.attr("node", fontsize="8", height="0.22", margin="0.06,0.02")
        rows = [entries[i : i + _LEGEND_COLUMNS] for i in range(0, len(entries), _LEGEND_COLUMNS)]
        above: str | None = None
        for row_index, row in enumerate(rows):
            line = graphviz.Digraph(name=f"legend_row{row_index}")
            line.attr("graph", rank="same")
            first_in_row: str | None = None
            left: str | None = None
            for column, (text, attrs) in enumerate(row):
                node_id = f"legend/{row_index}/{column}"
                if attrs.get("edge"):
                    a, b = f"{node_id}/a", f"{node_id}/b"
                    for point in (a, b):
                        line.node(point, label="", shape="point", width="0.04", id=point)
                    edge_attrs = {k: v for k, v in attrs.items() if k != "edge"}
                    line.edge(a, b, label=_plain(text), id=f"{node_id}/edge", **edge_attrs)
                    first, last = a, b
                else:
                    line.node(node_id, label=_plain(text), id=node_id, tooltip=text, **attrs)
                    first = last = node_id
                if left is not None:
                    line.edge(left, first, style="invis")
                first_in_row = first_in_row or first
                left = last
            legend.subgraph(line)
            if above is not None and first_in_row is not None:
                legend.edge(above, first_in_row, style="invis")
            above = first_in_row
        self.graph.subgraph(legend)


_LEGEND_COLUMNS = 4
# Everything below is drawn in the legend only when the diagram uses it.
_LEGEND: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("worker", "worker task", {}),
    ("system", "system task", {"fillcolor": SYSTEM_FILL}),
    ("optional", "optional task", {"style": "rounded,filled,dashed"}),
    ("sub_workflow", "sub-workflow", {"penwidth": "3", "fillcolor": SUB_FILL}),
    (
        "bar",
        "fork / join",
        {
            "shape": "box",
            "style": "filled",
            "fillcolor": INK,
            "fontcolor": "white",
            "height": "0.15",
        },
    ),
    (
        "dynamic",
        "spawned at run time",
        {"shape": "box3d", "style": "filled", "fillcolor": SYSTEM_FILL},
    ),
    ("switch", "switch", {"shape": "diamond", "style": "filled", "height": "0.3"}),
    (
        "loop",
        "do-while body",
        {"style": "rounded,dashed,filled", "fillcolor": LOOP_FILL, "color": LOOP_LINE},
    ),
    ("terminate", "terminate", {"shape": "octagon", "style": "filled"}),
    (
        "not_joined",
        "JOIN does not wait",
        {"edge": "1", "style": "dashed", "color": MUTED, "fontcolor": GREY},
    ),
    (
        "unreachable",
        "never reached",
        {"edge": "1", "style": "dashed", "color": MUTED, "arrowhead": "none", "fontcolor": GREY},
    ),
    (
        "data",
        "data read",
        {"edge": "1", "style": "dashed", "color": DATA, "fontcolor": DATA, "arrowhead": "empty"},
    ),
    ("finding", "finding (see tooltip)", {"color": ERROR, "penwidth": "2.5"}),
)

# System task types of Conductor and Orkes that flowdsl's registry does not describe; any
# other type not in the registry runs as a worker task on the server.
_OTHER_SYSTEM_TYPES = frozenset(
    {
        "JDBC",
        "BUSINESS_RULE",
        "GET_SIGNED_JWT",
        "UPDATE_SECRET",
        "QUERY_PROCESSOR",
        "OPS_GENIE",
        "WAIT_FOR_WEBHOOK",
        "GET_WORKFLOW",
        "UPDATE_TASK",
    }
)


def _is_system(kind: str) -> bool:
    known = TASK_TYPES.get(kind)
    if known is not None:
        return known.system
    return kind in _OTHER_SYSTEM_TYPES or kind.startswith("LLM_")


def _node_name(node_id: str) -> str:
    """A node id for graphviz's ``edge()``, which reads ``a:b`` as node ``a``, port ``b``."""
    return cast(str, graphviz.quoting.quote(node_id)) if ":" in node_id else node_id


def _graph_name(workflow: Workflow) -> str:
    return f"{workflow.name}.v{workflow.version}"


class _FindingIndex:
    """Which findings concern which task (or the workflow itself).

    A finding is on a task when it points into the task (a JSON pointer under the task's,
    or a Python line of the task's call or arguments), or into the TaskDef the task uses
    (then every task using it shows the finding).
    """

    def __init__(self, findings: Sequence[Diagnostic], program: Program, expand: bool) -> None:
        self.findings = list(findings)
        self.expand = expand
        self.program = program
        self.claimed: set[int] = set()
        self.by_task: dict[int, list[Diagnostic]] = {}

    def for_task(self, task: Task, workflow: Workflow) -> list[Diagnostic]:
        if not self.findings:
            return []
        if id(task) in self.by_task:
            return self.by_task[id(task)]
        spans = _task_spans(task)
        definition = self.program.task_defs.get(task.name)
        def_spans: list[Span] = []
        if definition is not None and task_type(task.type).worker:
            def_spans = [s for s in (definition.span,) if s is not None]
            def_spans.extend(definition.field_spans.values())
        found = []
        for index, finding in enumerate(self.findings):
            if finding.span is None:
                continue
            if _matches(finding.span, spans, task, self.expand) or _matches(
                finding.span, def_spans, None
            ):
                found.append(finding)
                self.claimed.add(index)
        self.by_task[id(task)] = found
        return found

    def remaining(self, spans: Sequence[Span]) -> list[Diagnostic]:
        """Findings no task claimed that point at one of ``spans``."""
        out = []
        for index, finding in enumerate(self.findings):
            if index in self.claimed or finding.span is None:
                continue
            if not _matches(finding.span, spans, None):
                continue
            out.append(finding)
            self.claimed.add(index)
        return out


def _task_spans(task: Task) -> list[Span]:
    spans = [s for s in (task.span,) if s is not None]
    spans.extend(task.input_spans.values())
    spans.extend(task.field_spans.values())
    for _path, ref in iter_refs(task.inputs):
        if ref.span is not None:
            spans.append(ref.span)
    return spans


def _own_pointer(task: Task) -> str | None:
    return task.span.pointer if task.span is not None else None


def _matches(
    finding: Span, spans: Sequence[Span], task: Task | None, inline_apart: bool = False
) -> bool:
    """Whether the finding points into ``task`` (by JSON pointer: the deepest task holding
    it; an inline sub-workflow's tasks when they are drawn apart) or at one of ``spans``."""
    if finding.pointer is not None and task is not None:
        own = _own_pointer(task)
        if own is None or task.span is None or task.span.file != finding.file:
            return False
        if finding.pointer != own and not finding.pointer.startswith(own + "/"):
            return False
        # the deepest task wins: a pointer inside a nested task belongs to that task
        nested = [t for block in task.blocks.values() for t in block]
        if any(_inside(finding.pointer, t) for t in nested):
            return False
        rest = finding.pointer[len(own) :]
        return not (inline_apart and rest.startswith("/subWorkflowParam/workflowDefinition/"))
    for span in spans:
        if span.file != finding.file:
            continue
        if finding.pointer is not None and span.pointer is not None:
            if finding.pointer == span.pointer or finding.pointer.startswith(span.pointer + "/"):
                return True
            continue
        if span.line is not None and span.line == finding.line:
            return True
    return False


def _inside(pointer: str, task: Task) -> bool:
    own = _own_pointer(task)
    return own is not None and (pointer == own or pointer.startswith(own + "/"))


def _drawn_tasks(workflow: Workflow, expand: bool) -> Iterable[tuple[Task, Workflow]]:
    """The workflow's tasks, and with ``expand`` its inline sub-workflows' (deepest last)."""
    for task in workflow.walk():
        yield task, workflow
    if expand:
        for task in workflow.walk():
            if task.inline_workflow is not None:
                yield from _drawn_tasks(task.inline_workflow, expand)


def _completes(tasks: Sequence[Task]) -> bool:
    """Whether running the list can reach its end (it is not cut short by TERMINATE)."""
    return all(_task_completes(task) for task in tasks)


def _task_completes(task: Task) -> bool:
    if task.type == "TERMINATE":
        return False
    if task.type == "DO_WHILE":
        return _completes([t for _key, block in blocks_of(task, "loopOver") for t in block])
    if task.type in SWITCH_TYPES:
        arms = list(cases(task).values())
        arms.append([t for _key, block in blocks_of(task, "defaultCase") for t in block])
        return any(_completes(arm) for arm in arms)
    if task.blocks and task.type not in ("SUB_WORKFLOW", "FORK_JOIN_DYNAMIC"):
        return any(_completes(block) for block in task.blocks.values())
    return True


def build_diagram(
    workflow: Workflow, program: Program, options: DiagramOptions | None = None
) -> graphviz.Digraph:
    """The workflow's diagram as a graphviz Digraph (not laid out)."""
    options = options or DiagramOptions()
    builder = _Builder(workflow, program, options)
    g = builder.graph
    scope = _Scope(workflow, prefix="", stack=((workflow.name, workflow.version),))
    workflow_spans = [s for s in (workflow.span,) if s is not None]
    workflow_spans.extend(workflow.field_spans.values())
    output_spans = list(workflow.output_spans.values())
    output_spans.extend(r.span for _p, r in iter_refs(workflow.outputs) if r.span is not None)
    start_tip = f"{workflow.name} v{workflow.version} starts"
    if workflow.inputs:
        start_tip += "\ninputs: " + ", ".join(workflow.inputs)
    # Findings on tasks are claimed first; what is left on the workflow goes on start/end
    # (findings on the outputs on end, when the workflow can reach it).
    for task, owner in _drawn_tasks(workflow, options.expand_subworkflows):
        builder.findings.for_task(task, owner)
    completes = _completes(workflow.tasks)
    end_found = builder.findings.remaining(output_spans) if completes else []
    start_found = builder.findings.remaining(workflow_spans + output_spans)
    builder._special(g, "__start", "start", "START", start_found, start_tip)
    tails, _dead = builder.sequence(g, workflow.tasks, [_Tail("__start", "")], scope)
    if tails:
        end_tip = "the workflow completes"
        if workflow.outputs:
            end_tip += "\noutputs:\n" + "\n".join(
                f"  {k} = {shorten(value_text(v), 120)}" for k, v in workflow.outputs.items()
            )
        builder._special(g, "__end", "end", "END", end_found, end_tip)
        builder.connect(g, tails, "__end", None)
    builder._data_edges(workflow, scope)
    for producer, consumer, label, tip in builder.data_edges:
        if consumer == "__end" and not tails:
            continue
        builder.used.add("data")
        builder.edge(
            g,
            _Tail(producer, ""),
            consumer,
            style="dashed",
            color=DATA,
            fontcolor=DATA,
            fontsize="8",
            arrowhead="empty",
            constraint="false",
            penwidth="0.7",
            label=_plain(" " + label),
            tailport="e",
            headport="e",
            tooltip=_tip(tip),
            **{"class": "data"},
        )
    if options.legend:
        builder.legend()
    return g


def dot_source(workflow: Workflow, program: Program, options: DiagramOptions | None = None) -> str:
    """The workflow's diagram as DOT text (deterministic)."""
    return str(build_diagram(workflow, program, options).source)


def diagram_name(workflow: Workflow, fmt: str) -> str:
    """The file name of a workflow's diagram: ``<name>.v<version>.<fmt>``."""
    return f"{workflow.name}.v{workflow.version}.{fmt}"


def render_diagrams(
    program: Program,
    fmt: str,
    options: DiagramOptions | None = None,
    engine: LayoutEngine | None = None,
) -> dict[str, bytes]:
    """``{<name>.v<version>.<fmt>: content}`` for each workflow of the program.

    ``fmt`` ``dot`` is the DOT text and needs no engine; other formats are laid out by
    ``engine`` (:func:`flowdsl.render.layout.require_engine`).
    """
    files: dict[str, bytes] = {}
    for workflow in program.workflows:
        source = dot_source(workflow, program, options)
        if fmt == "dot":
            content = source.encode("utf-8")
        else:
            if engine is None:
                raise LayoutError(INSTALL_HINT)
            content = engine.render(source, fmt)
        files[diagram_name(workflow, fmt)] = content
    return files
