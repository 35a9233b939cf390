"""Each check on Conductor JSON: a failing and a passing definition, side by side.

The passing one is the failing one with the defect fixed, and must produce no finding at
all (errors or warnings), so the pair also guards against false positives.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from flowdsl.checker import check_targets
from flowdsl.config import Config
from flowdsl.diagnostics import Diagnostic, Severity

OWNER = "team@example.com"


def td(name: str, inputs: list[str], outputs: list[str], **extra: Any) -> dict[str, Any]:
    return {"name": name, "ownerEmail": OWNER, "inputKeys": inputs, "outputKeys": outputs, **extra}


DEFS = [td("resize", ["fileLocation"], ["fileLocation"]), td("upload", ["fileLocation"], ["s3Url"])]


def simple(ref: str, name: str, source: str) -> dict[str, Any]:
    return {
        "name": name,
        "taskReferenceName": ref,
        "type": "SIMPLE",
        "inputParameters": {"fileLocation": source},
    }


def wf(tasks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "name": "wf",
        "version": 1,
        "ownerEmail": OWNER,
        "inputParameters": ["fileLocation", "kind"],
        "tasks": tasks,
        **extra,
    }


RESIZE = simple("resize_ref", "resize", "${workflow.input.fileLocation}")
UPLOAD = simple("upload_ref", "upload", "${resize_ref.output.fileLocation}")


def fork(*branches: list[dict[str, Any]], join_on: list[str] | None = None) -> list[dict[str, Any]]:
    tails = [b[-1]["taskReferenceName"] for b in branches if b]
    return [
        {
            "name": "fork",
            "taskReferenceName": "fork_ref",
            "type": "FORK_JOIN",
            "forkTasks": list(branches),
        },
        {
            "name": "join",
            "taskReferenceName": "join_ref",
            "type": "JOIN",
            "joinOn": tails if join_on is None else join_on,
        },
    ]


def switch(
    cases: dict[str, list[dict[str, Any]]], default: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    task: dict[str, Any] = {
        "name": "sw",
        "taskReferenceName": "sw_ref",
        "type": "SWITCH",
        "evaluatorType": "value-param",
        "expression": "kind",
        "inputParameters": {"kind": "${workflow.input.kind}"},
        "decisionCases": cases,
    }
    if default is not None:
        task["defaultCase"] = default
    return task


def up(ref: str, source: str) -> dict[str, Any]:
    return simple(ref, "upload", source)


TERMINATE = {
    "name": "stop",
    "taskReferenceName": "stop_ref",
    "type": "TERMINATE",
    "inputParameters": {"terminationStatus": "FAILED"},
}
SET_PATH = {
    "name": "set",
    "taskReferenceName": "set_ref",
    "type": "SET_VARIABLE",
    "inputParameters": {"path": "/tmp"},
}


def inline(ref: str, script: str, **inputs: Any) -> dict[str, Any]:
    return {
        "name": ref,
        "taskReferenceName": ref,
        "type": "INLINE",
        "inputParameters": {"evaluatorType": "javascript", "expression": script, **inputs},
    }


def lambda_(ref: str, script: str) -> dict[str, Any]:
    return {
        "name": ref,
        "taskReferenceName": ref,
        "type": "LAMBDA",
        "inputParameters": {"scriptExpression": script},
    }


def loop(condition: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "loop",
        "taskReferenceName": "loop_ref",
        "type": "DO_WHILE",
        "inputParameters": inputs,
        "loopCondition": condition,
        "loopOver": [up("body_ref", "x")],
    }


# (code, failing program, passing program)
PAIRS: list[tuple[str, list[Any], list[Any]]] = [
    (
        "FD101",
        [wf([RESIZE, up("u", "${resize.output.fileLocation}")]), *DEFS],
        [wf([RESIZE, up("u", "${resize_ref.output.fileLocation}")]), *DEFS],
    ),
    (
        "FD102",
        [wf([simple("resize_ref", "resize", "${workflow.inptu.fileLocation}")]), *DEFS],
        [wf([RESIZE]), *DEFS],
    ),
    (
        "FD102",
        [wf([RESIZE, up("u", "${resize_ref.outputs.fileLocation}")]), *DEFS],
        [wf([RESIZE, up("u", "${resize_ref.output.fileLocation}")]), *DEFS],
    ),
    (
        "FD103",
        [wf([RESIZE, UPLOAD], outputParameters={"f": "${upload_ref.output.fileLocation}"}), *DEFS],
        [wf([RESIZE, UPLOAD], outputParameters={"f": "${upload_ref.output.s3Url}"}), *DEFS],
    ),
    (
        "FD104",
        [wf([simple("resize_ref", "resize", "${workflow.input.fileLocaton}")]), *DEFS],
        [wf([RESIZE]), *DEFS],
    ),
    (
        "FD106",
        [wf([{**RESIZE, "inputParameters": {"fileLocation": "x", "width": 3}}]), *DEFS],
        [wf([{**RESIZE, "inputParameters": {"fileLocation": "x"}}]), *DEFS],
    ),
    ("FD201", [wf([UPLOAD, RESIZE]), *DEFS], [wf([RESIZE, UPLOAD]), *DEFS]),
    (
        "FD201",
        [
            wf(
                [
                    RESIZE,
                    switch(
                        {
                            "a": [up("a1", "${b1.output.s3Url}")],
                            "b": [up("b1", "${resize_ref.output.fileLocation}")],
                        }
                    ),
                ]
            ),
            *DEFS,
        ],
        [
            wf(
                [
                    RESIZE,
                    switch(
                        {
                            "a": [up("a1", "${resize_ref.output.fileLocation}")],
                            "b": [up("b1", "${resize_ref.output.fileLocation}")],
                        }
                    ),
                ]
            ),
            *DEFS,
        ],
    ),
    (
        "FD202",
        [
            wf(
                [
                    RESIZE,
                    *fork(
                        [up("a", "${resize_ref.output.fileLocation}")],
                        [up("b", "${a.output.s3Url}")],
                    ),
                ]
            ),
            *DEFS,
        ],
        [
            wf(
                [
                    RESIZE,
                    *fork(
                        [up("a", "${resize_ref.output.fileLocation}")],
                        [up("b", "${resize_ref.output.fileLocation}")],
                    ),
                    up("c", "${a.output.s3Url}"),
                ]
            ),
            *DEFS,
        ],
    ),
    (
        "FD203",
        [
            wf(
                [RESIZE, switch({"a": [up("a1", "${resize_ref.output.fileLocation}")]})],
                outputParameters={"u": "${a1.output.s3Url}"},
            ),
            *DEFS,
        ],
        [
            wf(
                [RESIZE, switch({"a": [up("a1", "${resize_ref.output.fileLocation}")]})],
                outputParameters={"u": "${sw_ref.output.selectedCase}"},
            ),
            *DEFS,
        ],
    ),
    (
        "FD204",
        [
            wf(
                [
                    {
                        "name": "loop",
                        "taskReferenceName": "loop_ref",
                        "type": "DO_WHILE",
                        "loopCondition": "$.loop_ref['iteration'] < 2",
                        "loopOver": [RESIZE],
                    }
                ],
                outputParameters={"f": "${resize_ref__1.output.fileLocation}"},
            ),
            *DEFS,
        ],
        [
            wf(
                [
                    {
                        "name": "loop",
                        "taskReferenceName": "loop_ref",
                        "type": "DO_WHILE",
                        "loopCondition": "$.loop_ref['iteration'] < 2",
                        "loopOver": [RESIZE],
                    }
                ],
                outputParameters={"f": "${loop_ref.output['1'].resize_ref.fileLocation}"},
            ),
            *DEFS,
        ],
    ),
    (
        "FD301",
        [wf([RESIZE, {**UPLOAD, "taskReferenceName": "resize_ref"}]), *DEFS],
        [wf([RESIZE, UPLOAD]), *DEFS],
    ),
    (
        "FD305",
        [wf([RESIZE, *fork([up("a", "x")], [up("b", "y")])[:1], up("c", "z")]), *DEFS],
        [wf([RESIZE, *fork([up("a", "x")], [up("b", "y")]), up("c", "z")]), *DEFS],
    ),
    (
        "FD306",
        [wf([*fork([up("a", "x")], [])]), *DEFS],
        [wf([*fork([up("a", "x")], [up("b", "y")])]), *DEFS],
    ),
    (
        "FD307",
        [wf([*fork([up("a", "x"), up("a2", "y")], [up("b", "y")], join_on=["a", "b"])]), *DEFS],
        [wf([*fork([up("a", "x"), up("a2", "y")], [up("b", "y")])]), *DEFS],
    ),
    (
        "FD308",
        [
            wf(
                [
                    RESIZE,
                    {
                        "name": "t",
                        "taskReferenceName": "t",
                        "type": "TERMINATE",
                        "inputParameters": {"terminationStatus": "COMPLETED"},
                    },
                    UPLOAD,
                ]
            ),
            *DEFS,
        ],
        [
            wf(
                [
                    RESIZE,
                    UPLOAD,
                    {
                        "name": "t",
                        "taskReferenceName": "t",
                        "type": "TERMINATE",
                        "inputParameters": {"terminationStatus": "COMPLETED"},
                    },
                ]
            ),
            *DEFS,
        ],
    ),
    (
        "FD309",
        [wf([RESIZE, switch({}, default=[up("d", "x")])]), *DEFS],
        [wf([RESIZE, switch({"a": [up("d", "x")]})]), *DEFS],
    ),
    (
        "FD310",
        [
            wf(
                [
                    {
                        "name": "c",
                        "taskReferenceName": "c",
                        "type": "SUB_WORKFLOW",
                        "subWorkflowParam": {"name": "wf", "version": 1},
                    }
                ]
            ),
            *DEFS,
        ],
        [
            wf(
                [
                    {
                        "name": "c",
                        "taskReferenceName": "c",
                        "type": "SUB_WORKFLOW",
                        "subWorkflowParam": {"name": "child", "version": 1},
                    }
                ]
            ),
            {**wf([RESIZE]), "name": "child"},
            *DEFS,
        ],
    ),
    (
        "FD311",
        [
            wf(
                [
                    {
                        "name": "c",
                        "taskReferenceName": "c",
                        "type": "SUB_WORKFLOW",
                        "subWorkflowParam": {"name": "child"},
                    }
                ]
            ),
            *DEFS,
        ],
        [
            wf(
                [
                    {
                        "name": "c",
                        "taskReferenceName": "c",
                        "type": "SUB_WORKFLOW",
                        "subWorkflowParam": {"name": "child"},
                    }
                ]
            ),
            {**wf([RESIZE]), "name": "child"},
            *DEFS,
        ],
    ),
    ("FD312", [wf([{**RESIZE, "type": "SIMPLE_TASK"}]), *DEFS], [wf([RESIZE]), *DEFS]),
    (
        "FD313",
        [
            wf([{"name": "l", "taskReferenceName": "l", "type": "DO_WHILE", "loopOver": [RESIZE]}]),
            *DEFS,
        ],
        [
            wf(
                [
                    {
                        "name": "l",
                        "taskReferenceName": "l",
                        "type": "DO_WHILE",
                        "loopCondition": "$.l['iteration'] < 2",
                        "loopOver": [RESIZE],
                    }
                ]
            ),
            *DEFS,
        ],
    ),
    (
        "FD313",
        [
            wf([{"name": "h", "taskReferenceName": "h", "type": "HTTP", "inputParameters": {}}]),
            *DEFS,
        ],
        [
            wf(
                [
                    {
                        "name": "h",
                        "taskReferenceName": "h",
                        "type": "HTTP",
                        "inputParameters": {"http_request": {"uri": "http://x", "method": "GET"}},
                    }
                ]
            ),
            *DEFS,
        ],
    ),
    (
        "FD401",
        [
            wf([RESIZE]),
            td(
                "resize",
                ["fileLocation"],
                ["fileLocation"],
                timeoutSeconds=30,
                responseTimeoutSeconds=60,
            ),
        ],
        [
            wf([RESIZE]),
            td(
                "resize",
                ["fileLocation"],
                ["fileLocation"],
                timeoutSeconds=30,
                responseTimeoutSeconds=30,
            ),
        ],
    ),
    ("FD405", [wf([RESIZE])], [wf([RESIZE]), DEFS[0]]),
    ("FD501", [wf([{**RESIZE, "taskReferenceName": "resize.ref"}]), *DEFS], [wf([RESIZE]), *DEFS]),
    (
        "FD504",
        [wf([simple("resize_ref", "resize", "${workflow.input.fileLocation")]), *DEFS],
        [wf([RESIZE]), *DEFS],
    ),
    (
        "FD504",
        [wf([simple("resize_ref", "resize", "${$.workflow.input.fileLocation}")]), *DEFS],
        [wf([RESIZE]), *DEFS],
    ),
    (
        "FD601",
        [wf([RESIZE]), {k: v for k, v in DEFS[0].items() if k != "ownerEmail"}],
        [wf([RESIZE]), DEFS[0]],
    ),
    (
        "FD602",
        [wf([{**RESIZE, "optinal": True}]), *DEFS],
        [wf([{**RESIZE, "optional": True}]), *DEFS],
    ),
    (
        "FD604",
        [{**wf([RESIZE]), "schemaVersion": 1}, *DEFS],
        [{**wf([RESIZE]), "schemaVersion": 2}, *DEFS],
    ),
    (
        "FD102",
        [wf([simple("resize_ref", "resize", "${workflow.variables.path}")]), *DEFS],
        [wf([SET_PATH, simple("resize_ref", "resize", "${workflow.variables.path}")]), *DEFS],
    ),
    (
        "FD102",
        [wf([simple("resize_ref", "resize", "${workflow.variables.path}")]), *DEFS],
        [
            wf(
                [simple("resize_ref", "resize", "${workflow.variables.path}")],
                variables={"path": "/tmp"},
            ),
            *DEFS,
        ],
    ),
    (
        "FD314",
        [
            wf(
                [
                    RESIZE,
                    *fork([up("a", "x")], [switch({"k": [up("k1", "y")]})], join_on=["a", "k1"]),
                ]
            ),
            *DEFS,
        ],
        [
            wf(
                [
                    RESIZE,
                    *fork(
                        [up("a", "x")], [switch({"k": [up("k1", "y")]})], join_on=["a", "sw_ref"]
                    ),
                ]
            ),
            *DEFS,
        ],
    ),
    (
        "FD314",
        [
            wf(
                [
                    RESIZE,
                    *fork(
                        [up("a", "x")], [switch({"k": [up("k1", "y")]}, [])], join_on=["a", "k1"]
                    ),
                ]
            ),
            *DEFS,
        ],
        [
            wf(
                [
                    RESIZE,
                    *fork(
                        [up("a", "x")],
                        [switch({"k": [up("k1", "y")]}, [TERMINATE])],
                        join_on=["a", "k1"],
                    ),
                ]
            ),
            *DEFS,
        ],
    ),
    (
        "FD315",
        [wf([RESIZE, inline("calc", " ")]), *DEFS],
        [wf([RESIZE, inline("calc", "1")]), *DEFS],
    ),
    (
        "FD315",
        [wf([RESIZE, lambda_("calc", "")]), *DEFS],
        [wf([RESIZE, lambda_("calc", "return 1")]), *DEFS],
    ),
    (
        "FD506",
        [wf([RESIZE, loop("$.loop_ref['iteration'] < ${workflow.input.kind}", {})]), *DEFS],
        [
            wf([RESIZE, loop("$.loop_ref['iteration'] < $.n", {"n": "${workflow.input.kind}"})]),
            *DEFS,
        ],
    ),
    (
        "FD506",
        [
            wf(
                [
                    {
                        **switch({"k": [RESIZE]}),
                        "evaluatorType": "javascript",
                        "expression": "'${workflow.input.kind}'",
                    }
                ]
            ),
            *DEFS,
        ],
        [
            wf(
                [{**switch({"k": [RESIZE]}), "evaluatorType": "javascript", "expression": "$.kind"}]
            ),
            *DEFS,
        ],
    ),
    (
        "FD507",
        [wf([simple("resize_ref", "resize", "{$workflow.input.fileLocation}")]), *DEFS],
        [wf([RESIZE]), *DEFS],
    ),
    (
        "FD507",
        [wf([simple("resize_ref", "resize", "$workflow.input.fileLocation")]), *DEFS],
        [wf([RESIZE]), *DEFS],
    ),
    (
        "FD507",
        [wf([simple("resize_ref", "resize", "${ workflow.input.fileLocation}")]), *DEFS],
        [wf([RESIZE]), *DEFS],
    ),
    (
        "FD507",
        [wf([RESIZE, up("u", "s3://$resize_ref.output.fileLocation")]), *DEFS],
        [wf([RESIZE, up("u", "s3://${resize_ref.output.fileLocation}")]), *DEFS],
    ),
    (
        "FD508",
        [wf([RESIZE, loop("$.loop_ref['iteration'] < $.n", {})]), *DEFS],
        [wf([RESIZE, loop("$.loop_ref['iteration'] < $.n", {"n": 3})]), *DEFS],
    ),
    (
        "FD508",
        [wf([RESIZE, loop("$.count['iteration'] < 3", {"count": 2})]), *DEFS],
        [wf([RESIZE, loop("$.loop_ref['iteration'] < 3", {"count": 2})]), *DEFS],
    ),
    (
        "FD508",
        [
            wf([{**switch({"k": [RESIZE]}), "evaluatorType": "javascript", "expression": "$.knd"}]),
            *DEFS,
        ],
        [
            wf(
                [{**switch({"k": [RESIZE]}), "evaluatorType": "javascript", "expression": "$.kind"}]
            ),
            *DEFS,
        ],
    ),
    (
        "FD508",
        [wf([RESIZE, inline("calc", "$.a + 1")]), *DEFS],
        [wf([RESIZE, inline("calc", "$.a + 1", a=1)]), *DEFS],
    ),
]


def check(tmp_path: Path, program: list[Any], config: Config | None = None) -> list[str]:
    return [d.code for d in diagnostics(tmp_path, program, config)]


def diagnostics(
    tmp_path: Path, program: list[Any], config: Config | None = None
) -> list[Diagnostic]:
    path = tmp_path / "program.json"
    path.write_text(json.dumps(program, indent=2))
    return check_targets([str(path)], config or Config()).diagnostics


@pytest.mark.parametrize(
    ("code", "bad", "good"), PAIRS, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(PAIRS)]
)
def test_failing_and_passing(tmp_path: Path, code: str, bad: list[Any], good: list[Any]) -> None:
    # FD601 is reported for JSON only when the server requires an ownerEmail.
    config = Config(owner_email_required=code == "FD601")
    found = check(tmp_path, copy.deepcopy(bad), config)
    assert code in found, found
    assert check(tmp_path, copy.deepcopy(good), config) == []


# Shapes found in Conductor's own repository that are correct and must stay finding-free
# (each was a false positive once; see scripts/check_corpus.py).
LOOP = {
    "name": "loop",
    "taskReferenceName": "loop_ref",
    "type": "DO_WHILE",
    "inputParameters": {"self": "${loop_ref.output}", "done": "${resize_ref.output.fileLocation}"},
    "loopCondition": "$.done == null",
    "loopOver": [RESIZE],
}
INLINE_CHILD = {
    "name": "sub",
    "taskReferenceName": "sub_ref",
    "type": "SUB_WORKFLOW",
    "subWorkflowParam": {
        "workflowDefinition": {
            "name": "inline_sub",
            "version": 1,
            "ownerEmail": OWNER,
            "tasks": [
                {
                    "name": "sub",
                    "taskReferenceName": "inner_ref",
                    "type": "SUB_WORKFLOW",
                    "subWorkflowParam": {
                        "workflowDefinition": {
                            "name": "inline_sub",
                            "version": 1,
                            "ownerEmail": OWNER,
                            "tasks": [simple("r2", "resize", "x")],
                        }
                    },
                }
            ],
        }
    },
}
REAL_WORLD: list[tuple[str, list[Any]]] = [
    (
        "auditable fields of a server export",
        [
            {**wf([RESIZE]), "createTime": 1, "updateTime": 2, "createdBy": "a", "updatedBy": "b"},
            {**DEFS[0], "createTime": 1, "ownerApp": "x"},
            DEFS[1],
        ],
    ),
    (
        "inline taskDefinition, which the server never validates",
        [
            wf(
                [
                    {
                        **RESIZE,
                        "taskDefinition": {"name": "resize", "createTime": 1, "timeoutSeconds": 5},
                    }
                ]
            ),
            *DEFS,
        ],
    ),
    ("a DO_WHILE's inputs read the loop and its body for the condition", [wf([LOOP]), *DEFS]),
    ("nested inline sub-workflows sharing a name are not recursion", [wf([INLINE_CHILD]), *DEFS]),
    (
        "joinOn names the SWITCH that ends a branch",
        [
            wf(
                [
                    RESIZE,
                    *fork(
                        [up("a", "x")], [switch({"k": [up("k1", "y")]})], join_on=["a", "sw_ref"]
                    ),
                ]
            ),
            *DEFS,
        ],
    ),
    (
        "joinOn names a task in a case, and every other case terminates",
        [
            wf(
                [
                    RESIZE,
                    *fork(
                        [up("a", "x")],
                        [switch({"k": [up("k1", "y")]}, [TERMINATE])],
                        join_on=["a", "k1"],
                    ),
                ]
            ),
            *DEFS,
        ],
    ),
    (
        "a failure workflow reads what Conductor gives it",
        [
            wf(
                [simple("resize_ref", "resize", "${workflow.input.failedWorkflow}")],
                inputParameters=["fileLocation"],
            ),
            *DEFS,
        ],
    ),
    (
        "reading a case's task after the SWITCH, when every other case terminates",
        [
            wf([switch({"k": [RESIZE]}, [TERMINATE]), UPLOAD]),
            *DEFS,
        ],
    ),
    (
        "a duplicate differing only in audit fields and defaults",
        [
            wf([RESIZE]),
            *DEFS,
            {
                **DEFS[0],
                "createTime": 5,
                "updatedBy": "x",
                "retryCount": 3,
                "timeoutPolicy": "TIME_OUT_WF",
            },
            {**wf([RESIZE]), "updateTime": 7, "timeoutSeconds": 0, "restartable": True},
        ],
    ),
    (
        "a blank after an expression, which Conductor ignores",
        [wf([simple("resize_ref", "resize", "${workflow.input.fileLocation }")]), *DEFS],
    ),
    (
        "a loopCondition reading the loop, its body and its inputs",
        [
            wf(
                [
                    {
                        "name": "loop",
                        "taskReferenceName": "loop_ref",
                        "type": "DO_WHILE",
                        "inputParameters": {"limit": 3, "cfg": {"max": 2}},
                        "loopCondition": "$.loop_ref['iteration'] < $.limit && "
                        "$.resize_ref['fileLocation'] != null && $.cfg.max > 1 "
                        "&& '$.nothing' != '${not.a.ref}'",
                        "loopOver": [RESIZE],
                    }
                ]
            ),
            *DEFS,
        ],
    ),
    (
        "task types registered by the server's AI module",
        [wf([{"name": "img", "taskReferenceName": "img", "type": "GENERATE_IMAGE"}]), *DEFS],
    ),
]


@pytest.mark.parametrize(("label", "program"), REAL_WORLD, ids=[r[0] for r in REAL_WORLD])
def test_real_world_shapes_pass(tmp_path: Path, label: str, program: list[Any]) -> None:
    assert check(tmp_path, copy.deepcopy(program)) == []


def test_a_list_element_with_a_name_is_a_task_def(tmp_path: Path) -> None:
    # POST /api/metadata/taskdefs reads every object of the list as a TaskDef, ignoring the
    # fields TaskDef has not: a TaskDef, whose stray `type` is reported as dropped.
    program = [wf([RESIZE]), *DEFS, {"name": "other", "type": "SIMPLE", "ownerEmail": OWNER}]
    found = diagnostics(tmp_path, program)
    assert [(d.code, d.span.pointer if d.span else None) for d in found] == [("FD602", "/3/type")]


def test_declarations_json_does_not_enforce_are_warnings(tmp_path: Path) -> None:
    program = [
        wf(
            [RESIZE, UPLOAD, {**up("u2", ""), "inputParameters": {"x": "${workflow.input.other}"}}],
            outputParameters={"f": "${upload_ref.output.fileLocation}"},
        ),
        *DEFS,
    ]
    found = diagnostics(tmp_path, program)
    assert sorted(d.code for d in found) == ["FD103", "FD104", "FD106"]
    assert all(d.severity is Severity.WARNING for d in found)
    assert "does not enforce" in found[0].message


def test_duplicates_that_differ_in_substance_are_reported(tmp_path: Path) -> None:
    program = [wf([RESIZE]), *DEFS, {**DEFS[0], "retryCount": 1}]
    assert check(tmp_path, program) == ["FD302"]


def test_owner_email_is_not_required_by_default(tmp_path: Path) -> None:
    program = [{k: v for k, v in wf([RESIZE]).items() if k != "ownerEmail"}, *DEFS]
    assert check(tmp_path, program) == []
    found = diagnostics(tmp_path, program, Config(owner_email_required=True))
    assert [d.code for d in found] == ["FD601"]
    assert "ownerEmailMandatory" in found[0].message


def test_findings_deep_in_a_large_file_have_their_positions(tmp_path: Path) -> None:
    """Spans are made only for the findings, and lines only for the findings reported: deep
    in a large file they are still where the text says."""
    tasks = [
        simple(f"t{i}", "step", f"${{t{i - 1}.output.value}}" if i else "${workflow.input.kind}")
        for i in range(3000)
    ]
    tasks[2500]["inputParameters"]["fileLocation"] = "${nope.output.value}"
    tasks[2700]["bogus/Field~"] = 1
    text = json.dumps([wf(tasks), td("step", ["fileLocation"], ["value"])], indent=2)
    text = text.replace(
        '"taskReferenceName": "t2900",', '"taskReferenceName": "x",\n"taskReferenceName": "t2900",'
    )
    path = tmp_path / "big.json"
    path.write_text(text)

    def at(marker: str, skip: str = "") -> tuple[int, int]:
        offset = text.index(marker) + len(skip)
        return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)

    reported = check_targets([str(path)], Config()).diagnostics
    assert [d.code for d in reported] == ["FD101", "FD602", "FD605"]
    found = {d.code: (d.span.line, d.span.column, d.span.pointer) for d in reported if d.span}
    assert found["FD101"] == (
        *at('"${nope.output.value}"'),
        "/0/tasks/2500/inputParameters/fileLocation",
    )
    assert found["FD602"] == (
        *at('"bogus/Field~": 1', '"bogus/Field~": '),
        "/0/tasks/2700/bogus~1Field~0",
    )
    # The value Conductor ignores: the first of the repeated key.
    assert found["FD605"] == (
        *at('"taskReferenceName": "x"', '"taskReferenceName": '),
        "/0/tasks/2900/taskReferenceName",
    )
