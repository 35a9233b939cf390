"""Diagrams: the laid-out graph (real `dot -Tjson`) has the shape Conductor users expect for
each construct, from Conductor JSON and from Python workflows."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from flowdsl.checker import check_targets
from flowdsl.config import Config
from flowdsl.ir.nodes import Program, Workflow
from flowdsl.render._text import shorten
from flowdsl.render.diagram import DiagramOptions, dot_source
from flowdsl.render.layout import LayoutEngine

from .conftest import REPO
from .layout_json import Layout, collisions, dot_program, lay_out

DATA = REPO / "tests" / "data" / "diagrams"
SVG = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"


def _load(*targets: Path | str) -> tuple[Program, list[object]]:
    result = check_targets([str(t) for t in targets], Config(owner_email="t@example.com"))
    return result.program, list(result.diagnostics)


@pytest.fixture(scope="module")
def shipping() -> tuple[Program, Workflow, list[object]]:
    program, found = _load(DATA)
    wf = next(w for w in program.workflows if w.name == "shipping")
    return program, wf, found


def _layout(program: Program, wf: Workflow, **options: object) -> Layout:
    return lay_out(dot_source(wf, program, DiagramOptions(**options)))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def plain(shipping: tuple[Program, Workflow, list[object]]) -> Layout:
    program, wf, _ = shipping
    return _layout(program, wf)


def test_start_end_and_top_to_bottom(plain: Layout) -> None:
    assert plain.nodes["__start"].drawn_text == "start"
    assert plain.nodes["__end"].drawn_text == "end"
    first = plain.edge("__start", "get_order_ref")
    assert first.visible
    # top to bottom: Graphviz y grows upwards, so each task sits below the one before
    order = ["__start", "get_order_ref", "rate_ref", "carrier_switch", "notify_fork", "__end"]
    ys = [plain.nodes[n].box[1] for n in order]
    assert ys == sorted(ys, reverse=True)
    assert "shipping" in " ".join(t.text for t in plain.title)


def test_task_boxes_show_ref_name_and_type(plain: Layout) -> None:
    node = plain.nodes["get_order_ref"]
    assert "rounded" in node.attrs["style"]
    assert [t.text for t in node.texts][:2] == ["get_order_ref", "get_order · SIMPLE"]
    http = plain.nodes["rate_ref"]
    assert "rate · HTTP" in http.drawn_text
    assert "GET https://rates.example/api" in http.drawn_text
    assert plain.nodes["wait_ref"].texts[-1].text == "duration: 10s"
    assert "sink: conductor:order_shipped" in plain.nodes["event_ref"].drawn_text
    assert "topic: shipments" in plain.nodes["kafka_ref"].drawn_text
    assert "starts billing v1" in plain.nodes["billing_ref"].drawn_text
    assert "{ id: .order.id, done: .done }" in plain.nodes["summary_ref"].drawn_text
    assert "sets lastOrder" in plain.nodes["remember_ref"].drawn_text
    assert "noop · NOOP" in plain.nodes["noop_ref"].drawn_text
    assert "pick_handler · DYNAMIC" in plain.nodes["dynamic_ref"].drawn_text
    assert "approve · HUMAN" in plain.nodes["approve_ref"].drawn_text
    # worker tasks are white, system tasks tinted, an optional task dashed
    assert plain.nodes["get_order_ref"].attrs.get("fillcolor", "white") == "white"
    assert plain.nodes["rate_ref"].attrs["fillcolor"] != "white"
    assert "dashed" in plain.nodes["sms_ref"].attrs["style"]


def test_fork_and_join_are_bars_with_one_edge_per_branch(plain: Layout) -> None:
    fork = plain.nodes["notify_fork"]
    assert fork.attrs["shape"] == "plain" and "FORK_JOIN" in fork.drawn_text
    out = plain.out_edges("notify_fork")
    assert [e.head for e in out] == ["email_ref", "sms_ref", "event_ref"]
    assert [e.attrs["tailport"] for e in out] == ["b0:s", "b1:s", "b2:s"]
    # branches laid out left to right in forkTasks order, from points spread along the bar
    xs = [plain.nodes[e.head].box[0] for e in out]
    assert xs == sorted(xs)
    join = plain.in_edges("notify_join")
    assert sorted(e.tail for e in join) == ["email_ref", "kafka_ref", "sms_ref"]
    # sms_ref is not in joinOn: the JOIN does not wait for it
    assert "dashed" in plain.edge("sms_ref", "notify_join").attrs["style"]
    assert "style" not in plain.edge("email_ref", "notify_join").attrs


def test_dynamic_fork_has_a_stack_placeholder(plain: Layout) -> None:
    assert "FORK_JOIN_DYNAMIC" in plain.nodes["labels_fork"].drawn_text
    stack = plain.nodes["labels_fork/spawned"]
    assert stack.attrs["shape"] == "box3d"
    assert "dynamically spawned tasks" in stack.drawn_text
    assert "one print_label per item" in stack.drawn_text
    assert [e.head for e in plain.out_edges("labels_fork")] == ["labels_fork/spawned"]
    assert [e.head for e in plain.out_edges("labels_fork/spawned")] == ["labels_join"]


def test_switch_is_a_diamond_with_labelled_cases_and_a_default(plain: Layout) -> None:
    switch = plain.nodes["carrier_switch"]
    assert switch.attrs["shape"] == "diamond"
    labels = {e.label: e.head for e in plain.out_edges("carrier_switch")}
    assert labels == {
        "fedex": "fedex_ref",
        "ups": "ups_sub",
        "pickup": "carrier_switch/end",  # an empty case goes straight to the end of the switch
        "default": "abort_ref",
    }
    # the branches meet again at one small pill, which leads on
    assert sorted(e.tail for e in plain.in_edges("carrier_switch/end")) == [
        "carrier_switch",
        "fedex_ref",
        "ups_sub",
    ]
    assert [e.head for e in plain.out_edges("carrier_switch/end")] == ["notify_fork"]


def test_terminate_is_distinct_and_ends_its_path(plain: Layout) -> None:
    node = plain.nodes["abort_ref"]
    assert node.attrs["shape"] == "octagon"
    assert "status: FAILED" in node.drawn_text
    assert plain.out_edges("abort_ref") == []


def test_do_while_is_a_cluster_with_a_loop_edge(plain: Layout) -> None:
    cluster = plain.clusters["cluster_poll_loop"]
    assert {"poll_loop", "check_ref", "wait_ref", "poll_loop/end"} <= cluster.nodes
    assert "DO_WHILE poll_loop" in cluster.texts[0].text
    loop = [e for e in plain.edges if e.attrs.get("dir") == "back"]
    assert [(e.tail, e.head) for e in loop] == [("poll_loop", "poll_loop/end")]
    assert loop[0].attrs["tooltip"].startswith("repeats while if ($.poll_loop['iteration'] < 5)")
    assert "while if ($.poll_loop['iteration'] < 5)" in cluster.texts[1].text
    # the body runs between the two bars
    assert plain.edge("poll_loop", "check_ref").visible
    assert plain.edge("wait_ref", "poll_loop/end").visible
    assert plain.edge("poll_loop/end", "summary_ref").visible


def test_sub_workflow_is_marked(plain: Layout) -> None:
    node = plain.nodes["ups_sub"]
    assert float(node.attrs["penwidth"]) >= 3
    assert "runs ship_ups v2" in node.drawn_text
    assert "runs audit_inline v1 (inline)" in plain.nodes["audit_sub"].drawn_text
    assert not any(name.startswith("ups_sub/") for name in plain.nodes)


def test_expanded_sub_workflows_are_clusters(
    shipping: tuple[Program, Workflow, list[object]],
) -> None:
    program, wf, _ = shipping
    layout = _layout(program, wf, expand_subworkflows=True)
    ups = layout.clusters["cluster_ups_sub"]
    assert {"ups_sub", "ups_sub/book_ref", "ups_sub/label_ref", "ups_sub/end"} <= ups.nodes
    assert ups.texts[0].text == "ship_ups v2"  # from the program's workflows
    assert layout.edge("ups_sub", "ups_sub/book_ref").visible
    assert layout.edge("ups_sub/end", "carrier_switch/end").visible
    audit = layout.clusters["cluster_audit_sub"]  # from the inline definition
    assert {"audit_sub", "audit_sub/write_audit_ref"} <= audit.nodes
    assert layout.edge("audit_sub/end", "billing_ref").visible
    # data edges inside: from the SUB_WORKFLOW task for the sub-workflow's inputs
    both = _layout(program, wf, expand_subworkflows=True, data_flow=True)
    tasks = {n for n in layout.nodes if not n.startswith("legend")}
    assert {n for n in both.nodes if not n.startswith("legend")} == tasks
    data = {(e.tail, e.head): e.label for e in both.edges if e.attrs.get("class") == "data"}
    assert data[("ups_sub", "ups_sub/book_ref")] == "orderId"
    assert data[("ups_sub/book_ref", "ups_sub/label_ref")] == "bookingId"


def test_recursive_sub_workflow_is_not_expanded_forever(tmp_path: Path) -> None:
    wf = {
        "name": "again",
        "version": 1,
        "schemaVersion": 2,
        "ownerEmail": "t@example.com",
        "tasks": [
            {
                "name": "again",
                "taskReferenceName": "again_ref",
                "type": "SUB_WORKFLOW",
                "subWorkflowParam": {"name": "again", "version": 1},
            }
        ],
    }
    (tmp_path / "again.json").write_text(json.dumps(wf))
    program, _ = _load(tmp_path / "again.json")
    layout = _layout(program, program.workflows[0], expand_subworkflows=True)
    assert "again_ref" in layout.nodes
    assert not any("/" in name for name in layout.nodes if not name.startswith("legend"))


def test_data_flow_edges_are_dashed_labelled_and_do_not_move_nodes(
    shipping: tuple[Program, Workflow, list[object]], plain: Layout
) -> None:
    program, wf, _ = shipping
    layout = _layout(program, wf, data_flow=True)
    data = [e for e in layout.edges if e.attrs.get("class") == "data"]
    pairs = {(e.tail, e.head): e for e in data}
    reads = pairs[("get_order_ref", "fedex_ref")]
    assert reads.label == "orderId"
    assert "dashed" in reads.attrs["style"] and reads.attrs["constraint"] == "false"
    assert pairs[("__start", "get_order_ref")].label == "orderId"
    assert pairs[("summary_ref", "__end")].label == "result"
    assert "fedex_ref.orderId = ${get_order_ref.output.orderId}" in reads.attrs["tooltip"]
    # the edges do not constrain the layout: every node keeps its rank and its neighbours
    assert _ranks(layout) == _ranks(plain)


def _ranks(layout: Layout) -> dict[str, int]:
    """Each task node's rank: its place among the distinct heights, top first."""
    centres = {
        name: round((node.box[1] + node.box[3]) / 2)
        for name, node in layout.nodes.items()
        if not name.startswith("legend")
    }
    levels = sorted(set(centres.values()), reverse=True)
    return {name: levels.index(y) for name, y in centres.items()}


def test_legend_lists_what_the_diagram_uses(plain: Layout) -> None:
    legend = plain.clusters["cluster_legend"]
    texts = {plain.nodes[n].drawn_text for n in legend.nodes}
    texts |= {e.label for e in plain.edges if e.tail in legend.nodes and e.label}
    assert {"worker task", "system task", "sub-workflow", "fork / join", "switch"} <= texts
    assert {"terminate", "do-while body", "spawned at run time", "JOIN does not wait"} <= texts
    assert "data read" not in texts  # no data-flow edges in this view


def test_findings_are_drawn_on_their_nodes(
    shipping: tuple[Program, Workflow, list[object]], plain: Layout
) -> None:
    program, wf, found = shipping
    assert [d.code for d in found] == ["FD307"]  # type: ignore[attr-defined]
    layout = _layout(program, wf, findings=tuple(found))
    join = layout.nodes["notify_join"]
    assert "FD307" in join.drawn_text
    assert "FD307 error: JOIN `notify_join` does not wait for `sms_ref`" in join.attrs["tooltip"]
    assert "finding-error" in join.attrs["class"]
    flagged = [n for n in layout.nodes.values() if "finding" in n.attrs.get("class", "")]
    assert [n.name for n in flagged] == ["notify_join"]
    # without --findings nothing is flagged
    assert not any("finding" in n.attrs.get("class", "") for n in plain.nodes.values())


def test_findings_on_python_workflows(tmp_path: Path) -> None:
    source = tmp_path / "flows.py"
    source.write_text(
        "from pydantic import BaseModel\n"
        "from flowdsl import task, workflow\n\n"
        "class Out(BaseModel):\n    url: str\n\n"
        "@task(owner_email='t@example.com')\n"
        "def fetch(id: str) -> Out:\n    ...\n\n"
        "@task(owner_email='t@example.com')\n"
        "def store(url: str) -> Out:\n    ...\n\n"
        "@workflow(name='pyflow', version=1, owner_email='t@example.com')\n"
        "def pyflow(id: str) -> dict[str, str]:\n"
        "    a = fetch(id=id)\n"
        "    b = store(url=a.url)\n"
        "    return {'url': b.url}\n"
    )
    bad = {
        "name": "pyflow_json",
        "version": 1,
        "schemaVersion": 2,
        "ownerEmail": "t@example.com",
        "tasks": [
            {
                "name": "fetch",
                "taskReferenceName": "fetch_ref",
                "type": "SIMPLE",
                "inputParameters": {"id": "${nowhere_ref.output.id}"},
            }
        ],
    }
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    program, found = _load(source, tmp_path / "bad.json")
    wf = next(w for w in program.workflows if w.name == "pyflow_json")
    layout = _layout(program, wf, findings=tuple(found))
    assert "FD101" in layout.nodes["fetch_ref"].attrs["tooltip"]
    py = next(w for w in program.workflows if w.name == "pyflow")
    layout = _layout(program, py)
    assert [e.head for e in layout.out_edges("fetch_ref")] == ["store_ref"]


def test_svg_has_stable_ids_and_tooltips(shipping: tuple[Program, Workflow, list[object]]) -> None:
    program, wf, _ = shipping
    svg = LayoutEngine(dot_program(), "graphviz").render(dot_source(wf, program), "svg")
    root = ElementTree.fromstring(svg)
    by_id = {el.get("id"): el for el in root.iter() if el.get("id")}
    assert by_id["get_order_ref"].get("class") == "node task type-SIMPLE"
    assert by_id["cluster_poll_loop"].get("class") == "cluster loop type-DO_WHILE"
    assert by_id["__start->get_order_ref"].get("class") == "edge"
    assert by_id["carrier_switch->fedex_ref"].get("class") == "edge case"
    link = by_id["a_get_order_ref"].find(f"{SVG}a")
    assert link is not None
    tip = link.get(XLINK_TITLE, "").replace("\xa0", " ")
    assert tip.startswith("get_order_ref: get_order (SIMPLE)\n")
    assert "policies: retryCount=3, timeoutSeconds=60, responseTimeoutSeconds=30" in tip
    assert "orderId = ${workflow.input.orderId}" in tip
    assert b"&lt;B&gt;" not in svg  # no HTML label source leaks into a tooltip


def test_dot_text_is_deterministic(shipping: tuple[Program, Workflow, list[object]]) -> None:
    program, wf, found = shipping
    options = DiagramOptions(data_flow=True, expand_subworkflows=True, findings=tuple(found))  # type: ignore[arg-type]
    first = dot_source(wf, program, options)
    again_program, again_found = _load(DATA)
    again = next(w for w in again_program.workflows if w.name == "shipping")
    options = DiagramOptions(data_flow=True, expand_subworkflows=True, findings=tuple(again_found))  # type: ignore[arg-type]
    assert dot_source(again, again_program, options) == first


def test_nothing_overlaps_in_the_construct_workflow(
    shipping: tuple[Program, Workflow, list[object]], plain: Layout
) -> None:
    program, wf, _ = shipping
    assert list(collisions(plain)) == []
    assert list(collisions(_layout(program, wf, expand_subworkflows=True))) == []


def test_every_path_terminating_drops_the_end_node(tmp_path: Path) -> None:
    wf = {
        "name": "stops",
        "version": 1,
        "schemaVersion": 2,
        "ownerEmail": "t@example.com",
        "tasks": [
            {
                "name": "stop",
                "taskReferenceName": "stop_ref",
                "type": "TERMINATE",
                "inputParameters": {"terminationStatus": "COMPLETED"},
            },
            {"name": "after", "taskReferenceName": "after_ref", "type": "NOOP"},
        ],
    }
    (tmp_path / "stops.json").write_text(json.dumps(wf))
    program, _ = _load(tmp_path / "stops.json")
    layout = _layout(program, program.workflows[0])
    assert "__end" not in layout.nodes
    never = layout.edge("stop_ref", "after_ref")  # drawn, but as never reached
    assert "dashed" in never.attrs["style"] and never.attrs["arrowhead"] == "none"


def test_findings_on_task_definitions_and_outputs() -> None:
    # the blog post's JSON: a TaskDef Conductor rejects, an output its outputKeys do not list
    # (a warning for JSON: Conductor does not enforce outputKeys)
    seed = REPO / "tests" / "data" / "seed_004"
    program, found = _load(seed / "workflow.json", seed / "taskdefs.json")
    assert sorted(d.code for d in found) == ["FD103", "FD401"]  # type: ignore[attr-defined]
    layout = _layout(program, program.workflows[0], findings=tuple(found))
    resize = layout.nodes["image_convert_resize_ref"]
    assert "FD401" in resize.drawn_text and "taskdefs.json:19:29" in resize.attrs["tooltip"]
    end = layout.nodes["__end"]
    assert "FD103 warning: the workflow output reads `fileLocation`" in end.attrs["tooltip"]
    assert end.attrs["color"] == "#e67e00"  # the warning colour
    assert "finding" not in layout.nodes["upload_toS3_ref"].attrs["class"]


def test_python_task_definition_findings(tmp_path: Path) -> None:
    source = tmp_path / "flows.py"
    source.write_text(
        "from pydantic import BaseModel\n"
        "from flowdsl import task, workflow\n\n"
        "class Out(BaseModel):\n    url: str\n\n"
        "@task(owner_email='t@example.com')\n"
        "def fetch(id: str) -> Out:\n    ...\n\n"
        "@task(owner_email='t@example.com', timeout_seconds=10, response_timeout_seconds=60)\n"
        "def store(url: str) -> Out:\n    ...\n\n"
        "@workflow(name='pyflow', version=1, owner_email='t@example.com')\n"
        "def pyflow(id: str) -> dict[str, str]:\n"
        "    a = fetch(id=id)\n"
        "    b = store(url=a.url)\n"
        "    return {'url': b.url}\n"
    )
    program, found = _load(source)
    assert [d.code for d in found] == ["FD401"]  # type: ignore[attr-defined]
    layout = _layout(program, program.workflows[0], findings=tuple(found))
    assert "FD401" in layout.nodes["store_ref"].drawn_text
    assert "finding" not in layout.nodes["fetch_ref"].attrs["class"]
    assert "finding" not in layout.nodes["__start"].attrs["class"]


def test_tooltips_and_labels_keep_quotes_backslashes_and_markup(tmp_path: Path) -> None:
    expression = 'var re = /\\d+"x"/; return $.a < 3 && "<B>" != "\\\\n";'
    wf = {
        "name": "escapes",
        "version": 1,
        "schemaVersion": 2,
        "ownerEmail": "t@example.com",
        "tasks": [
            {
                "name": "odd",
                "taskReferenceName": "odd_ref",
                "type": "INLINE",
                "description": 'say "hi" \\ <there>',
                "inputParameters": {"evaluatorType": "javascript", "expression": expression},
            }
        ],
    }
    (tmp_path / "escapes.json").write_text(json.dumps(wf))
    program, _ = _load(tmp_path / "escapes.json")
    source = dot_source(program.workflows[0], program)
    svg = LayoutEngine(dot_program(), "graphviz").render(source, "svg")
    root = ElementTree.fromstring(svg)
    by_id = {el.get("id"): el for el in root.iter() if el.get("id")}
    link = by_id["a_odd_ref"].find(f"{SVG}a")
    assert link is not None
    tip = link.get(XLINK_TITLE, "").replace("\xa0", " ")
    assert 'say "hi" \\ <there>' in tip
    assert f"expression = {expression}" in tip
    texts = [t.text for t in by_id["odd_ref"].iter(f"{SVG}text")]
    assert texts[2] == shorten(expression, 44)


def test_findings_inside_inline_sub_workflows(tmp_path: Path) -> None:
    wf = json.loads((DATA / "shipping.json").read_text())
    inline = wf["tasks"][11]["subWorkflowParam"]["workflowDefinition"]
    inline["tasks"][0]["inputParameters"]["orderId"] = "${nobody_ref.output.id}"
    (tmp_path / "shipping.json").write_text(json.dumps(wf))
    for name in ("ship_ups.json", "taskdefs.json"):
        (tmp_path / name).write_text((DATA / name).read_text())
    program, found = _load(tmp_path)
    assert sorted(d.code for d in found) == ["FD101", "FD307"]  # type: ignore[attr-defined]
    shipping = next(w for w in program.workflows if w.name == "shipping")

    def flagged(layout: Layout) -> dict[str, str]:
        return {
            name: node.drawn_text.split()[-1]
            for name, node in layout.nodes.items()
            if "finding" in node.attrs.get("class", "")
        }

    # collapsed: on the SUB_WORKFLOW task; expanded: on the task inside it
    collapsed = _layout(program, shipping, findings=tuple(found))
    assert flagged(collapsed) == {"audit_sub": "FD101", "notify_join": "FD307"}
    expanded = _layout(program, shipping, findings=tuple(found), expand_subworkflows=True)
    assert flagged(expanded) == {"audit_sub/write_audit_ref": "FD101", "notify_join": "FD307"}


def test_python_constructs_render_like_their_json(tmp_path: Path) -> None:
    source = tmp_path / "flows.py"
    source.write_text(
        "from pydantic import BaseModel\n"
        "from flowdsl import do_while, fork, switch, task, when, workflow\n\n"
        "class Img(BaseModel):\n    fileLocation: str\n    width: int\n\n"
        "class Status(BaseModel):\n    state: str\n\n"
        "@task(owner_email='t@example.com')\n"
        "def convert(fileLocation: str, outputFormat: str) -> Img: ...\n\n"
        "@task(owner_email='t@example.com')\n"
        "def upload(fileLocation: str) -> Img: ...\n\n"
        "@task(owner_email='t@example.com')\n"
        "def poll(job: str, attempt: int) -> Status: ...\n\n"
        "@workflow(name='constructs', version=1, owner_email='t@example.com')\n"
        "def constructs(f: str, fmt: str) -> dict[str, object]:\n"
        "    jpg, webp = fork(\n"
        "        lambda: upload(fileLocation=convert(fileLocation=f, outputFormat='jpg').fileLocation),\n"
        "        lambda: upload(fileLocation=convert(fileLocation=f, outputFormat='webp').fileLocation),\n"
        "        ref='convert',\n"
        "    )\n"
        "    small = when(jpg.width > 1000, lambda: upload(fileLocation=jpg.fileLocation))\n"
        "    stored = switch(fmt, {'jpg': lambda: convert(fileLocation=f, outputFormat='jpg')},\n"
        "                    default=lambda: convert(fileLocation=f, outputFormat='png'))\n"
        "    last = do_while(lambda loop: poll(job=stored.fileLocation, attempt=loop.iteration),\n"
        "                    condition=lambda loop, s: (s.state != 'DONE') & (loop.iteration < 9))\n"
        "    return {'state': last.state, 'webp': webp.fileLocation}\n"
    )
    program, found = _load(source)
    assert [d.code for d in found] == []  # type: ignore[attr-defined]
    wf = program.workflows[0]
    layout = _layout(program, wf)
    assert [e.attrs["tailport"] for e in layout.out_edges("convert")] == ["b0:s", "b1:s"]
    assert sorted(e.tail for e in layout.in_edges("convert_join")) == ["upload_ref", "upload_ref_2"]
    switches = [
        n
        for n in layout.nodes.values()
        if n.attrs.get("shape") == "diamond" and not n.name.startswith("legend")
    ]
    cases = [sorted(e.label for e in layout.out_edges(n.name)) for n in switches]
    assert sorted(cases) == [["default", "jpg"], ["default", "true"]]
    loops = [c for c in layout.clusters.values() if "type-DO_WHILE" in c.attrs["class"]]
    assert len(loops) == 1 and "poll_ref" in loops[0].nodes
    assert list(collisions(layout)) == []
