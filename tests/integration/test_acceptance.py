"""What flowdsl emits, sent to the real Conductor server.

- every definition the examples compile to is registered and accepted;
- each TaskDef rule flowdsl enforces agrees with the server, both ways;
- a compiled workflow runs as the Python reads: references resolve, literals stay literal.
"""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from flowdsl.checks import CheckContext
from flowdsl.checks.definitions import task_definitions
from flowdsl.compiler import compile_workflows
from flowdsl.conductor.models import TaskDef, WorkflowDef, with_defaults
from flowdsl.conductor.targets import get_target
from flowdsl.config import Config
from flowdsl.ir.nodes import Program
from flowdsl.ir.nodes import TaskDef as IRTaskDef
from flowdsl.loader import discover

from ..conftest import REPO
from .conductor_server import CONDUCTOR_VERSION, ConductorServer

OWNER = "flowdsl-tests@example.com"
# Fields the server adds to what it stores (Auditable), left out of comparisons.
AUDIT = {"createTime", "updateTime", "createdBy", "updatedBy", "ownerApp"}


def compile_dir(path: Path) -> dict[str, Any]:
    result = compile_workflows(
        discover([str(path)]), Config(owner_email=OWNER, target=CONDUCTOR_VERSION)
    )
    assert result.files is not None, [f"{d.span}: {d.message}" for d in result.diagnostics]
    return {name: json.loads(content) for name, content in result.files.items()}


def strip_nulls(value: Any) -> Any:
    """The server serializes with NON_NULL inclusion: a null field is simply absent."""
    if isinstance(value, dict):
        return {k: strip_nulls(v) for k, v in value.items() if v is not None and k not in AUDIT}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value]
    return value


def test_target_is_the_pinned_server_version() -> None:
    assert get_target(CONDUCTOR_VERSION).version == CONDUCTOR_VERSION


@pytest.mark.parametrize(
    "example", sorted(p.name for p in (REPO / "examples").iterdir() if p.is_dir())
)
def test_every_example_definition_is_accepted(conductor: ConductorServer, example: str) -> None:
    files = compile_dir(REPO / "examples" / example)
    task_defs = [doc for name, doc in files.items() if name.startswith("tasks/")]
    workflows = [doc for name, doc in files.items() if name.startswith("workflows/")]
    assert workflows, f"{example} compiles to no workflow"

    if task_defs:
        status, body = conductor.register_task_defs(task_defs)
        assert status == 200, body
    for td in task_defs:
        status, stored = conductor.get_task_def(td["name"])
        assert status == 200, stored
        # What the server stores is what we sent, with its defaults filled in.
        expected_td = strip_nulls(with_defaults(TaskDef, td))
        assert {k: v for k, v in strip_nulls(stored).items() if k in expected_td} == expected_td

    for wf in workflows:
        status, body = conductor.validate_workflow(wf)
        assert status == 200, body
        status, body = conductor.register_workflow(wf)
        assert status in (200, 409), body  # 409: registered by an earlier test of the session
        status, stored = conductor.get_workflow_def(wf["name"], wf["version"])
        assert status == 200, stored
        expected = strip_nulls(with_defaults(WorkflowDef, wf))
        assert {k: v for k, v in strip_nulls(stored).items() if k in expected} == expected


# A TaskDef rule table: fields, and whether the server accepts them. flowdsl's checks must
# agree on every row (no finding for accepted ones, an error for rejected ones).
TASK_DEF_CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("defaults", {}, True),
    ("retry 0", {"retryCount": 0}, True),
    ("retry -1", {"retryCount": -1}, False),
    ("response 1", {"responseTimeoutSeconds": 1}, True),
    ("response 0", {"responseTimeoutSeconds": 0}, False),
    ("response = timeout", {"timeoutSeconds": 30, "responseTimeoutSeconds": 30}, True),
    ("response > timeout", {"timeoutSeconds": 30, "responseTimeoutSeconds": 60}, False),
    ("timeout below default response", {"timeoutSeconds": 30}, False),
    ("timeout 0, response large", {"timeoutSeconds": 0, "responseTimeoutSeconds": 99999}, True),
    ("poll 0", {"pollTimeoutSeconds": 0}, True),
    ("poll -1", {"pollTimeoutSeconds": -1}, False),
    ("backoff 1", {"backoffScaleFactor": 1}, True),
    ("backoff 0", {"backoffScaleFactor": 0}, False),
    ("total -1", {"totalTimeoutSeconds": -1}, False),
    (
        "timeout > total",
        {"timeoutSeconds": 100, "responseTimeoutSeconds": 10, "totalTimeoutSeconds": 50},
        False,
    ),
    (
        "timeout = total",
        {"timeoutSeconds": 100, "responseTimeoutSeconds": 10, "totalTimeoutSeconds": 100},
        True,
    ),
    ("max retry delay -1", {"maxRetryDelaySeconds": -1}, False),
    ("jitter -1", {"backoffJitterMs": -1}, False),
    ("jitter 0", {"backoffJitterMs": 0}, True),
    ("enums", {"timeoutPolicy": "RETRY", "retryLogic": "EXPONENTIAL_BACKOFF"}, True),
    ("bad enum", {"retryLogic": "RANDOM"}, False),
    ("no owner", {"ownerEmail": ""}, False),
]


@pytest.mark.parametrize(
    ("label", "fields", "accepted"), TASK_DEF_CASES, ids=[c[0] for c in TASK_DEF_CASES]
)
def test_task_def_rules_agree_with_the_server(
    conductor: ConductorServer, label: str, fields: dict[str, Any], accepted: bool
) -> None:
    name = "rule_" + "".join(ch if ch.isalnum() else "_" for ch in label)
    document = {"name": name, "ownerEmail": OWNER, **fields}
    status, body = conductor.register_task_defs([document])
    # The server answers 400 for a constraint violation, 500 for a value Jackson cannot read.
    assert (status == 200) is accepted, (status, body)

    ctx = CheckContext(
        Program(task_defs={name: IRTaskDef(name, document)}), get_target(CONDUCTOR_VERSION)
    )
    findings = [d for d in task_definitions(ctx) if d.is_error]
    assert (not findings) is accepted, [d.message for d in findings]


FLOW = """
from pydantic import BaseModel
from flowdsl import task, workflow

class Parts(BaseModel):
    left: str
    right: str

@task(retry_count=0, timeout_seconds=60)
def split_name(full: str) -> Parts:
    left, _, right = full.partition(" ")
    return Parts(left=left, right=right)

@task(retry_count=0, timeout_seconds=60)
def greet(text: str, literal: str, nested: dict) -> str:
    return text

@workflow(name="flowdsl_acceptance_run", version=1)
def run(full: str, n: int = 7) -> dict:
    parts = split_name(full=full)
    greeting = greet(
        text=f"Hello {parts.right}, {parts.left}!",
        literal="${workflow.input.full} stays as written",
        nested={"n": n, "items": [parts.left, "${x}"]},
    )
    return {"greeting": greeting, "first": parts.left}
"""


def _complete_next(
    conductor: ConductorServer, task_type: str, output: dict[str, Any]
) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status, polled = conductor.request("GET", f"/api/tasks/poll/{task_type}?workerid=tests")
        if status == 200 and polled:
            result = {
                "workflowInstanceId": polled["workflowInstanceId"],
                "taskId": polled["taskId"],
                "status": "COMPLETED",
                "outputData": output,
            }
            status, body = conductor.request("POST", "/api/tasks", result)
            assert status == 200, body
            return dict(polled["inputData"])
        time.sleep(0.2)
    raise AssertionError(f"no {task_type} task was scheduled within 30 s")


def test_a_compiled_workflow_runs_as_the_python_reads(
    conductor: ConductorServer, tmp_path: Path
) -> None:
    (tmp_path / "flow.py").write_text(textwrap.dedent(FLOW))
    files = compile_dir(tmp_path)
    status, body = conductor.register_task_defs(
        [doc for name, doc in files.items() if name.startswith("tasks/")]
    )
    assert status == 200, body
    status, body = conductor.register_workflow(files["workflows/flowdsl_acceptance_run.v1.json"])
    assert status == 200, body

    status, workflow_id = conductor.request(
        "POST", "/api/workflow/flowdsl_acceptance_run?version=1", {"full": "Ada Lovelace"}
    )
    assert status == 200, workflow_id

    split_input = _complete_next(conductor, "split_name", {"left": "Ada", "right": "Lovelace"})
    assert split_input == {"full": "Ada Lovelace"}
    greet_input = _complete_next(conductor, "greet", {"result": "Hello Lovelace, Ada!"})
    assert greet_input == {
        "text": "Hello Lovelace, Ada!",
        "literal": "${workflow.input.full} stays as written",
        "nested": {"n": 7, "items": ["Ada", "${x}"]},  # n: from inputTemplate, type kept
    }

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status, run = conductor.request("GET", f"/api/workflow/{workflow_id}?includeTasks=false")
        assert status == 200, run
        if run["status"] != "RUNNING":
            break
        time.sleep(0.2)
    assert run["status"] == "COMPLETED", run
    assert run["output"] == {"greeting": "Hello Lovelace, Ada!", "first": "Ada"}
