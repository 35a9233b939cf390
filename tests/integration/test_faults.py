"""The task-definition policies act on the real server as declared, with real workers.

The session server runs with a 1 s workflow offset and postpone cap and a 10 s task
postpone (conftest.FAST_SWEEP), so the sweeper first looks at a running workflow after
about a second and a task over its concurrency limit waits 10 s for a slot.
Timings are read from the server's task records (scheduledTime, startTime, endTime: one
clock). Tolerances, each stated at its assertion:

- a retry delay of D s: the server records D as the retried task's startDelayInSeconds
  (exact), and the attempt starts no earlier than D - 0.1 s after the failed one ended (the
  queue's clock has ms resolution) and no later than D + 5 s (the worker polls every 50 ms;
  the rest is room for a loaded machine: the SDK backs off after a failed poll);
- a response timeout of R = 1 s on an attempt that would take 7 s: timed out no earlier
  than R after it started and before the worker would have answered (see that test for
  how the SQLite queue delays the sweeper's re-check, and what the test does about it).
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowdsl.server.client import ConductorClient

from ..conftest import REPO, run_cli
from .conductor_server import ConductorServer
from .workers import WorkerProcess, api_url, attempts, client, wait_for

WORKLOAD = REPO / "tests" / "integration" / "workloads" / "faults.py"
TASK_TYPES = (
    "flaky_fixed",
    "flaky_backoff",
    "always_fails",
    "slow_once",
    "limited",
    "typed",
    "echo",
)
RETRY_EARLY = 0.1  # s an attempt may start before its retry delay has passed
RETRY_LATE = 5.0  # s it may start after


@pytest.fixture(scope="module")
def workers(
    conductor: ConductorServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ConductorClient]:
    """The workload registered, and one worker process for all its task types."""
    proc = run_cli("register", str(WORKLOAD), "--server", api_url(conductor), cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    state = tmp_path_factory.mktemp("fault-state")
    # More threads than `limited`'s concurrentExecLimit: the cap must come from the server.
    worker = WorkerProcess(
        conductor, [str(WORKLOAD)], "--threads", "5", env={"FLOWDSL_FAULT_STATE": str(state)}
    )
    worker.start(TASK_TYPES)
    conductor_client = client(conductor)
    # One run first, so the timed tests do not measure the worker processes' warm-up.
    warm = wait_for(conductor_client, start(conductor_client, "fault_typed", count=1, label="x"))
    assert warm["status"] == "COMPLETED", warm
    try:
        yield conductor_client
    finally:
        code = worker.stop()
        assert code == 0, f"worker did not stop cleanly ({code}):\n{worker.output}"


def start(conductor: ConductorClient, name: str, **inputs: Any) -> str:
    return conductor.start_workflow(name, None, inputs)


def gaps(records: list[dict[str, Any]]) -> list[float]:
    """Seconds from each attempt's end to the next one's start."""
    return [
        (later["startTime"] - earlier["endTime"]) / 1000
        for earlier, later in itertools.pairwise(records)
    ]


def test_fixed_retries_wait_retry_delay_seconds(workers: ConductorClient) -> None:
    key = uuid.uuid4().hex
    workflow = wait_for(workers, start(workers, "fault_flaky_fixed", key=key, failures=2))
    assert workflow["status"] == "COMPLETED", workflow.get("reasonForIncompletion")
    assert workflow["output"] == {"attempts": 3}
    records = attempts(workflow, "flaky_fixed_ref")
    assert [r["status"] for r in records] == ["FAILED", "FAILED", "COMPLETED"]
    assert records[0]["reasonForIncompletion"] == "RuntimeError: planned failure 1 of 2"
    assert [r["startDelayInSeconds"] for r in records] == [0, 1, 1]
    for gap in gaps(records):  # retryDelaySeconds 1, FIXED
        assert 1 - RETRY_EARLY <= gap <= 1 + RETRY_LATE, gaps(records)


def test_exponential_backoff_doubles_the_delay(workers: ConductorClient) -> None:
    # DeciderService.retry (3.32.x): delay = retryDelaySeconds * 2^retryCount, where
    # retryCount is the failed attempt's (0, 1, ...): 1 s, then 2 s.
    key = uuid.uuid4().hex
    workflow = wait_for(workers, start(workers, "fault_flaky_backoff", key=key, failures=2))
    assert workflow["status"] == "COMPLETED", workflow.get("reasonForIncompletion")
    records = attempts(workflow, "flaky_backoff_ref")
    assert [r["retryCount"] for r in records] == [0, 1, 2]
    assert [r["startDelayInSeconds"] for r in records] == [0, 1, 2]
    first, second = gaps(records)
    assert 1 - RETRY_EARLY <= first <= 1 + RETRY_LATE, (first, second)
    assert 2 - RETRY_EARLY <= second <= 2 + RETRY_LATE, (first, second)


def test_always_failing_task_fails_after_retry_count_plus_one(workers: ConductorClient) -> None:
    key = uuid.uuid4().hex
    workflow = wait_for(workers, start(workers, "fault_always_fails", key=key))
    assert workflow["status"] == "FAILED"
    records = attempts(workflow, "always_fails_ref")
    assert len(records) == 2 + 1  # retryCount 2
    assert {r["status"] for r in records} == {"FAILED"}
    assert [r["reasonForIncompletion"] for r in records] == [
        f"RuntimeError: always fails (attempt {n})" for n in (1, 2, 3)
    ]
    assert "RuntimeError: always fails (attempt 3)" in workflow["reasonForIncompletion"]


def test_a_worker_slower_than_response_timeout_is_timed_out_and_retried(
    workers: ConductorClient,
) -> None:
    """responseTimeoutSeconds 1 on an attempt that takes 7 s.

    The server checks response timeouts when it decides the workflow: on a task update, or
    when the sweeper takes the workflow from the decider queue. On 3.32.3 with SQLite the
    sweeper's re-check comes late: WorkflowSweeper.unack sets the decider message's
    delivery time with SqliteQueueDAO.setUnackTimeout, which leaves the message `popped`,
    and only processAllUnacks frees it, 60 s after that time (the SQL in the pinned jar).
    So a first sweep that lands a few ms before the timeout postpones the check by about a
    minute. The test waits for the first sweep (1 s offset) and then asks for the decision
    the sweeper would make, with `PUT /workflow/decide/{id}` (WorkflowResource.java).
    """
    key = uuid.uuid4().hex
    seconds = 7.0
    workflow_id = start(workers, "fault_slow_once", key=key, seconds=seconds)
    deadline = time.monotonic() + 30
    while True:
        records = attempts(workers.get_workflow(workflow_id), "slow_once_ref")
        if records and records[0]["status"] != "SCHEDULED":
            break
        assert time.monotonic() < deadline, "the first attempt was never polled"
        time.sleep(0.1)
    first = records[0]
    time.sleep(max(0.0, first["startTime"] / 1000 + 1.5 - time.time()))
    workers.request("PUT", f"/workflow/decide/{workflow_id}")
    workflow = wait_for(workers, workflow_id)
    assert workflow["status"] == "COMPLETED", workflow.get("reasonForIncompletion")
    first, second = attempts(workflow, "slow_once_ref")
    assert first["status"] == "TIMED_OUT"
    assert "responseTimeout" in first["reasonForIncompletion"]
    timed_out_after = (first["endTime"] - first["startTime"]) / 1000
    assert 1 <= timed_out_after < seconds, timed_out_after  # responseTimeoutSeconds 1
    assert second["status"] == "COMPLETED"
    assert second["outputData"] == {"attempts": 2}
    # The slow attempt's late answer changes nothing.
    time.sleep(max(0.0, first["startTime"] / 1000 + seconds + 1 - time.time()))
    again = workers.get_workflow(workflow_id)
    assert attempts(again, "slow_once_ref")[0]["status"] == "TIMED_OUT"
    assert again["status"] == "COMPLETED"


def test_concurrent_exec_limit_caps_tasks_in_progress(workers: ConductorClient) -> None:
    # Three runs for a limit of two: the third task is postponed (by the server's
    # taskExecutionPostponeDuration, 10 s here) until a slot is free.
    ids = [start(workers, "fault_limited", key=uuid.uuid4().hex, seconds=1.5) for _ in range(3)]
    runs = [wait_for(workers, i) for i in ids]
    assert {r["status"] for r in runs} == {"COMPLETED"}
    spans = [(t["startTime"], t["endTime"]) for r in runs for t in r["tasks"]]
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    running = peak = 0
    for _, step in events:  # an end sorts before a start at the same millisecond
        running += step
        peak = max(peak, running)
    assert peak == 2  # concurrentExecLimit 2, with 5 worker threads free
    assert len(spans) == 3


def test_worker_input_validation_reaches_the_server(workers: ConductorClient) -> None:
    workflow = wait_for(workers, start(workers, "fault_typed", count="many", label="x"))
    assert workflow["status"] == "FAILED"
    (record,) = attempts(workflow, "typed_ref")
    assert record["status"] == "FAILED_WITH_TERMINAL_ERROR"
    reason = record["reasonForIncompletion"]
    assert reason.startswith("task `typed`: input `count`: "), reason
    assert "'many'" in reason


def test_worker_output_is_the_return_value(workers: ConductorClient) -> None:
    workflow = wait_for(workers, start(workers, "fault_typed", count="3", label="ab"))
    assert workflow["status"] == "COMPLETED"
    assert attempts(workflow, "typed_ref")[0]["outputData"] == {"result": "ababab"}
    assert workflow["output"] == {"text": "ababab"}


def test_a_failing_optional_task_lets_the_workflow_complete(workers: ConductorClient) -> None:
    workflow = wait_for(workers, start(workers, "fault_optional", key=uuid.uuid4().hex))
    assert workflow["status"] == "COMPLETED", workflow.get("reasonForIncompletion")
    (failed,) = attempts(workflow, "always_fails_ref")  # retryCount 0 on this call
    assert failed["status"] == "COMPLETED_WITH_ERRORS"
    assert failed["reasonForIncompletion"] == "RuntimeError: always fails (attempt 1)"
    assert workflow["output"] == {"after": "ran after the optional failure"}


TERMINATE_WORKFLOW = {
    "name": "fault_terminate",
    "version": 1,
    "ownerEmail": "flowdsl-tests@example.com",
    "inputParameters": ["status"],
    "tasks": [
        {
            "name": "echo",
            "taskReferenceName": "echo_ref",
            "type": "SIMPLE",
            "inputParameters": {"text": "before"},
        },
        {
            "name": "stop",
            "taskReferenceName": "stop_ref",
            "type": "TERMINATE",
            "inputParameters": {
                "terminationStatus": "TERMINATED",
                "terminationReason": "stopped on purpose",
                "workflowOutput": {"said": "${echo_ref.output.result}"},
            },
        },
    ],
}


@pytest.mark.parametrize(
    ("name", "inputs", "status", "code"),
    [
        ("fault_flaky_fixed", {"failures": 0}, "COMPLETED", 0),
        ("fault_always_fails", {}, "FAILED", 1),
        ("fault_terminate", {}, "TERMINATED", 1),
    ],
)
def test_run_wait_exit_code_follows_the_final_status(
    workers: ConductorClient,
    conductor: ConductorServer,
    tmp_path: Path,
    name: str,
    inputs: dict[str, Any],
    status: str,
    code: int,
) -> None:
    definition = tmp_path / "terminate.json"
    definition.write_text(json.dumps(TERMINATE_WORKFLOW))
    proc = run_cli("register", str(definition), "--server", api_url(conductor), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (tmp_path / "input.json").write_text(json.dumps({"key": uuid.uuid4().hex, **inputs}))
    proc = run_cli(
        "run", name, "--input", "@input.json", "--wait", "--timeout", "60",
        "--server", api_url(conductor), cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == code, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(f"started {name}: ")
    workflow_id = lines[0].rsplit(" ", 1)[1]
    assert f"workflow {workflow_id}: {status}" in lines
    workflow = workers.get_workflow(workflow_id)
    assert workflow["status"] == status
    if name == "fault_terminate":
        assert workflow["output"] == {"said": "before"}
        assert workflow["reasonForIncompletion"] == "stopped on purpose"
        assert [t["status"] for t in workflow["tasks"]] == ["COMPLETED", "COMPLETED"]


def test_server_ignores_retry_delay_when_concurrent_exec_limit_is_set(
    conductor: ConductorServer,
) -> None:
    """Pinned server behaviour (3.32.3, SQLite persistence), not a flowdsl rule: with a
    concurrentExecLimit on the TaskDef the retried task is delivered at once, although the
    server records the delay (startDelayInSeconds). Without the limit the same TaskDef's
    delay holds (test_fixed_retries_wait_retry_delay_seconds). Polled by hand here, so no
    worker timing is involved. If this fails, the server now honours the delay."""
    api = client(conductor)
    tag = uuid.uuid4().hex[:8]
    name = f"limited_retry_{tag}"
    api.create_task_defs(
        [
            {
                "name": name,
                "retryCount": 1,
                "retryLogic": "FIXED",
                "retryDelaySeconds": 3,
                "concurrentExecLimit": 5,
                "ownerEmail": "flowdsl-tests@example.com",
            }
        ]
    )
    api.create_workflow_def(
        {
            "name": f"wf_{name}",
            "version": 1,
            "ownerEmail": "flowdsl-tests@example.com",
            "tasks": [{"name": name, "taskReferenceName": "t", "type": "SIMPLE"}],
        }
    )
    workflow_id = api.start_workflow(f"wf_{name}", 1, {})
    polled_at = []
    for _ in range(2):
        deadline = time.monotonic() + 10
        task = None
        while task is None and time.monotonic() < deadline:
            answer = api.request("GET", f"/tasks/poll/{name}", query={"workerid": "test"})
            task = answer if isinstance(answer, dict) and answer else None
            if task is None:
                time.sleep(0.05)
        assert task is not None, "no task to poll within 10 s"
        polled_at.append(time.monotonic())
        api.request(
            "POST",
            "/tasks",
            {
                "taskId": task["taskId"],
                "workflowInstanceId": workflow_id,
                "status": "FAILED",
                "reasonForIncompletion": "planned",
            },
        )
    records = attempts(wait_for(api, workflow_id), "t")
    assert [r["startDelayInSeconds"] for r in records] == [0, 3]
    assert polled_at[1] - polled_at[0] < 3 - RETRY_EARLY  # delivered before the delay
