"""The server commands' parts that need no server: arguments, ordering, comparison, the
worker's input validation and output. (Against the real server: tests/integration/.)"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from flowdsl import task
from flowdsl.errors import FlowdslError, UsageError
from flowdsl.server.client import Auth, error_message, server_url
from flowdsl.server.definitions import Definition, dependency_order, normalized
from flowdsl.server.deploy import differences
from flowdsl.server.run import RunResult, parse_input, parse_name
from flowdsl.server.worker import (
    COMPLETED,
    FAILED,
    FAILED_WITH_TERMINAL_ERROR,
    TaskBody,
    discover_tasks,
)

from .conftest import REPO, run_cli


def test_cli_start_imports_no_server_or_worker_library() -> None:
    code = (
        "import sys, flowdsl.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'conductor', 'PIL', 'boto3', 'urllib3', 'httpx', 'flowdsl'} and "
        "(not m.startswith('flowdsl') or m.startswith('flowdsl.server'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_server_url_defaults_and_checks() -> None:
    assert server_url(None, {}) == "http://localhost:8080/api"
    assert server_url(None, {"CONDUCTOR_SERVER_URL": "http://h:1/api/"}) == "http://h:1/api"
    assert server_url("https://x/api", {"CONDUCTOR_SERVER_URL": "http://h/api"}) == "https://x/api"
    with pytest.raises(FlowdslError, match="not an http"):
        server_url("localhost:8080", {})


def test_auth_from_env() -> None:
    assert Auth.from_env({}) is None
    assert Auth.from_env({"CONDUCTOR_AUTH_TOKEN": "t"}) == Auth(token="t")
    both = {"CONDUCTOR_AUTH_KEY": "k", "CONDUCTOR_AUTH_SECRET": "s"}
    assert Auth.from_env(both) == Auth(key_id="k", key_secret="s")
    with pytest.raises(FlowdslError, match="CONDUCTOR_AUTH_SECRET is not set"):
        Auth.from_env({"CONDUCTOR_AUTH_KEY": "k"})


def test_error_message_reads_conductor_error_bodies() -> None:
    body = {
        "status": 400,
        "message": "Validation failed, check below errors for detail.",
        "validationErrors": [
            {"path": "registerTaskDef.arg0[0].retryCount", "message": "must be >= 0"},
            {"path": "registerTaskDef.arg0[0].retryCount", "message": "must be >= 0"},
        ],
    }
    assert error_message(body) == "[0].retryCount: must be >= 0"
    assert error_message({"status": 409, "message": "exists"}) == "exists"
    assert error_message("plain text") == "plain text"
    assert error_message(None) == ""


def test_run_arguments(tmp_path: Path) -> None:
    assert parse_name("wf") == ("wf", None)
    assert parse_name("wf:3") == ("wf", 3)
    with pytest.raises(UsageError):
        parse_name("wf:latest")
    assert parse_input(None) == {}
    assert parse_input('{"a": 1}') == {"a": 1}
    (tmp_path / "in.json").write_text('{"b": [1]}')
    assert parse_input(f"@{tmp_path / 'in.json'}") == {"b": [1]}
    with pytest.raises(UsageError, match="JSON object"):
        parse_input("[1]")
    with pytest.raises(UsageError, match="cannot read"):
        parse_input(f"@{tmp_path / 'missing.json'}")
    with pytest.raises(UsageError, match="not JSON"):
        parse_input("{nope")


@pytest.mark.parametrize(
    ("status", "finished", "code"),
    [
        ("COMPLETED", True, 0),
        ("FAILED", True, 1),
        ("TERMINATED", True, 1),
        ("TIMED_OUT", True, 1),
        ("RUNNING", False, 2),
    ],
)
def test_run_exit_codes(status: str, finished: bool, code: int) -> None:
    assert RunResult("id", status, {}, finished).exit_code == code


def _wf(name: str, version: int, tasks: list[dict[str, Any]]) -> Definition:
    return Definition("workflow", name, version, {"name": name, "version": version, "tasks": tasks})


def _sub(name: str, version: int | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"name": name}
    if version is not None:
        params["version"] = version
    return {"name": "s", "taskReferenceName": f"s_{name}", "type": "SUB_WORKFLOW",
            "subWorkflowParam": params}  # fmt: skip


def test_children_are_registered_before_parents_at_any_depth() -> None:
    leaf = _wf("z_leaf", 1, [{"name": "t", "taskReferenceName": "t", "type": "SIMPLE"}])
    middle = _wf("m_middle", 1, [{"name": "f", "taskReferenceName": "f", "type": "FORK_JOIN",
                                  "forkTasks": [[_sub("z_leaf", 1)]]}])  # fmt: skip
    inline = {"name": "i", "taskReferenceName": "i", "type": "SUB_WORKFLOW",
              "subWorkflowParam": {"name": "inline", "workflowDefinition": {
                  "name": "inline", "tasks": [_sub("m_middle")]}}}  # fmt: skip
    top = _wf("a_top", 1, [{"name": "sw", "taskReferenceName": "sw", "type": "SWITCH",
                            "decisionCases": {"x": [inline]}}])  # fmt: skip
    other = _wf("b_other", 1, [{"name": "t", "taskReferenceName": "t2", "type": "SIMPLE"}])
    order = [d.name for d in dependency_order([top, other, middle, leaf])]
    assert order == ["z_leaf", "m_middle", "a_top", "b_other"]


def test_a_cycle_does_not_hang_the_ordering() -> None:
    a = _wf("a", 1, [_sub("b", 1)])
    b = _wf("b", 1, [_sub("a", 1)])
    assert sorted(d.name for d in dependency_order([a, b])) == ["a", "b"]


def test_normalized_fills_defaults_so_only_real_differences_show() -> None:
    written = {"name": "t", "retryCount": 3, "ownerEmail": "a@b.c"}
    stored = {**normalized("task", {"name": "t", "ownerEmail": "a@b.c"}), "createTime": 5}
    assert list(differences(normalized("task", written), normalized("task", stored))) == []
    changed = list(
        differences(normalized("task", {**written, "retryCount": 4}), normalized("task", stored))
    )
    assert [str(d) for d in changed] == ["/retryCount: server has 3, local has 4"]


class Size(BaseModel):
    width: int
    height: int


class Out(BaseModel):
    area: int


@task
def area(size: Size, scale: int = 1) -> Out:
    return Out(area=size.width * size.height * scale)


@task
def fails(x: str) -> None:
    raise ValueError(f"cannot use {x}")


@task
def listing(n: int) -> list[int]:
    return list(range(n))


def test_task_body_validates_inputs_into_the_typed_parameters() -> None:
    body = TaskBody(area)
    outcome = body({"size": {"width": "3", "height": 4}, "unrelated": True})
    assert (outcome.status, outcome.output) == (COMPLETED, {"area": 12})
    outcome = body({"size": {"width": "wide", "height": 4}})
    assert outcome.status == FAILED_WITH_TERMINAL_ERROR
    assert outcome.reason is not None
    assert outcome.reason.startswith("task `area`: input `size.width`: ")
    assert "(got 'wide')" in outcome.reason
    missing = body({})
    assert missing.reason == "task `area`: input `size`: Field required"


def test_task_body_exception_and_outputs() -> None:
    outcome = TaskBody(fails)({"x": "this"})
    assert (outcome.status, outcome.reason) == (FAILED, "ValueError: cannot use this")
    assert outcome.log is not None and "Traceback" in outcome.log
    assert TaskBody(fails).output(None) == {}
    assert TaskBody(listing)({"n": 3}).output == {"result": [0, 1, 2]}


def test_discover_tasks_finds_defined_and_imported_tasks() -> None:
    found = discover_tasks([str(REPO / "examples" / "image_pipeline")])
    assert sorted(found) == [
        "image_convert_resize",
        "image_multiple_convert_resize",
        "upload_toS3",
    ]


def test_worker_needs_tasks(tmp_path: Path) -> None:
    (tmp_path / "empty.py").write_text("X = 1\n")
    proc = run_cli("worker", "empty.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: the targets define no @task functions"
    (tmp_path / "one.py").write_text(
        textwrap.dedent(
            """
            from flowdsl import task

            @task
            def one() -> None: ...
            """
        )
    )
    proc = run_cli("worker", "one.py", "--task", "two", cwd=tmp_path)
    assert proc.returncode == 2
    assert "no @task named two in the targets (found: one)" in proc.stderr


@pytest.mark.parametrize(
    "body", ['{"tasks": []}', '{"name": "w", "version": "x", "tasks": [{"name": "t"}]}']
)
def test_register_reports_what_check_refuses_before_reading_definitions(
    tmp_path: Path, body: str
) -> None:
    # A nameless workflow, a version that is not a number: findings (exit 1), never a crash,
    # and nothing is sent (the server address leads nowhere).
    (tmp_path / "wf.json").write_text(body, encoding="utf-8")
    proc = run_cli("register", "wf.json", "--server", "http://127.0.0.1:9/api", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "internal error" not in proc.stderr
    assert "nothing sent to the server" in proc.stderr
