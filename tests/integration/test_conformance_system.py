"""Conformance of the system-task builders: each small workflow is compiled, registered, run
on the real server (SIMPLE tasks served by the harness poller) and its final status and
output compared with what the Python says."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from .conductor_server import ConductorServer
from .harness import TASKS_SOURCE, compile_flow, double, get_run, run_flow, serve_until_done

HEADER = (
    """
from dataclasses import dataclass
from pydantic import BaseModel
"""
    + TASKS_SOURCE
)


# -- HTTP against a loopback server started by the test --------------------------------------


class _Echo(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        sent = json.loads(self._read_body() or b"null")
        self._answer(200, {"path": self.path, "sent": sent, "header": self.headers.get("X-Flow")})

    def do_GET(self) -> None:
        if self.path.startswith("/missing"):
            self._answer(404, {"error": "not here"})
        else:
            self._answer(200, {"path": self.path})

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _answer(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Echo", "yes")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def echo_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


HTTP_FLOW = (
    HEADER
    + """
class Echoed(BaseModel):
    path: str
    sent: dict
    header: str

@workflow(name="conf_http")
def conf_http(base: str, name: str, n: int) -> dict:
    r = flowdsl.http(
        f"{base}/items/{name}", method="POST", body={"n": double(x=n), "name": name},
        headers={"X-Flow": "flowdsl"}, body_type=Echoed,
    )
    return {
        "status": r.response.statusCode,
        "reason": r.response.reasonPhrase,
        "body": r.response.body,
        "path": r.response.body.path,
        "echo": r.response.headers["X-Echo"],
    }
"""
)


def test_http(conductor: ConductorServer, echo_url: str) -> None:
    run = run_flow(conductor, HTTP_FLOW, input={"base": echo_url, "name": "ada", "n": 4})
    assert run.status == "COMPLETED", run.reason
    assert run.output == {
        "status": 200,
        "reason": "OK",
        "body": {
            "path": "/items/ada",
            "sent": {"n": double(4), "name": "ada"},
            "header": "flowdsl",
        },
        "path": "/items/ada",
        "echo": ["yes"],
    }


def test_http_failure_status_fails_the_task(conductor: ConductorServer, echo_url: str) -> None:
    source = (
        HEADER
        + """
@workflow(name="conf_http_404")
def conf_http_404(base: str) -> dict:
    r = flowdsl.http(f"{base}/missing", retry_count=0, optional=True)
    return {"status": r.response.statusCode}
"""
    )
    run = run_flow(conductor, source, input={"base": echo_url})
    # optional=True: the failed HTTP task does not fail the workflow.
    assert run.status == "COMPLETED", run.reason
    failed = run.task("http_ref")
    assert failed["status"] == "FAILED"
    # HttpTask: a non-2xx answer raises in RestTemplate; `response` is then the error text
    # and there is no statusCode.
    assert "404" in failed["reasonForIncompletion"]
    assert isinstance(failed["outputData"]["response"], str)
    assert run.output == {"status": None}


# -- INLINE, JSON_JQ_TRANSFORM -----------------------------------------------------------------


def test_inline(conductor: ConductorServer) -> None:
    source = (
        HEADER
        + """
@workflow(name="conf_inline")
def conf_inline(a: int, b: int, words: list) -> dict:
    total = flowdsl.inline("$.a + $.b", inputs={"a": double(x=a), "b": b})
    joined = flowdsl.inline(
        "(function () { return $.words.join('-').toUpperCase(); })()",
        inputs={"words": words},
    )
    return {"total": total.result, "joined": joined.result}
"""
    )
    run = run_flow(conductor, source, input={"a": 2, "b": 3, "words": ["x", "y"]})
    assert run.status == "COMPLETED", run.reason
    assert run.output == {"total": double(2) + 3, "joined": "-".join(["x", "y"]).upper()}


def test_json_jq(conductor: ConductorServer) -> None:
    source = (
        HEADER
        + """
@workflow(name="conf_jq")
def conf_jq(items: list) -> dict:
    doubled = flowdsl.json_jq("[.items[] * 2]", inputs={"items": items})
    each = flowdsl.json_jq(".items[] | {v: .}", inputs={"items": items})
    return {"result": doubled.result, "first": each.result, "all": each.resultList}
"""
    )
    items = [1, 2, 3]
    run = run_flow(conductor, source, input={"items": items})
    assert run.status == "COMPLETED", run.reason
    assert run.output == {
        "result": [2 * i for i in items],
        "first": {"v": items[0]},
        "all": [{"v": i} for i in items],
    }


# -- SET_VARIABLE and workflow_context() --------------------------------------------------------


def test_set_variable_and_workflow_context(conductor: ConductorServer) -> None:
    source = (
        HEADER
        + """
class Vars(BaseModel):
    greeting: str
    count: int

@workflow(name="conf_vars", variables={"count": 1})
def conf_vars(name: str, n: int) -> dict:
    ctx = flowdsl.workflow_context(Vars)
    before = double(x=ctx.variables.count)
    flowdsl.set_variable({"greeting": f"hi {name}", "count": double(x=n)})
    return {
        "greeting": ctx.variables.greeting,
        "count": ctx.variables.count,
        "before": before,
        "id": ctx.workflowId,
        "correlation": ctx.correlationId,
        "type": ctx.workflowType,
    }
"""
    )
    run = run_flow(conductor, source, input={"name": "Ada", "n": 5}, correlation_id="corr-1")
    assert run.status == "COMPLETED", run.reason
    assert run.output == {
        "greeting": "hi Ada",
        "count": double(5),
        "before": double(1),
        "id": run.workflow_id,
        "correlation": "corr-1",
        "type": "conf_vars",
    }
    assert run.raw["variables"] == {"greeting": "hi Ada", "count": double(5)}


# -- TERMINATE ----------------------------------------------------------------------------------


def test_terminate_completed_with_output(conductor: ConductorServer) -> None:
    source = (
        HEADER
        + """
@workflow(name="conf_terminate")
def conf_terminate(n: int) -> dict:
    d = double(x=n)
    flowdsl.terminate("COMPLETED", reason="done early", output={"d": d, "n": n})
    return {}
"""
    )
    run = run_flow(conductor, source, input={"n": 21})
    assert run.status == "COMPLETED", run.reason
    assert run.output == {"d": double(21), "n": 21}


def test_terminate_failed_with_reason(conductor: ConductorServer) -> None:
    source = (
        HEADER
        + """
@workflow(name="conf_terminate_failed")
def conf_terminate_failed(n: int) -> dict:
    flowdsl.terminate("FAILED", reason=f"bad input {n}")
    return {}
"""
    )
    run = run_flow(conductor, source, input={"n": 7})
    assert run.status == "FAILED"
    assert run.reason is not None and "bad input 7" in run.reason


# -- WAIT, HUMAN ----------------------------------------------------------------------------------


def test_wait_duration(conductor: ConductorServer) -> None:
    source = (
        HEADER
        + """
@workflow(name="conf_wait")
def conf_wait(n: int) -> dict:
    flowdsl.wait(1)
    return {"d": double(x=n)}
"""
    )
    run = run_flow(conductor, source, input={"n": 2})
    assert run.status == "COMPLETED", run.reason
    assert run.output == {"d": double(2)}
    waited = run.task("wait_ref")
    assert waited["inputData"]["duration"] == "1s"
    assert waited["endTime"] - waited["startTime"] >= 1000


def test_wait_without_duration_completes_when_updated(conductor: ConductorServer) -> None:
    source = (
        HEADER
        + """
@workflow(name="conf_wait_signal")
def conf_wait_signal(n: int) -> dict:
    signal = flowdsl.wait()
    return {"d": double(x=n), "signal": signal["go"]}
"""
    )
    run = run_flow(conductor, source, input={"n": 5}, complete={"wait_ref": {"go": "now"}})
    assert run.status == "COMPLETED", run.reason
    assert run.output == {"d": double(5), "signal": "now"}


def test_human_completed_through_the_task_api(conductor: ConductorServer) -> None:
    source = (
        HEADER
        + """
class Review(BaseModel):
    approved: bool
    reviewer: str

@workflow(name="conf_human")
def conf_human(doc: str) -> dict:
    review = flowdsl.human(Review, inputs={"doc": doc})
    return {"approved": review.approved, "by": review.reviewer}
"""
    )
    seen: list[dict[str, Any]] = []

    def reviewer(task: dict[str, Any]) -> dict[str, Any]:
        seen.append(task["inputData"])
        return {"approved": True, "reviewer": "ann"}

    run = run_flow(conductor, source, input={"doc": "d1"}, complete={"human_ref": reviewer})
    assert run.status == "COMPLETED", run.reason
    assert run.output == {"approved": True, "by": "ann"}
    assert seen and seen[0]["doc"] == "d1"


# -- START_WORKFLOW, NOOP, DYNAMIC -------------------------------------------------------------


def test_start_workflow(conductor: ConductorServer) -> None:
    source = (
        HEADER
        + """
@workflow(name="conf_started_child")
def conf_started_child(x: int) -> dict:
    return {"d": double(x=x)}

@workflow(name="conf_start_parent")
def conf_start_parent(n: int) -> dict:
    started = flowdsl.start_workflow(conf_started_child, input={"x": n}, correlation_id="kid")
    flowdsl.noop()
    return {"child": started.workflowId}
"""
    )
    compiled = compile_flow(source, name="conf_start_parent")
    run = run_flow(conductor, source, name="conf_start_parent", input={"n": 6})
    assert run.status == "COMPLETED", run.reason
    child_id = run.output["child"]
    assert isinstance(child_id, str) and child_id
    child = serve_until_done(conductor, child_id, compiled.workers)
    assert child["status"] == "COMPLETED"
    assert child["workflowName"] == "conf_started_child"
    assert child["correlationId"] == "kid"
    assert child["output"] == {"d": double(6)}
    # START_WORKFLOW does not make a child: the started run has no parent.
    assert get_run(conductor, child_id).get("parentWorkflowId") is None


def test_dynamic(conductor: ConductorServer) -> None:
    source = (
        HEADER
        + """
@workflow(name="conf_dynamic")
def conf_dynamic(which: str, n: int) -> dict:
    chosen = flowdsl.dynamic(which, inputs={"x": n}, candidates=(double, triple))
    fixed = flowdsl.dynamic(triple, inputs={"x": n})
    return {"chosen": chosen["result"], "fixed": fixed}
"""
    )
    run = run_flow(conductor, source, input={"which": "double", "n": 4})
    assert run.status == "COMPLETED", run.reason
    assert run.output == {"chosen": double(4), "fixed": 3 * 4}
    assert run.task("dynamic_ref")["taskType"] == "double"


# -- per-call options on a worker task --------------------------------------------------------


def test_per_call_options(conductor: ConductorServer) -> None:
    source = (
        HEADER
        + """
@task(retry_count=2, retry_delay_seconds=1, timeout_seconds=60)
def flaky(x: int) -> int:
    raise RuntimeError("always fails")

@workflow(name="conf_options")
def conf_options(n: int) -> dict:
    failed = flaky.options(ref="may_fail", optional=True, retry_count=0)(x=n)
    d = double.options(ref="d1", description="doubles", start_delay=1)(x=n)
    return {"d": d, "failed": failed}
"""
    )
    run = run_flow(conductor, source, input={"n": 3})
    assert run.status == "COMPLETED", run.reason
    attempts = [t for t in run.tasks if t["referenceTaskName"] == "may_fail"]
    assert [t["status"] for t in attempts] == ["COMPLETED_WITH_ERRORS"]  # retry_count=0 wins
    assert run.output == {"d": double(3), "failed": None}
    workflow_task = run.files["workflows/conf_options.v1.json"]["tasks"][1]
    assert workflow_task["description"] == "doubles"
    assert workflow_task["startDelay"] == 1


# -- EVENT and KAFKA_PUBLISH: validated and registered only -----------------------------------


def test_event_and_kafka_publish_are_accepted(conductor: ConductorServer) -> None:
    source = (
        HEADER
        + """
@workflow(name="conf_event_kafka")
def conf_event_kafka(n: int) -> dict:
    sent = flowdsl.event("conductor:conf_queue", payload={"d": double(x=n)})
    flowdsl.kafka_publish(
        "conf_topic", {"n": n}, bootstrap_servers="127.0.0.1:9", key="k",
        request_timeout_ms=100, max_block_ms=100,
    )
    return {"queue": sent.event_produced}
"""
    )
    compiled = compile_flow(source)
    document = compiled.files["workflows/conf_event_kafka.v1.json"]
    status, body = conductor.validate_workflow(document)
    assert status == 200, body
    status, body = conductor.request("PUT", "/api/metadata/workflow", [document])
    assert status == 200, body
    status, stored = conductor.get_workflow_def("conf_event_kafka", 1)
    assert status == 200, stored
    types = [t["type"] for t in stored["tasks"]]
    assert types == ["SIMPLE", "EVENT", "KAFKA_PUBLISH"]
    assert stored["tasks"][1]["sink"] == "conductor:conf_queue"
    assert stored["tasks"][2]["inputParameters"]["kafka_request"]["topic"] == "conf_topic"
