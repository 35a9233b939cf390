"""The emitter's fast path gives the bytes of the reference path (pydantic validate + dump,
then ``json.dumps(indent=2, ensure_ascii=False)``), or hands the document to it.

Checked on generated Conductor programs (every construct, nested), on values each side
treats differently (floats orjson prints otherwise, NaN, integers beyond 64 bits, lone
surrogates, non-ASCII, str subclasses, tuples, non-string keys), and on the encoder alone.
"""

from __future__ import annotations

import json
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowdsl.emit import conductor as emit
from flowdsl.frontends.json_reader import read_json_targets
from flowdsl.ir.nodes import BlockKey, Ref, Task, Template, Workflow

from .strategies import valid_programs, write_program


def reference(wf: Workflow) -> bytes | type[BaseException]:
    """What emit wrote before the fast path: the bytes, or the exception it raised."""
    try:
        return emit.dumps(emit._model_workflow_json(wf))
    except Exception as exc:
        return type(exc)


def fast(wf: Workflow) -> bytes | type[BaseException]:
    """What emit_program writes now for the workflow."""
    try:
        return emit.emit_program(_program(wf))[emit.workflow_path(wf)]
    except Exception as exc:
        return type(exc)


def _program(wf: Workflow) -> Any:
    from flowdsl.ir.nodes import Program

    return Program(workflows=[wf])


def _taken_fast_path(wf: Workflow) -> bool:
    try:
        emit._fast_workflow_json(wf)
    except emit._NotPlainError:
        return False
    return True


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_programs(max_tasks=30))
def test_generated_programs_emit_the_reference_bytes(
    program: tuple[list[dict], list[dict]],
) -> None:
    workflows, task_defs = program
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_program(Path(tmp), workflows, task_defs, bundle=True)
        ir, _ = read_json_targets([str(p) for p in paths])
    for wf in ir.all_workflows():
        expected = reference(wf)
        assert fast(wf) == expected
        # The key order too: the dict the fast path builds is the reference dict.
        if _taken_fast_path(wf):
            assert list(_walk_keys(emit._fast_workflow_json(wf))) == list(
                _walk_keys(emit._model_workflow_json(wf))
            )


def _walk_keys(value: Any, path: str = "") -> Any:
    if isinstance(value, dict):
        for key, item in value.items():
            yield f"{path}/{key}"
            yield from _walk_keys(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk_keys(item, f"{path}/{index}")


def _wf(inputs: dict[str, Any] | None = None, **task_fields: Any) -> Workflow:
    task = Task(
        name="step",
        ref="step_ref",
        type="SIMPLE",
        inputs=inputs or {},
        fields=dict(task_fields),
    )
    return Workflow(name="wf", version=1, tasks=[task], fields={"ownerEmail": "a@b.c"})


class Color(StrEnum):
    RED = "RED"


class Text(str):
    pass


EDGE_VALUES: list[Any] = [
    0.5,
    1e-05,  # orjson: 0.00001
    1e16,
    1e22,
    -0.0,
    5e-324,
    float("nan"),  # pydantic's JSON mode: null; json: NaN
    float("inf"),
    2**63 - 1,
    2**64 - 1,
    2**64,  # beyond orjson
    -(2**63) - 1,
    2**200,
    "\ud800",  # a lone surrogate: json cannot encode it as UTF-8 either
    "a\udfffb",
    "é ü 😀 \u2028 \u2029 \ufeff \x7f",
    "".join(chr(i) for i in range(32)) + '"\\/',
    "${not.a.ref}",
    Color.RED,
    Text("sub"),
    ("a", 1),
    {1: "int key"},
    {"k": {"nested": [1, 2.5, None, True]}},
    [],
    {},
    None,
    True,
    Ref("other_ref", "output", ("a", 0)),
    Template(("x ", Ref("workflow", "input", ("y",)), " ${z}")),
    {1, 2},
    b"bytes",
]


@pytest.mark.parametrize("value", EDGE_VALUES, ids=repr)
def test_edge_values_in_inputs(value: Any) -> None:
    wf = _wf({"v": value, "w": [value, {"x": value}]})
    assert fast(wf) == reference(wf)


@pytest.mark.parametrize("value", EDGE_VALUES, ids=repr)
def test_edge_values_in_fields(value: Any) -> None:
    # Typed fields (int, bool, str, enums...) and Any-typed ones.
    for field in ("startDelay", "optional", "sink", "joinMode", "metadata", "retryCount"):
        wf = _wf(**{field: value})
        assert fast(wf) == reference(wf), field


@pytest.mark.parametrize(
    "fields",
    [
        {"startDelay": -1},  # @PositiveOrZero: the reference path refuses it
        {"startDelay": 2**31},
        {"retryCount": 3, "optional": True, "startDelay": 5, "asyncComplete": False},
        {"name": "renamed"},  # a field given again replaces the head key
        {"type": 7},
        {"inputParameters": {"a": 1}},
        {"taskDefinition": {"name": "step", "timeoutSeconds": 10, "responseTimeoutSeconds": 20}},
        {"taskDefinition": {"name": "step"}},
        {"subWorkflowParam": {"name": "child", "version": 2}},
        {"subWorkflowParam": {"name": "child", "version": "${workflow.input.v}"}},
        {"subWorkflowParam": {"name": "child", "version": 2.0}},
        {"subWorkflowParam": {"version": True}},
        {"cacheConfig": {"ttlInSecond": 5, "key": "k"}},
        {"onStateChange": {"onStart": [{"payload": {"a": 1}, "type": "x"}]}},
        {"noSuchField": 1},
        {"task_reference_name": "snake"},
        {"joinOn": ["a", "b"]},
        {"joinOn": ("a", "b")},
        {"decisionCases": {"a": [{"name": "x", "taskReferenceName": "y"}]}},
        {"evaluatorType": "graaljs", "expression": "1", "caseValueParam": None},
    ],
    ids=repr,
)
def test_task_fields(fields: dict[str, Any]) -> None:
    wf = _wf(**fields)
    assert fast(wf) == reference(wf)


def test_nested_blocks_and_inline_workflows() -> None:
    leaf = Task(name="leaf", ref="leaf_ref", type="SIMPLE", inputs={"x": 1.5})
    inner = Workflow(name="inner", version=2, tasks=[leaf], fields={"ownerEmail": "a@b.c"})
    sub = Task(
        name="sub",
        ref="sub_ref",
        type="SUB_WORKFLOW",
        fields={"subWorkflowParam": {"name": "inner", "version": 2}},
        inline_workflow=inner,
    )
    switch = Task(
        name="switch",
        ref="sw_ref",
        type="SWITCH",
        inputs={"switchCaseValue": Ref("workflow", "input", ("k",))},
        fields={"evaluatorType": "value-param", "expression": "switchCaseValue"},
        blocks={
            BlockKey("decisionCases", "a"): [Task(name="a", ref="a_ref", type="SIMPLE")],
            BlockKey("defaultCase"): [sub],
        },
    )
    fork = Task(
        name="fork",
        ref="fork_ref",
        type="FORK_JOIN",
        blocks={BlockKey("forkTasks", 0): [switch], BlockKey("forkTasks", 1): [leaf]},
    )
    join = Task(name="join", ref="join_ref", type="JOIN", fields={"joinOn": ["sw_ref"]})
    wf = Workflow(
        name="outer",
        version=1,
        tasks=[fork, join],
        inputs=("k",),
        outputs={"out": Ref("leaf_ref", "output", ())},
        fields={
            "ownerEmail": "a@b.c",
            "timeoutSeconds": 60,
            "timeoutPolicy": "TIME_OUT_WF",
            "variables": {"v": 1e-05},
            "restartable": False,
            "description": "d",
        },
        description="shown",
    )
    assert _taken_fast_path(wf) is False  # the 1e-05 in variables
    wf.fields["variables"] = {"v": 0.25}
    assert _taken_fast_path(wf)
    assert fast(wf) == reference(wf)
    for bad in ({"timeoutPolicy": "NOPE"}, {"schemaVersion": 3}, {"tasks": []}, {"version": "1"}):
        wf2 = Workflow(name="w", version=1, tasks=[leaf], fields=dict(bad))
        assert fast(wf2) == reference(wf2), bad
    assert fast(Workflow(name="", version=1, tasks=[leaf])) == reference(
        Workflow(name="", version=1, tasks=[leaf])
    )
    assert fast(Workflow(name="w", version=1, tasks=[])) == reference(
        Workflow(name="w", version=1, tasks=[])
    )


json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=8),
)
json_values = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_encoder_gives_json_dumps_bytes(value: Any) -> None:
    """Whatever the fast path accepts, orjson writes as json.dumps does (or json writes it)."""
    try:
        plain = emit._plain({"v": value}, False)
    except emit._NotPlainError:
        return
    try:
        expected: bytes | type[BaseException] = emit.dumps(plain)
    except Exception as exc:
        expected = type(exc)
    try:
        got: bytes | type[BaseException] = emit._dumps_plain(plain)
    except Exception as exc:
        got = type(exc)
    assert got == expected


def test_encoder_edge_cases_are_exercised() -> None:
    """The cases orjson refuses or prints otherwise do reach the fallbacks."""
    assert emit._dumps_plain({"v": 2**64}) == emit.dumps({"v": 2**64})
    assert emit._dumps_plain({"v": -(2**63) - 1}) == emit.dumps({"v": -(2**63) - 1})
    # orjson refuses a lone surrogate; json writes it as the escape it came from.
    assert emit._dumps_plain({"v": "\ud800"}) == emit.dumps({"v": "\ud800"})
    assert b"\\ud800" in emit._dumps_plain({"v": "\ud800"})
    with pytest.raises(emit._NotPlainError):
        emit._plain(1e-05, False)
    with pytest.raises(emit._NotPlainError):
        emit._plain(float("nan"), False)
    text = "é\u2028\x00\x1f\x7f😀"
    assert emit._dumps_plain({"v": text}) == emit.dumps({"v": text})
    assert json.loads(emit._dumps_plain({"v": text})) == {"v": text}
