"""`flowdsl register` and `flowdsl diff` against the real server; credentials against the OSS
server (token header) and a loopback stand-in of Orkes' token endpoint (key and secret)."""

from __future__ import annotations

import copy
import http.server
import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowdsl.config import Config
from flowdsl.server.client import Auth, ConductorClient
from flowdsl.server.definitions import load_bundle
from flowdsl.server.deploy import register

from ..conftest import run_cli
from .conductor_server import CONDUCTOR_VERSION, ConductorServer
from .workers import api_url

OWNER = "flowdsl-tests@example.com"


class RecordingClient(ConductorClient):
    """Records every request (method and path) it sends."""

    def __init__(self, api: str, auth: Auth | None = None) -> None:
        super().__init__(api, auth)
        self.sent: list[tuple[str, str]] = []

    def request(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        self.sent.append((method, path))
        return super().request(method, path, body, **kwargs)

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.sent if m in ("POST", "PUT") and "validate" not in p]


def definitions(tag: str) -> dict[str, Any]:
    """A parent that calls a child as a sub-workflow, named so the parent sorts first."""
    task = {"name": f"t_{tag}", "retryCount": 1, "ownerEmail": OWNER}
    child = {
        "name": f"b_child_{tag}",
        "version": 1,
        "ownerEmail": OWNER,
        "tasks": [{"name": f"t_{tag}", "taskReferenceName": "t_ref", "type": "SIMPLE"}],
    }
    parent = {
        "name": f"a_parent_{tag}",
        "version": 1,
        "ownerEmail": OWNER,
        "tasks": [
            {
                "name": "call_child",
                "taskReferenceName": "call_child_ref",
                "type": "SUB_WORKFLOW",
                "subWorkflowParam": {"name": f"b_child_{tag}", "version": 1},
            }
        ],
    }
    return {"tasks/task.json": task, "workflows/child.json": child, "workflows/parent.json": parent}


def write(folder: Path, files: dict[str, Any]) -> Path:
    for rel, content in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(json.dumps(content, indent=2))
    return folder


def bundle(folder: Path) -> Any:
    return load_bundle([str(folder)], Config(owner_email=OWNER, target=CONDUCTOR_VERSION))


def test_register_sends_children_first_and_is_idempotent(
    conductor: ConductorServer, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    folder = write(tmp_path, definitions(tag))
    client = RecordingClient(api_url(conductor))
    outcome = register(client, bundle(folder))
    assert not outcome.findings, outcome.findings
    assert client.writes() == [
        ("POST", "/metadata/taskdefs"),
        ("POST", "/metadata/workflow"),  # the child ...
        ("POST", "/metadata/workflow"),  # ... before the parent
    ]
    posted = [p for m, p in client.sent if m == "POST"]
    assert len(posted) == 3
    assert outcome.lines == [
        f"task definition `t_{tag}`: registered",
        f"workflow `b_child_{tag}` version 1: registered",
        f"workflow `a_parent_{tag}` version 1: registered",
    ]
    # Again: nothing is written, and it says so.
    again = RecordingClient(api_url(conductor))
    outcome = register(again, bundle(folder))
    assert not outcome.findings
    assert again.writes() == []
    assert all(line.endswith(": unchanged") for line in outcome.lines)


def test_register_refuses_a_silent_overwrite(conductor: ConductorServer, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    files = definitions(tag)
    write(tmp_path / "v1", files)
    url = api_url(conductor)
    assert run_cli("register", "v1", "--server", url, cwd=tmp_path).returncode == 0
    changed = copy.deepcopy(files)
    changed["tasks/task.json"]["retryCount"] = 4
    changed["workflows/child.json"]["description"] = "changed"
    write(tmp_path / "v2", changed)

    proc = run_cli("register", "v2", "--server", url, cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (
        f"v2/tasks/task.json:1:1: FD702 task definition `t_{tag}` is registered with "
        "different content: /retryCount: server has 1, local has 4"
    ) in proc.stdout
    assert f"FD702 workflow `b_child_{tag}` version 1 is registered" in proc.stdout
    client = ConductorClient(url)
    stored = client.get_task_def(f"t_{tag}")
    assert stored is not None and stored["retryCount"] == 1  # nothing was registered

    proc = run_cli("register", "v2", "--server", url, "--overwrite", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"task definition `t_{tag}`: replaced" in proc.stdout
    stored = client.get_task_def(f"t_{tag}")
    assert stored is not None and stored["retryCount"] == 4
    assert run_cli("diff", "v2", "--server", url, cwd=tmp_path).returncode == 0


def test_dry_run_validates_and_changes_nothing(conductor: ConductorServer, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    files = definitions(tag)
    # A WAIT whose duration the server cannot parse: flowdsl's checks do not read WAIT
    # durations (yet), the server refuses it.
    files["workflows/child.json"]["tasks"].append(
        {
            "name": "pause",
            "taskReferenceName": "pause_ref",
            "type": "WAIT",
            "inputParameters": {"duration": "soon"},
        }
    )
    write(tmp_path, files)
    client = RecordingClient(api_url(conductor))
    outcome = register(client, bundle(tmp_path), dry_run=True)
    assert client.writes() == []
    assert client.get_task_def(f"t_{tag}") is None
    assert client.get_workflow_def(f"b_child_{tag}", 1) is None
    (finding,) = outcome.findings
    assert finding.code == "FD701"
    assert finding.span.file.endswith("workflows/child.json")
    assert finding.message == (
        f"the server refused workflow `b_child_{tag}` version 1 (validate, HTTP 400): "
        "tasks[1]: Either date or duration is passed as null"
    )


def test_diff_reports_a_changed_retry_count_and_a_missing_workflow(
    conductor: ConductorServer, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    files = definitions(tag)
    write(tmp_path / "v1", files)
    url = api_url(conductor)
    assert run_cli("register", "v1", "--server", url, cwd=tmp_path).returncode == 0
    assert run_cli("diff", "v1", "--server", url, cwd=tmp_path).returncode == 0
    changed = copy.deepcopy(files)
    changed["tasks/task.json"]["retryCount"] = 7
    changed["workflows/other.json"] = {**files["workflows/child.json"], "name": f"c_new_{tag}"}
    write(tmp_path / "v2", changed)
    proc = run_cli("diff", "v2", "--server", url, cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [
        f"task definition `t_{tag}`: differs",
        "  /retryCount: server has 1, local has 7",
        f"workflow `c_new_{tag}` version 1: missing on the server",
        f"2 of 4 definitions differ from {url}",
    ]


def test_an_unreachable_server_is_one_line_and_exit_2(tmp_path: Path) -> None:
    write(tmp_path, definitions("x"))
    proc = run_cli("register", ".", "--server", "http://127.0.0.1:9/api", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert line.startswith("error: cannot reach the Conductor server at http://127.0.0.1:9/api")


def test_a_token_from_the_environment_is_sent_to_the_oss_server(
    conductor: ConductorServer, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    write(tmp_path, definitions(tag))
    env = {"CONDUCTOR_AUTH_TOKEN": "token-for-oss"}
    proc = run_cli("register", ".", "--server", api_url(conductor), cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr  # the OSS server ignores it


class _TokenStandIn(http.server.BaseHTTPRequestHandler):
    """Orkes' token endpoint and one metadata endpoint, recording what arrives."""

    seen: list[tuple[str, str, str | None, Any]]

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length)) if length else None

    def do_POST(self) -> None:
        body = self._body()
        self.seen.append(("POST", self.path, self.headers.get("X-Authorization"), body))
        if self.path == "/api/token" and body == {"keyId": "k1", "keySecret": "s1"}:
            self._reply(200, {"token": "exchanged-token"})
        else:
            self._reply(401, {"message": "bad credentials"})

    def do_GET(self) -> None:
        self.seen.append(("GET", self.path, self.headers.get("X-Authorization"), None))
        if self.headers.get("X-Authorization") != "exchanged-token":
            self._reply(401, {"message": "no token"})
        else:
            self._reply(404, {"message": "no such task"})

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def token_stand_in() -> Iterator[tuple[str, list[tuple[str, str, str | None, Any]]]]:
    seen: list[tuple[str, str, str | None, Any]] = []
    handler = type("Handler", (_TokenStandIn,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api", seen
    finally:
        server.shutdown()
        server.server_close()


def test_key_and_secret_are_exchanged_for_a_token(
    token_stand_in: tuple[str, list[tuple[str, str, str | None, Any]]],
) -> None:
    url, seen = token_stand_in
    auth = Auth.from_env({"CONDUCTOR_AUTH_KEY": "k1", "CONDUCTOR_AUTH_SECRET": "s1"})
    client = ConductorClient(url, auth)
    assert client.get_task_def("anything") is None
    assert client.get_task_def("again") is None
    assert seen == [
        ("POST", "/api/token", None, {"keyId": "k1", "keySecret": "s1"}),
        ("GET", "/api/metadata/taskdefs/anything", "exchanged-token", None),
        ("GET", "/api/metadata/taskdefs/again", "exchanged-token", None),  # fetched once
    ]
