"""The checks' fast paths (issue 11) decide exactly what the general code decides.

Each test builds workflows where a shortcut could conflate two cases (``1`` and ``True`` in a
remembered header, a name used by many tasks, a reference that is fine next to one that is
not) and asserts every finding, so a shortcut that skips too much fails here.
"""

from __future__ import annotations

import importlib
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from flowdsl.checks import run_checks
from flowdsl.checks.values import json_problem
from flowdsl.conductor.targets import DEFAULT_TARGET, get_target
from flowdsl.ir.nodes import Program, Ref, Span, Task, TaskDef, Template, Workflow

# (the module: `flowdsl.checks.names` the attribute is the check function)
names_check = importlib.import_module("flowdsl.checks.names")


def _task(ref: str, name: str = "step", kind: str = "SIMPLE", **fields: Any) -> Task:
    return Task(name=name, ref=ref, type=kind, fields=dict(fields), span=Span("w.py", 1, 1))


def _findings(workflow: Workflow, *task_defs: TaskDef) -> list[tuple[str, str]]:
    program = Program([workflow], {td.name: td for td in task_defs})
    found = run_checks(program, get_target(DEFAULT_TARGET))
    return [(d.code, d.message) for d in found if d.code not in ("FD405", "FD501")]


def _workflow(tasks: list[Task], source: str = "json") -> Workflow:
    span = Span("w.json", 1, 1, pointer="") if source == "json" else Span("w.py", 1, 1)
    return Workflow(
        "w", 1, tasks, fields={"ownerEmail": "a@b.c"}, span=span, source=source, inputs=()
    )


def test_remembered_headers_tell_equal_values_of_other_types_apart() -> None:
    # 1, 1.0 and True are equal (and hash alike) in Python; pydantic's lax int takes all
    # three, strict (a Python definition) takes only the int.
    tasks = [
        _task("a", startDelay=1),
        _task("b", startDelay=True),
        _task("c", startDelay=1.0),
        _task("d", startDelay=1.5),
        _task("e", startDelay=1),
        _task("f", startDelay="x"),
        _task("g", startDelay=1.5),
    ]
    lax = [m for code, m in _findings(_workflow(tasks)) if code == "FD604"]
    assert [m.split(":")[0] for m in lax] == ["task `d`", "task `f`", "task `g`"]
    strict = [m for code, m in _findings(_workflow(tasks, "python")) if code == "FD604"]
    assert [m.split(":")[0] for m in strict] == [
        "task `b`",
        "task `c`",
        "task `d`",
        "task `f`",
        "task `g`",
    ]


def test_a_name_shared_by_many_tasks_is_reported_for_each_bad_use() -> None:
    tasks = [_task("a"), _task("b", name="bad/name"), _task("c"), _task("d", name="bad/name")]
    bad = [m for code, m in _findings(_workflow(tasks)) if code == "FD502"]
    assert len(bad) == 2


def test_fine_and_wrong_references_side_by_side() -> None:
    # Each consumer reads a producer that ran before (fine), one that runs later, an
    # undeclared key, and an unknown task: only the last three are findings.
    producer = TaskDef(
        "step",
        {"name": "step", "ownerEmail": "a@b.c"},
        span=Span("w.json", 1, 1, pointer=""),
        output_keys=("out",),
    )
    tasks = [
        _task("p1"),
        Task(
            "step",
            "c1",
            "SIMPLE",
            inputs={
                "ok": Ref("p1", "output", ("out",)),
                "later": Ref("p2", "output", ("out",)),
                "undeclared": Ref("p1", "output", ("nope",)),
                "unknown": Ref("ghost", "output", ("out",)),
                "nested": {"deep": [Ref("p1", "output", ("nope",))]},
                "text": Template(("x", Ref("p1", "output", ("out",)))),
            },
        ),
        _task("p2"),
    ]
    found = _findings(_workflow(tasks), producer)
    assert [code for code, _ in found] == ["FD201", "FD103", "FD101", "FD103"]
    assert "${p2.output.out}" in found[0][1] and "${ghost.output.out}" in found[2][1]


def test_values_fast_paths_agree_with_the_rules() -> None:
    assert json_problem({"a": Ref("t", "output", ("x", 0))}) is None
    assert json_problem({"a": "plain", "b": ["é", 1]}) is None
    surrogate = json_problem({"a": Ref("t", "output", ("\ud800",))})
    assert surrogate is not None and "surrogate" in surrogate
    huge = json_problem({"a": Ref("t", "output", (10**5000,))})
    assert huge is not None and "too long" in huge
    assert json_problem({"\udc00": 1}) is not None
    key = json_problem({1: "x"})
    assert key is not None and "key of type int" in key


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="aZ09_-. $()[]{}@/\\*?\"'é", max_size=8)
    | st.sampled_from(["workflow", "a__1", "a_", "_a", "-", "a-_b"])
)
def test_plain_reference_names_pass_every_rule(ref: str) -> None:
    def messages(plain: Any) -> list[str]:
        saved = names_check._PLAIN_REF
        names_check._PLAIN_REF = plain
        try:
            return [d.message for d in names_check._ref_name(ref, None)]
        finally:
            names_check._PLAIN_REF = saved

    class Never:
        @staticmethod
        def fullmatch(_: str) -> None:
            return None

    assert messages(names_check._PLAIN_REF) == messages(Never)
