"""``@task`` bodies under conductor-python's ``TaskHandler`` (the ``flowdsl[worker]`` extra).

The SDK runs one process per task type (``multiprocessing`` with the ``spawn`` start
method, ``conductor/client/automator/task_handler.py``), each polling in batches of up to
``thread_count`` and executing in a thread pool of that size (``task_runner.py``). A worker
is pickled into its process, so :class:`FlowdslWorker` carries only the task name and the
targets, and imports the user's module again there to find the function.

This module imports the SDK at import time; only ``flowdsl worker`` imports it.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from conductor.client.automator.task_handler import TaskHandler
from conductor.client.configuration.configuration import Configuration
from conductor.client.configuration.settings.authentication_settings import (
    AuthenticationSettings,
)
from conductor.client.http.models.task import Task
from conductor.client.http.models.task_exec_log import TaskExecLog
from conductor.client.http.models.task_result import TaskResult
from conductor.client.worker.worker_interface import WorkerInterface

from flowdsl.errors import LoadError
from flowdsl.server.client import Auth
from flowdsl.server.worker import TaskBody, discover_tasks

# A token given as such (not a key and secret) never expires on the client side.
_STATIC_TOKEN_TTL_MIN = 10**7


class FlowdslWorker(WorkerInterface):  # type: ignore[misc]
    def __init__(
        self, task_name: str, targets: Sequence[str], thread_count: int, poll_interval_ms: int
    ) -> None:
        super().__init__(task_name)
        self.targets = tuple(targets)
        self.thread_count = thread_count
        self.poll_interval = poll_interval_ms
        # Conductor's responseTimeoutSeconds applies as declared: no lease extension.
        self.lease_extend_enabled = False
        self._body: TaskBody | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_body"] = None  # the function is found again in the worker process
        return state

    def body(self) -> TaskBody:
        if self._body is None:
            tasks = discover_tasks(self.targets)
            task = tasks.get(self.task_definition_name)
            if task is None:
                raise LoadError(f"no @task named `{self.task_definition_name}` in {self.targets}")
            self._body = TaskBody(task)
        return self._body

    def execute(self, task: Task) -> TaskResult:
        outcome = self.body()(task.input_data or {})
        result: TaskResult = self.get_task_result_from_task(task)
        result.status = outcome.status
        result.output_data = outcome.output
        if outcome.reason is not None:
            result.reason_for_incompletion = outcome.reason
        if outcome.log is not None:
            result.logs = [TaskExecLog(outcome.log, task.task_id, int(time.time() * 1000))]
        return result


def configuration(api_url: str, auth: Auth | None, log_level: int) -> Configuration:
    settings = None
    if auth is not None and auth.key_id is not None:
        settings = AuthenticationSettings(key_id=auth.key_id, key_secret=auth.key_secret)
    config = Configuration(
        server_api_url=api_url, authentication_settings=settings, log_level=log_level
    )
    if auth is not None and auth.key_id is None and auth.token is not None:
        # The SDK sends X-Authorization only with authentication settings; a ready token
        # is given as the current one, with a lifetime that never asks for renewal.
        config.authentication_settings = AuthenticationSettings(key_id=None, key_secret=None)
        config.auth_token_ttl_msec = _STATIC_TOKEN_TTL_MIN * 60 * 1000
        config.update_token(auth.token)
    return config


@dataclass(frozen=True)
class WorkerSpec:
    task_name: str
    threads: int


def run(
    specs: Sequence[WorkerSpec],
    targets: Sequence[str],
    api_url: str,
    auth: Auth | None,
    *,
    poll_interval_ms: int = 100,
    log_level: int = logging.WARNING,
) -> None:
    """Poll and execute until SIGTERM or SIGINT, then stop the worker processes."""
    workers = [
        FlowdslWorker(spec.task_name, targets, spec.threads, poll_interval_ms) for spec in specs
    ]
    handler = TaskHandler(
        workers=workers,
        configuration=configuration(api_url, auth, log_level),
        scan_for_annotated_workers=False,
    )
    stop = threading.Event()

    def request_stop(signum: int, _frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        handler.start_processes()
        stop.wait()
    finally:
        handler.stop_processes()
        for sig, old in previous.items():
            signal.signal(sig, old)
