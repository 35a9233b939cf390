"""`flowdsl run`: start a workflow and, with ``wait``, follow it to its end.

The run is followed by polling ``GET /workflow/{id}?includeTasks=true``
(``WorkflowResource.java``); each task is printed once, when it reaches a terminal status.
Exit codes: 0 COMPLETED; 1 FAILED, TERMINATED or TIMED_OUT; 2 usage and server errors
(including a run still going when ``--timeout`` ends the wait).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowdsl.errors import UsageError
from flowdsl.server.client import ConductorClient

# Workflow.WorkflowStatus (common/run/Workflow.java): terminal ones and the exit code each
# gives. PAUSED and RUNNING are not terminal.
EXIT_CODES = {"COMPLETED": 0, "FAILED": 1, "TERMINATED": 1, "TIMED_OUT": 1}
# Task.Status terminal values (common/metadata/tasks/Task.java, isTerminal()).
TERMINAL_TASK = frozenset(
    {
        "CANCELED",
        "COMPLETED",
        "COMPLETED_WITH_ERRORS",
        "FAILED",
        "FAILED_WITH_TERMINAL_ERROR",
        "SKIPPED",
        "TIMED_OUT",
    }
)


def parse_name(spec: str) -> tuple[str, int | None]:
    """``NAME`` or ``NAME:VERSION``."""
    name, sep, version = spec.rpartition(":")
    if not sep:
        return spec, None
    if not name or not version.isdigit():
        raise UsageError(f"{spec!r}: expected NAME or NAME:VERSION (VERSION a number)")
    return name, int(version)


def parse_input(value: str | None) -> dict[str, Any]:
    """``--input``: a JSON object, or ``@FILE`` holding one."""
    if value is None:
        return {}
    source = "--input"
    text = value
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--input {value}: cannot read {path}: {exc.strerror}") from None
        source = str(path)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{source}: not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{source}: the workflow input must be a JSON object")
    return data


@dataclass
class RunResult:
    workflow_id: str
    status: str  # the final status, or the last one seen when the wait timed out
    workflow: dict[str, Any]
    finished: bool

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.status, 2) if self.finished else 2


def _task_line(task: dict[str, Any]) -> str:
    ref = task.get("referenceTaskName") or task.get("taskDefName") or "?"
    line = f"  {ref} ({task.get('taskType', '?')}): {task.get('status')}"
    attempt = task.get("retryCount") or 0
    if attempt:
        line += f" (retry {attempt})"
    start, end = task.get("startTime") or 0, task.get("endTime") or 0
    if start and end >= start:
        line += f" in {(end - start) / 1000:.2f} s"
    reason = task.get("reasonForIncompletion")
    if reason and task.get("status") != "COMPLETED":
        line += f": {reason}"
    return line


def follow(
    client: ConductorClient,
    workflow_id: str,
    *,
    timeout: float | None,
    echo: Callable[[str], None],
    interval: float = 0.25,
) -> RunResult:
    deadline = None if timeout is None else time.monotonic() + timeout
    shown: set[str] = set()
    while True:
        workflow = client.get_workflow(workflow_id, include_tasks=True)
        for task in workflow.get("tasks") or []:
            task_id = str(task.get("taskId"))
            if task.get("status") in TERMINAL_TASK and task_id not in shown:
                shown.add(task_id)
                echo(_task_line(task))
        status = str(workflow.get("status"))
        if status in EXIT_CODES:
            return RunResult(workflow_id, status, workflow, finished=True)
        if deadline is not None and time.monotonic() >= deadline:
            return RunResult(workflow_id, status, workflow, finished=False)
        time.sleep(interval)


def final_lines(result: RunResult, timeout: float | None) -> list[str]:
    workflow = result.workflow
    if not result.finished:
        return [f"workflow {result.workflow_id} is still {result.status} after {timeout:g} s"]
    lines = [f"workflow {result.workflow_id}: {result.status}"]
    reason = workflow.get("reasonForIncompletion")
    if reason:
        lines.append(f"reason: {reason}")
    lines.append(json.dumps(workflow.get("output") or {}, indent=2, sort_keys=True))
    return lines
