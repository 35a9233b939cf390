"""Large workflows stay readable: a 200-task workflow with nested forks and switches, made of
generated valid Conductor workflows, lays out (real dot) with no node or label on another."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from flowdsl.frontends.json_reader import read_json_targets
from flowdsl.render.diagram import DiagramOptions, dot_source

from .layout_json import collisions, lay_out
from .strategies import all_tasks, child_lists, refs_of, valid_programs, write_program

TARGET_TASKS = 200
NESTING = ("FORK_JOIN", "SWITCH", "DECISION", "DO_WHILE")


def _renamed(wf: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The workflow with every taskReferenceName (and every mention of one) prefixed."""
    refs = sorted(refs_of(wf), key=len, reverse=True)
    if not refs:
        return wf
    pattern = re.compile(
        r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, refs)) + r")(?![A-Za-z0-9_])"
    )
    return json.loads(pattern.sub(lambda m: prefix + m.group(1), json.dumps(wf)))  # type: ignore[no-any-return]


def _nested(tasks: list[dict[str, Any]]) -> bool:
    """Some fork or switch inside another construct."""
    for task in all_tasks(tasks):
        if task["type"] in NESTING:
            inner = [t for lst in child_lists(task) for t in all_tasks(lst)]
            if any(t["type"] in ("FORK_JOIN", "SWITCH") for t in inner):
                return True
    return False


def _size(tasks: list[dict[str, Any]]) -> int:
    """Tasks in the workflow itself (inline sub-workflows are drawn as one node)."""
    return sum(1 for _ in all_tasks(tasks))


@st.composite
def big_workflows(draw: st.DrawFn) -> dict[str, Any]:
    """One workflow of at least TARGET_TASKS tasks: generated workflows one after another."""
    tasks: list[dict[str, Any]] = []
    inputs: set[str] = set()
    part = 0
    while _size(tasks) < TARGET_TASKS or not _nested(tasks):
        workflows, _ = draw(valid_programs(max_workflows=1, max_depth=3, max_tasks=80))
        wf = _renamed(workflows[0], f"p{part}_")
        part += 1
        body = wf["tasks"]
        if body and body[-1]["type"] == "TERMINATE":
            body = body[:-1]  # a TERMINATE would end the big workflow there
        tasks.extend(body)
        inputs.update(wf["inputParameters"])
    return {
        "name": "big_flow",
        "version": 1,
        "schemaVersion": 2,
        "ownerEmail": "t@example.com",
        "inputParameters": sorted(inputs),
        "tasks": tasks,
    }


@settings(
    max_examples=2,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # a 200-task example is not worth shrinking
    print_blob=False,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(big_workflows())
def test_two_hundred_tasks_render_without_overlaps(wf: dict[str, Any]) -> None:
    assert _size(wf["tasks"]) >= TARGET_TASKS
    types = {t["type"] for t in all_tasks(wf["tasks"])}
    assert {"FORK_JOIN", "SWITCH"} <= types
    with tempfile.TemporaryDirectory() as tmp:  # not tmp_path: @given reruns the body
        path = Path(tmp) / "big.json"
        path.write_text(json.dumps(wf))
        program, _ = read_json_targets([str(path)])
    workflow = program.workflows[0]
    layout = lay_out(dot_source(workflow, program, DiagramOptions()))
    drawn = [n for n in layout.nodes if not n.startswith(("legend", "__"))]
    assert len(drawn) >= TARGET_TASKS
    problems = list(collisions(layout))
    assert problems == [], "\n".join(problems[:20])


@settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking a layout takes minutes
    suppress_health_check=[HealthCheck.too_slow],
)
@given(valid_programs(max_workflows=3, max_depth=3, max_tasks=30))
def test_every_generated_program_renders_in_every_view(program: Any) -> None:
    """Valid programs of every shape lay out with every option, and the default view has
    nothing on top of anything else."""
    workflows, task_defs = program
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_program(Path(tmp), workflows, task_defs)
        read, _ = read_json_targets([str(p) for p in paths])
    for workflow in read.workflows:
        plain = lay_out(dot_source(workflow, read, DiagramOptions()))
        assert list(collisions(plain)) == []
        assert "__start" in plain.nodes
        full = DiagramOptions(data_flow=True, expand_subworkflows=True, findings=())
        everything = lay_out(dot_source(workflow, read, full))
        assert set(plain.nodes) <= set(everything.nodes)
