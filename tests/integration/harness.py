"""Conformance harness: compile a flowdsl workflow, run it on the real server, return the run.

``run_flow(conductor, source_or_function, input={...})`` compiles the workflow (Python
source text or a ``@workflow`` function), registers its task definitions and every workflow
it compiled to, starts it, serves its SIMPLE tasks by calling the ``@task`` functions'
bodies (a small poller on ``/api/tasks/poll/batch`` and ``/api/tasks``), completes the
tasks named in ``complete`` (HUMAN, WAIT without a duration...) through the task update
API, and returns the final run once it reaches a terminal state. A test then asserts the
run's status and output equal what the Python says, in a few lines::

    run = run_flow(conductor, SOURCE, input={"n": 3})
    assert run.status == "COMPLETED"
    assert run.output == {"double": 6}

Only the standard library, pydantic and flowdsl are used; the server is never mocked.
"""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import json
import tempfile
import textwrap
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from flowdsl import TaskFunction, WorkflowFunction
from flowdsl.compiler import compile_workflows
from flowdsl.config import Config
from flowdsl.loader import discover

from .conductor_server import CONDUCTOR_VERSION, ConductorServer

OWNER = "flowdsl-tests@example.com"
TERMINAL = frozenset({"COMPLETED", "FAILED", "TERMINATED", "TIMED_OUT"})
_modules = itertools.count(1)

# The conformance tests' two worker tasks: the source that defines them (each test adds its
# workflow after it), and what they compute, to compare a run's output with.
TASKS_SOURCE = """
import flowdsl
from flowdsl import task, workflow

@task(retry_count=0, timeout_seconds=60)
def double(x: int) -> int:
    return 2 * x

@task(retry_count=0, timeout_seconds=60)
def triple(x: int) -> int:
    return 3 * x
"""


def double(x: int) -> int:
    return 2 * x


def triple(x: int) -> int:
    return 3 * x


@dataclasses.dataclass
class Run:
    """A finished (or timed-out) workflow run as the server reports it."""

    workflow_id: str
    status: str
    output: dict[str, Any]
    tasks: list[dict[str, Any]]
    raw: dict[str, Any]
    files: dict[str, Any]

    def task(self, ref: str) -> dict[str, Any]:
        """The (last) task of the run with this taskReferenceName."""
        found = [t for t in self.tasks if t.get("referenceTaskName") == ref]
        assert found, (
            f"no task `{ref}` in the run: {[t.get('referenceTaskName') for t in self.tasks]}"
        )
        return found[-1]

    @property
    def reason(self) -> str | None:
        reason = self.raw.get("reasonForIncompletion")
        return reason if isinstance(reason, str) else None


class HarnessError(AssertionError):
    """The workflow did not compile, register, start or finish as a test needs."""


@dataclasses.dataclass
class Compiled:
    """What one compile gave: the chosen workflow, every document, and the workers."""

    name: str
    version: int
    files: dict[str, Any]
    workers: dict[str, TaskFunction[..., Any]]


def compile_flow(
    flow: str | WorkflowFunction[..., Any],
    *,
    name: str | None = None,
    also: Sequence[WorkflowFunction[..., Any]] = (),
) -> Compiled:
    """Compile Python source text (every ``@workflow`` in it) or a workflow function (with
    ``also``, e.g. a child workflow); ``name`` picks the workflow to run (default: the
    function, or the source's last workflow)."""
    if isinstance(flow, str):
        directory = Path(tempfile.mkdtemp(prefix="flowdsl-conformance-"))
        path = directory / f"conformance_flow_{next(_modules)}.py"
        path.write_text(textwrap.dedent(flow))
        workflows = discover([str(path)])
    else:
        workflows = [flow, *also]
    if not workflows:
        raise HarnessError("the source defines no @workflow")
    chosen = workflows[0] if not isinstance(flow, str) else workflows[-1]
    if name is not None:
        matches = [wf for wf in workflows if wf.name == name]
        if not matches:
            raise HarnessError(f"no workflow named {name!r} among {[w.name for w in workflows]}")
        chosen = matches[0]
    result = compile_workflows(workflows, Config(owner_email=OWNER, target=CONDUCTOR_VERSION))
    if result.files is None:
        shown = "\n".join(f"{d.span}: {d.code} {d.message}" for d in result.diagnostics)
        raise HarnessError(f"the workflow does not compile:\n{shown}")
    files = {path: json.loads(content) for path, content in result.files.items()}
    workers = {
        td_name: td.origin
        for td_name, td in result.program.task_defs.items()
        if isinstance(td.origin, TaskFunction)
    }
    return Compiled(chosen.name, chosen.version, files, workers)


def register(conductor: ConductorServer, compiled: Compiled) -> None:
    """Register every task definition and workflow of a compile (replacing older ones)."""
    task_defs = [doc for path, doc in compiled.files.items() if path.startswith("tasks/")]
    if task_defs:
        status, body = conductor.register_task_defs(task_defs)
        if status != 200:
            raise HarnessError(f"task definitions refused ({status}): {body}")
    for path, doc in compiled.files.items():
        if not path.startswith("workflows/"):
            continue
        status, body = conductor.request("PUT", "/api/metadata/workflow", [doc])
        if status != 200:
            raise HarnessError(f"{path} refused ({status}): {body}")


def start(
    conductor: ConductorServer,
    name: str,
    version: int,
    input: Mapping[str, Any] | None = None,
    correlation_id: str | None = None,
) -> str:
    query = f"?version={version}" + (f"&correlationId={correlation_id}" if correlation_id else "")
    status, body = conductor.request("POST", f"/api/workflow/{name}{query}", dict(input or {}))
    if status != 200 or not isinstance(body, str):
        raise HarnessError(f"workflow {name} did not start ({status}): {body}")
    return body


def get_run(conductor: ConductorServer, workflow_id: str) -> dict[str, Any]:
    status, body = conductor.request("GET", f"/api/workflow/{workflow_id}?includeTasks=true")
    if status != 200 or not isinstance(body, dict):
        raise HarnessError(f"cannot read workflow {workflow_id} ({status}): {body}")
    return body


def update_task(
    conductor: ConductorServer,
    task: Mapping[str, Any],
    status: str,
    output: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """Report a task's result through ``POST /api/tasks`` (what a worker or a person does)."""
    result: dict[str, Any] = {
        "workflowInstanceId": task["workflowInstanceId"],
        "taskId": task["taskId"],
        "status": status,
        "outputData": dict(output or {}),
        "workerId": "flowdsl-harness",
    }
    if reason is not None:
        result["reasonForIncompletion"] = reason
    code, body = conductor.request("POST", "/api/tasks", result)
    if code != 200:
        raise HarnessError(f"task update refused ({code}): {body}")


def worker_output(value: object) -> dict[str, Any]:
    """A ``@task`` body's return value as the task output flowdsl declared for it: a model,
    TypedDict or dataclass gives its fields; any other value is ``{"result": value}``."""
    if value is None:
        return {}
    if isinstance(value, BaseModel):
        dumped: dict[str, Any] = value.model_dump(by_alias=True, mode="json")
        return dumped
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dict(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return dict(value)
    return {"result": value}


def call_worker(fn: TaskFunction[..., Any], input_data: Mapping[str, Any]) -> dict[str, Any]:
    """Run a ``@task`` body on a polled task's input: inputs its signature does not take are
    left out (unless it has ``**kwargs``); each is validated into its annotation (a model
    parameter gets a model)."""
    params = fn.signature.parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    kwargs: dict[str, Any] = {}
    for key, value in input_data.items():
        if key in params:
            annotation = fn.input_types.get(key, Any)
            try:
                kwargs[key] = TypeAdapter(annotation).validate_python(value)
            except (ValidationError, TypeError, ValueError):
                kwargs[key] = value
        elif takes_any:
            kwargs[key] = value
    return worker_output(fn.fn(**kwargs))


Completion = Mapping[str, Any] | Callable[[dict[str, Any]], Mapping[str, Any]]
# A worker: a @task function (its body runs) or a function of the task's input data giving
# its output (a fake for a task whose body needs the outside world).
Worker = TaskFunction[..., Any] | Callable[[dict[str, Any]], Mapping[str, Any]]


def _execute(worker: Worker, input_data: dict[str, Any]) -> dict[str, Any]:
    if isinstance(worker, TaskFunction):
        return call_worker(worker, input_data)
    return dict(worker(input_data))


def serve_until_done(
    conductor: ConductorServer,
    workflow_id: str,
    workers: Mapping[str, Worker],
    *,
    complete: Mapping[str, Completion] | None = None,
    timeout: float = 30.0,
) -> dict[str, Any]:
    """Poll and execute SIMPLE tasks, complete the ``complete`` tasks (by reference name:
    an output, or a function of the task giving one) once IN_PROGRESS, until the workflow
    is terminal. Returns the final workflow; raises HarnessError on timeout."""
    pending = dict(complete or {})
    deadline = time.monotonic() + timeout
    while True:
        busy = False
        for task_type, fn in workers.items():
            status, polled = conductor.request(
                "GET",
                f"/api/tasks/poll/batch/{task_type}?count=10&timeout=50&workerid=flowdsl-harness",
            )
            if status != 200 or not isinstance(polled, list):
                continue
            for task in polled:
                busy = True
                try:
                    output = _execute(fn, dict(task.get("inputData") or {}))
                except Exception as exc:  # the worker's failure is the task's failure
                    update_task(conductor, task, "FAILED", reason=f"{type(exc).__name__}: {exc}")
                else:
                    update_task(conductor, task, "COMPLETED", output)
        run = get_run(conductor, workflow_id)
        for task in run.get("tasks", []):
            ref = task.get("referenceTaskName")
            if ref in pending and task.get("status") == "IN_PROGRESS":
                given = pending.pop(ref)
                sent = given(task) if callable(given) else given
                update_task(conductor, task, "COMPLETED", sent)
                busy = True
        if run.get("status") in TERMINAL:
            return run
        if time.monotonic() > deadline:
            states = [(t.get("referenceTaskName"), t.get("status")) for t in run.get("tasks", [])]
            raise HarnessError(
                f"workflow {workflow_id} still {run.get('status')} after {timeout:.0f}s; "
                f"tasks: {states}"
            )
        if not busy:
            time.sleep(0.1)


def run_flow(
    conductor: ConductorServer,
    flow: str | WorkflowFunction[..., Any],
    *,
    input: Mapping[str, Any] | None = None,
    name: str | None = None,
    also: Sequence[WorkflowFunction[..., Any]] = (),
    complete: Mapping[str, Completion] | None = None,
    workers: Mapping[str, Worker] | None = None,
    correlation_id: str | None = None,
    timeout: float = 30.0,
) -> Run:
    """Compile, register, start, serve and wait: the whole conformance round trip.

    ``workers`` replaces (or adds) the worker of a task name: a function of the task's
    input data giving its output, for tasks whose bodies need the outside world.
    """
    compiled = compile_flow(flow, name=name, also=also)
    register(conductor, compiled)
    workflow_id = start(conductor, compiled.name, compiled.version, input, correlation_id)
    serving: dict[str, Worker] = {**compiled.workers, **(workers or {})}
    final = serve_until_done(conductor, workflow_id, serving, complete=complete, timeout=timeout)
    return Run(
        workflow_id=workflow_id,
        status=str(final.get("status")),
        output=dict(final.get("output") or {}),
        tasks=list(final.get("tasks") or []),
        raw=final,
        files=compiled.files,
    )


__all__ = [
    "OWNER",
    "Compiled",
    "HarnessError",
    "Run",
    "Worker",
    "call_worker",
    "compile_flow",
    "get_run",
    "register",
    "run_flow",
    "serve_until_done",
    "start",
    "update_task",
    "worker_output",
]
