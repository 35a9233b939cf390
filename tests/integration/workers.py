"""Helpers for tests that run `flowdsl worker` and `flowdsl run` against the session server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from flowdsl.server.client import ConductorClient

from ..conftest import REPO
from .conductor_server import ConductorServer

TERMINAL = {"COMPLETED", "FAILED", "TERMINATED", "TIMED_OUT"}


def api_url(server: ConductorServer) -> str:
    return f"{server.base_url}/api"


def client(server: ConductorServer) -> ConductorClient:
    return ConductorClient(api_url(server))


class WorkerProcess:
    """`python -m flowdsl worker TARGET ...` in its own process group, stopped with SIGTERM."""

    def __init__(
        self,
        server: ConductorServer,
        targets: Sequence[str],
        *args: str,
        env: dict[str, str] | None = None,
        cwd: Path = REPO,
    ) -> None:
        self.server = server
        self.command = [
            sys.executable,
            "-m",
            "flowdsl",
            "worker",
            *targets,
            "--server",
            api_url(server),
            "--poll-interval",
            "50",
            *args,
        ]
        self.env = {**os.environ, **(env or {})}
        self.cwd = cwd
        self.process: subprocess.Popen[str] | None = None
        self.output = ""

    def start(self, task_types: Sequence[str], timeout: float = 60.0) -> None:
        started = time.time() * 1000
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # Ready when the server has seen a poll for every task type since the start.
        conductor = client(self.server)
        deadline = time.monotonic() + timeout
        waiting = set(task_types)
        while waiting:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.process.communicate()[0]}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"no poll for {sorted(waiting)} in {timeout:.0f} s:\n{self.output}"
                )
            for name in list(waiting):
                data = conductor.request("GET", "/tasks/queue/polldata", query={"taskType": name})
                if any((p.get("lastPollTime") or 0) >= started for p in data or []):
                    waiting.discard(name)
            time.sleep(0.2)

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, then the exit status (the output is kept in ``output``)."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.output, _ = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.output, _ = self.process.communicate()
            return -9
        return self.process.returncode

    def __enter__(self) -> WorkerProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.process is not None and self.process.poll() is None:
            self.stop()


def wait_for(conductor: ConductorClient, workflow_id: str, timeout: float = 60.0) -> dict[str, Any]:
    """The workflow once it is terminal (with its tasks)."""
    deadline = time.monotonic() + timeout
    while True:
        workflow = conductor.get_workflow(workflow_id)
        if workflow["status"] in TERMINAL:
            return workflow
        if time.monotonic() > deadline:
            raise AssertionError(f"workflow still {workflow['status']} after {timeout} s")
        time.sleep(0.2)


def attempts(workflow: dict[str, Any], ref: str) -> list[dict[str, Any]]:
    """The task records of one reference name, in attempt order."""
    found = [t for t in workflow["tasks"] if t["referenceTaskName"] == ref]
    return sorted(found, key=lambda t: t["retryCount"])
