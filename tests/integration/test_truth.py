"""Each finding that claims a consequence on the server, shown on the real server.

For every code whose message says Conductor rejects the definition, fails or hangs the run,
gives null or delivers literal text, a minimal offending workflow shows that consequence
and the fixed version behaves; the checker reports the code on the first and not on the
second. When the server version changes, these say which messages are still true.

Kept short: SIMPLE tasks are completed by a small poller over the REST API; "stuck" means
still IN_PROGRESS a few seconds after everything else finished.
"""

from __future__ import annotations

import copy
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from flowdsl.checker import check_targets
from flowdsl.config import Config
from flowdsl.diagnostics import Diagnostic, Severity

from .conductor_server import ConductorServer

OWNER = "flowdsl-tests@example.com"
WORKER = "truth_worker"
WORKER_DEF = {
    "name": WORKER,
    "ownerEmail": OWNER,
    "retryCount": 0,
    "timeoutSeconds": 60,
    "responseTimeoutSeconds": 30,
}
QUIET = 3.0  # seconds without progress after which a running workflow is "stuck"


# -- definitions ----------------------------------------------------------------------------


def workflow(name: str, tasks: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {
        "name": f"truth_{name}",
        "version": 1,
        "schemaVersion": 2,
        "ownerEmail": OWNER,
        "tasks": tasks,
        **fields,
    }


def simple(ref: str, **inputs: Any) -> dict[str, Any]:
    return {"name": WORKER, "taskReferenceName": ref, "type": "SIMPLE", "inputParameters": inputs}


def inline(ref: str, script: str, **inputs: Any) -> dict[str, Any]:
    return {
        "name": ref,
        "taskReferenceName": ref,
        "type": "INLINE",
        "inputParameters": {"evaluatorType": "javascript", "expression": script, **inputs},
    }


def switch(
    ref: str,
    expression: str,
    cases: dict[str, list[Any]],
    default: list[Any] | None = None,
    **f: Any,
) -> dict[str, Any]:
    task = {
        "name": ref,
        "taskReferenceName": ref,
        "type": "SWITCH",
        "evaluatorType": "value-param",
        "expression": expression,
        "decisionCases": cases,
        **f,
    }
    if default is not None:
        task["defaultCase"] = default
    return task


def fork(ref: str, *branches: list[Any]) -> dict[str, Any]:
    return {"name": ref, "taskReferenceName": ref, "type": "FORK_JOIN", "forkTasks": list(branches)}


def join(ref: str, *on: str) -> dict[str, Any]:
    return {"name": ref, "taskReferenceName": ref, "type": "JOIN", "joinOn": list(on)}


# -- the checker ----------------------------------------------------------------------------


def findings(tmp_path: Path, *definitions: Any, required: bool = False) -> list[Diagnostic]:
    """What `flowdsl check` reports on the definitions (with the worker's TaskDef)."""
    path = tmp_path / f"defs{len(list(tmp_path.iterdir()))}.json"
    path.write_text(json.dumps([*definitions, WORKER_DEF], indent=2))
    result = check_targets([str(path)], Config(owner_email_required=required))
    return result.diagnostics


def codes(tmp_path: Path, *definitions: Any, required: bool = False) -> set[str]:
    return {d.code for d in findings(tmp_path, *definitions, required=required)}


# -- the server -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(conductor: ConductorServer) -> ConductorServer:
    status, body = conductor.register_task_defs([WORKER_DEF])
    assert status == 200, body
    return conductor


def register(server: ConductorServer, wf: dict[str, Any]) -> tuple[int, Any]:
    """Register (or replace) a workflow definition."""
    return server.request("PUT", "/api/metadata/workflow", [wf])


def run(
    server: ConductorServer,
    wf: dict[str, Any],
    inputs: dict[str, Any] | None = None,
    outputs: dict[str, dict[str, Any]] | None = None,
    hold: frozenset[str] = frozenset(),
    stuck: bool = False,
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Register and start ``wf``, complete its SIMPLE tasks (output by ref from
    ``outputs``; the refs in ``hold`` are polled but left IN_PROGRESS), and return the
    execution once it ends; with ``stuck`` (or ``hold``), already once no task changed
    for QUIET seconds. Also the input each SIMPLE task received, by ref."""
    stuck = stuck or bool(hold)
    status, body = register(server, wf)
    assert status == 200, body
    status, workflow_id = server.request(
        "POST", f"/api/workflow/{wf['name']}?version={wf['version']}", inputs or {}
    )
    assert status == 200, workflow_id
    received: dict[str, dict[str, Any]] = {}
    moved = time.monotonic()
    deadline = moved + 60
    execution: dict[str, Any] = {}
    seen: list[tuple[str, str]] = []
    while time.monotonic() < deadline:
        status, polled = server.request(
            "GET", f"/api/tasks/poll/batch/{WORKER}?workerid=truth&count=10&timeout=100"
        )
        for task in polled if status == 200 and isinstance(polled, list) else []:
            ref = task["referenceTaskName"]
            received[ref] = task["inputData"]
            moved = time.monotonic()
            if ref in hold:
                continue
            result = {
                "workflowInstanceId": task["workflowInstanceId"],
                "taskId": task["taskId"],
                "status": "COMPLETED",
                "outputData": (outputs or {}).get(ref, {}),
            }
            status, body = server.request("POST", "/api/tasks", result)
            assert status == 200, body
        status, execution = server.request("GET", f"/api/workflow/{workflow_id}?includeTasks=true")
        assert status == 200, execution
        now = [(t["referenceTaskName"], t["status"]) for t in execution["tasks"]]
        if now != seen:
            seen, moved = now, time.monotonic()
        if execution["status"] != "RUNNING" or (stuck and time.monotonic() - moved > QUIET):
            return execution, received
        time.sleep(0.1)
    raise AssertionError(f"{wf['name']} still running after 60 s: {execution.get('status')}")


def task_status(execution: dict[str, Any], ref: str) -> str | None:
    for task in execution["tasks"]:
        if task["referenceTaskName"] == ref:
            return str(task["status"])
    return None


def output_of(execution: dict[str, Any], ref: str) -> dict[str, Any]:
    for task in execution["tasks"]:
        if task["referenceTaskName"] == ref:
            return dict(task.get("outputData") or {})
    raise AssertionError(f"no task {ref} ran")


# -- hangs and failures ---------------------------------------------------------------------


def test_join_on_a_task_in_a_switch_case_hangs(server: ConductorServer, tmp_path: Path) -> None:
    # FD314: Join.java waits until every joinOn task is terminal; one never scheduled never is.
    branch = [switch("pick", "k", {"x": [simple("deep")]}, inputParameters={"k": "y"})]
    bad = workflow("join_hang", [fork("f", branch, [simple("other")]), join("j", "deep", "other")])
    good = copy.deepcopy(bad)
    good["tasks"][1]["joinOn"] = ["pick", "other"]
    assert "FD314" in codes(tmp_path, bad)
    assert "FD314" not in codes(tmp_path, good)

    execution, _ = run(server, bad, stuck=True)
    assert execution["status"] == "RUNNING"
    assert task_status(execution, "other") == "COMPLETED"
    assert task_status(execution, "j") == "IN_PROGRESS"
    assert task_status(execution, "deep") is None  # never scheduled
    server.request("DELETE", f"/api/workflow/{execution['workflowId']}?archiveWorkflow=false")

    execution, _ = run(server, good)
    assert execution["status"] == "COMPLETED"


def test_join_not_on_a_branch_tail_lets_the_branch_run_on(
    server: ConductorServer, tmp_path: Path
) -> None:
    # FD307: Join.java waits for its joinOn tasks only; the rest of a branch runs on.
    bad = workflow(
        "join_early",
        [
            fork("f", [simple("a"), simple("b")], [simple("c")]),
            join("j", "a", "c"),
            simple("after"),
        ],
    )
    good = copy.deepcopy(bad)
    good["tasks"][1]["joinOn"] = ["b", "c"]
    assert "FD307" in codes(tmp_path, bad)
    assert "FD307" not in codes(tmp_path, good)
    execution, received = run(server, bad, hold=frozenset({"b"}))
    assert task_status(execution, "j") == "COMPLETED"
    assert task_status(execution, "b") == "IN_PROGRESS" and "after" in received
    server.request("DELETE", f"/api/workflow/{execution['workflowId']}?archiveWorkflow=false")
    execution, received = run(server, good, hold=frozenset({"b"}))
    assert task_status(execution, "j") == "IN_PROGRESS" and "after" not in received
    server.request("DELETE", f"/api/workflow/{execution['workflowId']}?archiveWorkflow=false")


def test_empty_fork_branch_fails(server: ConductorServer, tmp_path: Path) -> None:
    # FD306: registration accepts an empty branch; scheduling the fork throws.
    bad = workflow("empty_branch", [fork("f", [simple("a")], []), join("j", "a")])
    good = workflow("empty_branch", [fork("f", [simple("a")]), join("j", "a")])
    assert "FD306" in codes(tmp_path, bad)
    assert "FD306" not in codes(tmp_path, good)
    status, body = register(server, bad)
    assert status == 200, body
    status, body = server.request("POST", f"/api/workflow/{bad['name']}?version=1", {})
    assert status == 500 and "out of bounds" in json.dumps(body), body
    assert run(server, good)[0]["status"] == "COMPLETED"


def test_empty_inline_script_fails(server: ConductorServer, tmp_path: Path) -> None:
    # FD315: Inline.checkExpression refuses a blank expression when the task runs.
    bad = workflow("empty_script", [inline("calc", "  ")])
    good = workflow("empty_script", [inline("calc", "1 + 1")])
    assert "FD315" in codes(tmp_path, bad)
    assert "FD315" not in codes(tmp_path, good)
    assert run(server, bad)[0]["status"] == "FAILED"
    execution, _ = run(server, good)
    assert execution["status"] == "COMPLETED"
    assert output_of(execution, "calc")["result"] == 2


def test_fork_without_join_fails(server: ConductorServer, tmp_path: Path) -> None:
    # FD305: registration accepts it; the fork mapper fails the workflow.
    bad = workflow("fork_no_join", [fork("f", [simple("a")])])
    good = workflow("fork_no_join", [fork("f", [simple("a")]), join("j", "a")])
    assert "FD305" in codes(tmp_path, bad)
    assert "FD305" not in codes(tmp_path, good)
    execution, _ = run(server, bad)
    assert execution["status"] == "FAILED"
    assert "not followed by a join" in execution["reasonForIncompletion"]
    assert run(server, good)[0]["status"] == "COMPLETED"


def test_unknown_sub_workflow_without_version_cannot_start(
    server: ConductorServer, tmp_path: Path
) -> None:
    # FD311: the latest version is looked up when the parent starts.
    child = workflow("child", [simple("c")])
    call = {
        "name": "call",
        "taskReferenceName": "call",
        "type": "SUB_WORKFLOW",
        "subWorkflowParam": {"name": "truth_never_registered"},
    }
    bad = workflow("parent", [call])
    good = copy.deepcopy(bad)
    good["tasks"][0]["subWorkflowParam"]["name"] = child["name"]
    assert "FD311" in codes(tmp_path, bad)
    assert "FD311" not in codes(tmp_path, good, child)
    status, body = register(server, bad)
    assert status == 200, body
    status, body = server.request("POST", f"/api/workflow/{bad['name']}?version=1", {})
    assert status >= 400 and "no workflow definition" in json.dumps(body)
    status, body = register(server, child)
    assert status == 200, body
    assert run(server, good)[0]["status"] == "COMPLETED"


# -- scripts ----------------------------------------------------------------------------------


def test_expression_in_a_switch_script_is_literal_text(
    server: ConductorServer, tmp_path: Path
) -> None:
    # FD506: the SWITCH expression is a task field; ParametersUtils does not resolve it.
    cases = {"a": [inline("took_a", "1")]}
    bad = workflow(
        "script_field",
        [
            switch(
                "sw",
                "'${workflow.input.kind}' == 'a' ? 'a' : 'other'",
                cases,
                evaluatorType="javascript",
                inputParameters={},
            )
        ],
    )
    good = workflow(
        "script_field",
        [
            switch(
                "sw",
                "$.kind == 'a' ? 'a' : 'other'",
                cases,
                evaluatorType="javascript",
                inputParameters={"kind": "${workflow.input.kind}"},
            )
        ],
    )
    assert "FD506" in codes(tmp_path, bad)
    assert codes(tmp_path, good) & {"FD506", "FD508"} == set()
    assert output_of(run(server, bad, {"kind": "a"})[0], "sw")["selectedCase"] == "other"
    assert output_of(run(server, good, {"kind": "a"})[0], "sw")["selectedCase"] == "a"


def test_unbound_name_in_a_switch_script_is_undefined(
    server: ConductorServer, tmp_path: Path
) -> None:
    # FD508: the script's `$` is the task's resolved inputParameters, nothing else.
    cases = {"a": [inline("took_a", "1")]}
    expression = "$.kind == 'a' ? 'a' : 'other'"
    bad = workflow("unbound", [switch("sw", expression, cases, evaluatorType="javascript")])
    good = copy.deepcopy(bad)
    good["tasks"][0]["inputParameters"] = {"kind": "${workflow.input.kind}"}
    assert "FD508" in codes(tmp_path, bad)
    assert "FD508" not in codes(tmp_path, good)
    assert output_of(run(server, bad, {"kind": "a"})[0], "sw")["selectedCase"] == "other"
    assert output_of(run(server, good, {"kind": "a"})[0], "sw")["selectedCase"] == "a"


def test_loop_condition_sees_only_its_bindings(server: ConductorServer, tmp_path: Path) -> None:
    # FD508: a loopCondition's `$` holds the DO_WHILE's inputs, its own output (with
    # `iteration`) and the body's outputs by ref (DoWhile.evaluateCondition).
    def loop(condition: str) -> dict[str, Any]:
        return workflow(
            "loop",
            [
                {
                    "name": "loop",
                    "taskReferenceName": "loop",
                    "type": "DO_WHILE",
                    "inputParameters": {"count": 2},
                    "loopCondition": condition,
                    "loopOver": [inline("body", "7")],
                }
            ],
        )

    bad = loop("$.count['iteration'] < 3")  # count is the number 2: undefined < 3
    good = loop("$.loop['iteration'] < 3 && $.body['result'] == 7")
    assert "FD508" in codes(tmp_path, bad)
    assert "FD508" not in codes(tmp_path, good)
    assert output_of(run(server, bad)[0], "loop")["iteration"] == 1
    assert output_of(run(server, good)[0], "loop")["iteration"] == 3


def test_a_script_sees_only_its_own_inputs(server: ConductorServer, tmp_path: Path) -> None:
    # FD508: an INLINE task inside a loop does not see the loop unless it binds it
    # (Inline.java evaluates the script with the task's input as `$`).
    def loop(body: dict[str, Any]) -> dict[str, Any]:
        return workflow(
            "inline_scope",
            [
                {
                    "name": "loop",
                    "taskReferenceName": "loop",
                    "type": "DO_WHILE",
                    "inputParameters": {},
                    "loopCondition": "$.loop['iteration'] < 2",
                    "loopOver": [body],
                }
            ],
        )

    bad = loop(inline("step", "$.loop['iteration'] * 10"))
    good = loop(inline("step", "$.loop['iteration'] * 10", loop="${loop.output}"))
    assert "FD508" in codes(tmp_path, bad)
    assert "FD508" not in codes(tmp_path, good)
    assert run(server, bad)[0]["status"] == "FAILED"
    execution, _ = run(server, good)
    assert execution["status"] == "COMPLETED"


# -- values: null, literal text, or the value -------------------------------------------------

# One SIMPLE task (in a fork branch, where registration validates nothing) reads each case;
# `<code>_bad` shows the consequence, `<code>_good` the fix.
PROBE_INPUTS: dict[str, tuple[Any, Any]] = {
    # key: (written, what the worker receives; None = null)
    "FD101_bad": ("${nosuch.output.result}", None),
    "FD101_good": ("${body.output.result}", 5),
    "FD102_bad": ("${workflow.nosuch}", None),
    "FD102_good": ("${workflow.input.x}", "hello"),
    "FD103_bad": ("${sw.output.result}", None),
    "FD103_good": ("${sw.output.selectedCase}", "a"),
    "FD102_var_bad": ("${workflow.variables.unset}", None),
    "FD102_var_good": ("${workflow.variables.v}", "set"),
    "FD201_bad": ("${later.output.x}", None),
    "FD202_bad": ("${sibling.output.x}", None),
    "FD201_good": ("${before.output.x}", 1),
    "FD204_bad": ("${body__1.output.result}", None),
    "FD204_good": ("${loop.output['1'].body.result}", 5),
    "escape_good": ("$${workflow.input.x}", "${workflow.input.x}"),  # written to stay text
    "FD505_bad": ("${x + 1}", None),
    "FD507_brace_bad": ("{$workflow.input.x}", "{$workflow.input.x}"),
    "FD507_bare_bad": ("$workflow.input.x", "$workflow.input.x"),
    "FD507_paren_bad": ("$(workflow.input.x)", "$(workflow.input.x)"),
    "FD507_blank_bad": ("${ workflow.input.x}", None),
    "FD507_good": ("${workflow.input.x}", "hello"),
    "trailing_blank_good": ("${workflow.input.x }", "hello"),
}


def probe_workflow() -> dict[str, Any]:
    inputs = {key: written for key, (written, _) in PROBE_INPUTS.items()}
    return workflow(
        "values",
        [
            {
                "name": "sv",
                "taskReferenceName": "sv",
                "type": "SET_VARIABLE",
                "inputParameters": {"v": "set"},
            },
            switch("sw", "k", {"a": [inline("in_a", "1")]}, [], inputParameters={"k": "a"}),
            {
                "name": "loop",
                "taskReferenceName": "loop",
                "type": "DO_WHILE",
                "inputParameters": {},
                "loopCondition": "$.loop['iteration'] < 1",
                "loopOver": [inline("body", "5")],
            },
            simple("before"),
            fork("f", [simple("probe", **inputs)], [simple("sibling")]),
            join("j", "probe", "sibling"),
            simple("later"),
        ],
        inputParameters=["x"],
    )


def test_values_the_worker_receives(server: ConductorServer, tmp_path: Path) -> None:
    wf = probe_workflow()
    found = findings(tmp_path, wf)
    by_key: dict[str, set[str]] = {}
    for d in found:
        pointer = d.span.pointer if d.span is not None else None
        if pointer and "/inputParameters/" in pointer:
            by_key.setdefault(pointer.rsplit("/", 1)[1], set()).add(d.code)
    for key in PROBE_INPUTS:
        code = key.split("_", 1)[0]
        if key.endswith("_bad"):
            assert code in by_key.get(key, set()), (key, by_key.get(key))
        else:
            assert not by_key.get(key), (key, by_key.get(key))

    execution, received = run(server, wf, {"x": "hello"}, {"before": {"x": 1}, "later": {"x": 2}})
    assert execution["status"] == "COMPLETED", execution.get("reasonForIncompletion")
    delivered = received["probe"]
    for key, (_, expected) in PROBE_INPUTS.items():
        assert delivered.get(key) == expected, (key, delivered.get(key))


def test_a_case_that_terminates_cannot_leave_a_null(
    server: ConductorServer, tmp_path: Path
) -> None:
    # FD203 is quiet when every case that skips the producer ends the workflow.
    terminate = {
        "name": "stop",
        "taskReferenceName": "stop",
        "type": "TERMINATE",
        "inputParameters": {"terminationStatus": "COMPLETED"},
    }
    cases = {"a": [simple("made")]}
    read = simple("reader", value="${made.output.x}")
    bad = workflow(
        "maybe_null",
        [switch("sw", "k", cases, [], inputParameters={"k": "${workflow.input.k}"}), read],
    )
    good = copy.deepcopy(bad)
    good["tasks"][0]["defaultCase"] = [terminate]
    assert "FD203" in codes(tmp_path, bad)
    assert "FD203" not in codes(tmp_path, good)
    execution, received = run(server, bad, {"k": "b"})
    assert execution["status"] == "COMPLETED"
    assert received["reader"].get("value") is None  # the null FD203 warns of
    execution, received = run(server, good, {"k": "b"})
    assert execution["status"] == "COMPLETED" and "reader" not in received
    execution, received = run(server, good, {"k": "a"}, {"made": {"x": 3}})
    assert received["reader"]["value"] == 3


def test_tasks_after_terminate_never_run(server: ConductorServer, tmp_path: Path) -> None:
    # FD308: Terminate.java ends the workflow; the rest of the list is never scheduled.
    stop = {
        "name": "stop",
        "taskReferenceName": "stop",
        "type": "TERMINATE",
        "inputParameters": {"terminationStatus": "COMPLETED"},
    }
    bad = workflow("after_terminate", [simple("first"), stop, simple("never")])
    good = workflow("after_terminate", [simple("first"), simple("never"), stop])
    assert "FD308" in codes(tmp_path, bad)
    assert "FD308" not in codes(tmp_path, good)
    execution, received = run(server, bad)
    assert execution["status"] == "COMPLETED" and set(received) == {"first"}
    execution, received = run(server, good)
    assert execution["status"] == "COMPLETED" and set(received) == {"first", "never"}


def test_unknown_fields_are_dropped(server: ConductorServer, tmp_path: Path) -> None:
    # FD602: FAIL_ON_UNKNOWN_PROPERTIES is off; a misspelled field is dropped silently.
    bad = workflow("dropped", [{**simple("a"), "optinal": True}])
    good = workflow("dropped", [{**simple("a"), "optional": True}])
    assert "FD602" in codes(tmp_path, bad)
    assert "FD602" not in codes(tmp_path, good)
    for wf, optional in ((bad, False), (good, True)):
        status, body = register(server, wf)
        assert status == 200, body
        status, stored = server.get_workflow_def(wf["name"], 1)
        assert status == 200, stored
        assert "optinal" not in stored["tasks"][0]
        assert stored["tasks"][0].get("optional", False) is optional


# -- declarations Conductor does not enforce: warnings for JSON -------------------------------


def test_json_declarations_are_not_enforced(server: ConductorServer, tmp_path: Path) -> None:
    # FD104, FD106 and FD103-via-outputKeys are warnings for JSON: the run works.
    upload = {
        **WORKER_DEF,
        "name": "truth_upload",
        "inputKeys": ["file"],
        "outputKeys": ["s3Url"],
    }
    status, body = server.register_task_defs([upload])
    assert status == 200, body
    wf = workflow(
        "declarations",
        [
            {
                "name": "truth_upload",
                "taskReferenceName": "up",
                "type": "SIMPLE",
                "inputParameters": {"file": "${workflow.input.file}", "bucket": "b"},
            },
            simple("use", location="${up.output.fileLocation}"),
        ],
        inputParameters=["file"],
        outputParameters={"region": "${workflow.input.region}"},
    )
    found = findings(tmp_path, wf, upload)
    warned = {d.code for d in found if d.severity is Severity.WARNING}
    assert {"FD103", "FD104", "FD106"} <= warned
    assert not [d for d in found if d.is_error]

    status, body = register(server, wf)
    assert status == 200, body
    status, workflow_id = server.request(
        "POST", f"/api/workflow/{wf['name']}?version=1", {"file": "f.png", "region": "eu"}
    )
    assert status == 200, workflow_id
    received: dict[str, Any] = {}
    deadline = time.monotonic() + 30
    while len(received) < 2 and time.monotonic() < deadline:
        for name, output in (("truth_upload", {"fileLocation": "s3://b/f.png"}), (WORKER, {})):
            status, task = server.request("GET", f"/api/tasks/poll/{name}?workerid=truth")
            if status == 200 and task:
                received[task["referenceTaskName"]] = task["inputData"]
                result = {
                    "workflowInstanceId": task["workflowInstanceId"],
                    "taskId": task["taskId"],
                    "status": "COMPLETED",
                    "outputData": output,
                }
                assert server.request("POST", "/api/tasks", result)[0] == 200
        time.sleep(0.1)
    assert received["up"] == {"file": "f.png", "bucket": "b"}  # not in inputKeys: delivered
    assert received["use"] == {"location": "s3://b/f.png"}  # not in outputKeys: read
    for _ in range(50):
        status, execution = server.request("GET", f"/api/workflow/{workflow_id}")
        if execution["status"] != "RUNNING":
            break
        time.sleep(0.1)
    assert execution["output"] == {"region": "eu"}  # not in inputParameters: read


# -- registration ------------------------------------------------------------------------------


def _rejections() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    sw = switch("sw", "k", {}, inputParameters={"k": "a"})
    sw_ok = switch("sw", "k", {"a": [simple("a")]}, inputParameters={"k": "a"})
    no_evaluator = {k: v for k, v in sw_ok.items() if k != "evaluatorType"}
    return [
        ("FD301", workflow("dup", [simple("a"), simple("a")]), workflow("dup", [simple("a")])),
        ("FD304", workflow("empty", []), workflow("empty", [simple("a")])),
        ("FD309", workflow("no_cases", [sw]), workflow("no_cases", [sw_ok])),
        ("FD313", workflow("no_eval", [no_evaluator]), workflow("no_eval", [sw_ok])),
        (
            "FD504",
            workflow("empty_expr", [simple("a", v="${}")]),
            workflow("empty_expr", [simple("a", v="$${}")]),
        ),
        (
            "FD507",
            workflow("blank_expr", [simple("a", v="${ workflow.input.x}")]),
            workflow("blank_expr", [simple("a", v="${workflow.input.x}")]),
        ),
    ]


@pytest.mark.parametrize(
    ("code", "bad", "good"), _rejections(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_rejected_at_registration(
    server: ConductorServer, tmp_path: Path, code: str, bad: dict[str, Any], good: dict[str, Any]
) -> None:
    assert code in codes(tmp_path, bad)
    assert code not in codes(tmp_path, good)
    status, body = server.validate_workflow(bad)
    assert status == 400, body
    status, body = server.validate_workflow(good)
    assert status == 200, body


def test_owner_email_follows_the_server_setting(server: ConductorServer, tmp_path: Path) -> None:
    # FD601: OwnerEmailMandatoryConstraint, on when conductor.app.ownerEmailMandatory is.
    bad = workflow("owner", [simple("a")])
    del bad["ownerEmail"]
    good = workflow("owner", [simple("a")])
    assert server.properties["conductor.app.ownerEmailMandatory"] == "true"
    assert "FD601" in codes(tmp_path, bad, required=True)
    assert "FD601" not in codes(tmp_path, good, required=True)
    assert server.validate_workflow(bad)[0] == 400
    assert server.validate_workflow(good)[0] == 200
    # The default (owner_email_required = false) is what the jar itself runs with.
    assert "FD601" not in codes(tmp_path, bad)
    with zipfile.ZipFile(server.jar) as jar:
        bundled = jar.read("BOOT-INF/classes/application.properties").decode()
    assert "conductor.app.ownerEmailMandatory=false" in bundled.splitlines()


# -- what the server's JSON parser reads -------------------------------------------------------


def test_the_parser_reads_what_conductor_reads(server: ConductorServer, tmp_path: Path) -> None:
    good = json.dumps(workflow("parser", [simple("a")]))

    def accepted(text: str) -> bool:
        req_status, _ = _raw(server, text)
        path = tmp_path / f"p{len(list(tmp_path.iterdir()))}.json"
        path.write_text(text)
        result = check_targets([str(path)], Config())
        ours = not result.unreadable
        assert ours == (req_status == 200), (text[-40:], req_status)
        return ours

    assert accepted(good)
    assert accepted(good + "\n trailing text }{")  # FAIL_ON_TRAILING_TOKENS is off
    assert not accepted(good.replace('"version": 1', '"version": NaN'))
    assert not accepted("// comment\n" + good)
    assert not accepted(good.replace('"version": 1', '"version": 01'))
    assert not accepted(good[:-1] + ",}")
    path = tmp_path / "trailing.json"
    path.write_text(good + " x")
    assert "FD606" in {d.code for d in check_targets([str(path)], Config()).diagnostics}


def _raw(server: ConductorServer, text: str) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    req = urllib.request.Request(
        server.base_url + "/api/metadata/workflow/validate",
        data=text.encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()
