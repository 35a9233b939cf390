"""Run a real Conductor server (SQLite, loopback only) for integration tests.

The server version is pinned in ``conductor_version.txt`` next to this file; the boot jar comes from
the local Maven repository and is fetched by ``scripts/fetch-conductor.sh`` when missing.
Only the standard library is used.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
FETCH_SCRIPT = REPO_ROOT / "scripts" / "fetch-conductor.sh"
CONDUCTOR_VERSION = (HERE / "conductor_version.txt").read_text().strip()

DEFAULT_JVM_ARGS: tuple[str, ...] = ("-Xmx512m",)


class ApiResponse(NamedTuple):
    """HTTP status and parsed JSON body (raw text if not JSON, ``None`` if empty)."""

    status: int
    body: Any


class ConductorStartError(RuntimeError):
    """The server exited or did not become healthy in time."""


def _run_fetch_script(*args: str) -> str:
    result = subprocess.run(
        ["bash", str(FETCH_SCRIPT), *args], check=True, capture_output=True, text=True
    )
    return result.stdout.strip().splitlines()[-1]


def _quote(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")


def find_jar() -> Path:
    """The pinned boot jar in the local Maven repository, fetched first if missing."""
    m2 = Path(os.environ.get("MAVEN_REPO_LOCAL", Path.home() / ".m2" / "repository"))
    v = CONDUCTOR_VERSION
    jar = m2 / "org/conductoross/conductor-server" / v / f"conductor-server-{v}-boot.jar"
    return jar if jar.is_file() else Path(_run_fetch_script())


def find_java() -> str:
    """``$CONDUCTOR_JAVA`` or the lowest installed JDK able to run the pinned jar."""
    return os.environ.get("CONDUCTOR_JAVA") or _run_fetch_script("--java")


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ConductorServer:
    """A Conductor server process with its own temporary directory, database and port."""

    def __init__(
        self,
        *,
        java: str | None = None,
        jar: Path | None = None,
        jvm_args: tuple[str, ...] = DEFAULT_JVM_ARGS,
        extra_properties: dict[str, str] | None = None,
        startup_timeout: float = 240.0,
        stop_timeout: float = 30.0,
        port: int | None = None,
    ) -> None:
        self.java = java or find_java()
        self.jar = jar or find_jar()
        self.jvm_args = jvm_args
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.workdir = Path(tempfile.mkdtemp(prefix="conductor-"))
        self.port = port or free_loopback_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.workdir / "server.log"
        self.properties_path = self.workdir / "conductor.properties"
        self.properties = self._properties() | (extra_properties or {})
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def _properties(self) -> dict[str, str]:
        return {
            "server.address": "127.0.0.1",
            "server.port": str(self.port),
            # SQLite persistence, queues and indexing; no Redis, no Elasticsearch.
            "conductor.db.type": "sqlite",
            "conductor.queue.type": "sqlite",
            "conductor.indexing.enabled": "true",
            "conductor.indexing.type": "sqlite",
            "spring.datasource.url": (
                f"jdbc:sqlite:{self.workdir / 'conductor.db'}?busy_timeout=15000&journal_mode=WAL"
            ),
            "conductor.workflow-execution-lock.type": "local_only",
            # The jar's own application.properties says false; the code default is true.
            "conductor.app.ownerEmailMandatory": "true",
            "loadSample": "false",
            # No LLM providers (they would read API keys from the environment).
            "conductor.integrations.ai.enabled": "false",
            # Spring's Elasticsearch health indicator would report DOWN (nothing on :9200).
            "management.health.elasticsearch.enabled": "false",
            # Worker payload files go here instead of ~/worker-payload.
            "conductor.file-storage.parentDir": str(self.workdir / "payloads"),
            # conductor.app.workflow.name-validation.enabled stays at the jar default (false).
        }

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._process is not None:
            raise RuntimeError("server already started")
        self.properties_path.write_text(
            "".join(f"{key}={value}\n" for key, value in self.properties.items())
        )
        tmp = self.workdir / "tmp"
        tmp.mkdir()
        command = [
            self.java,
            *self.jvm_args,
            f"-Djava.io.tmpdir={tmp}",
            f"-DCONDUCTOR_CONFIG_FILE={self.properties_path}",
            "-jar",
            str(self.jar),
        ]
        started = time.monotonic()
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                command,
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_healthy(started)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started

    def _wait_healthy(self, started: float) -> None:
        assert self._process is not None
        deadline = started + self.startup_timeout
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                raise ConductorStartError(
                    f"Conductor exited with code {code} while starting; log tail:\n"
                    + self.log_tail()
                )
            if self._is_healthy():
                return
            time.sleep(0.5)
        raise ConductorStartError(
            f"Conductor not healthy after {self.startup_timeout:.0f}s; log tail:\n"
            + self.log_tail()
        )

    def _is_healthy(self) -> bool:
        try:
            response = self.request("GET", "/health", timeout=2.0)
        except OSError:  # connection refused, reset or timed out while booting
            return False
        return (
            response.status == 200
            and isinstance(response.body, dict)
            and response.body.get("healthy") is True
        )

    def stop(self) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after ``stop_timeout``)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def cleanup(self) -> None:
        """Stop the server and delete its temporary directory (log included)."""
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def rss_bytes(self) -> int | None:
        """Resident set size of the server process (Linux only)."""
        if self.pid is None:
            return None
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return None

    def log_tail(self, lines: int = 80) -> str:
        try:
            with self.log_path.open(encoding="utf-8", errors="replace") as log:
                return "".join(deque(log, maxlen=lines))
        except FileNotFoundError:
            return "(no log)"

    def __enter__(self) -> ConductorServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.cleanup()
        else:
            self.stop()  # keep the log for diagnosis

    # -- REST helpers ------------------------------------------------------------------------

    def request(
        self, method: str, path: str, body: Any = None, *, timeout: float = 30.0
    ) -> ApiResponse:
        """Send JSON, return status and parsed body; HTTP errors are returned, not raised."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        text = raw.decode("utf-8", errors="replace")
        try:
            parsed: Any = json.loads(text) if text else None
        except ValueError:
            parsed = text
        return ApiResponse(status, parsed)

    def register_task_defs(self, task_defs: list[dict[str, Any]]) -> ApiResponse:
        return self.request("POST", "/api/metadata/taskdefs", task_defs)

    def get_task_def(self, name: str) -> ApiResponse:
        return self.request("GET", f"/api/metadata/taskdefs/{_quote(name)}")

    def validate_workflow(self, workflow_def: dict[str, Any]) -> ApiResponse:
        return self.request("POST", "/api/metadata/workflow/validate", workflow_def)

    def register_workflow(self, workflow_def: dict[str, Any]) -> ApiResponse:
        return self.request("POST", "/api/metadata/workflow", workflow_def)

    def get_workflow_def(self, name: str, version: int | None = None) -> ApiResponse:
        query = "" if version is None else f"?version={version}"
        return self.request("GET", f"/api/metadata/workflow/{_quote(name)}{query}")
