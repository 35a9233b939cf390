"""@workflow: WorkflowDef fields, target versions, and what Conductor rejects."""

from __future__ import annotations

import json

from .conftest import Compile, codes

BASE = """
from flowdsl import task, workflow

@task
def step(x: str) -> str:
    return x
"""


def test_every_workflow_field_in_conductor_order(compile_src: Compile) -> None:
    result = compile_src(
        BASE
        + """
@workflow(name="full", version=3, description="d", owner_email="o@x.io",
          timeout_policy="TIME_OUT_WF", timeout_seconds=60, restartable=False,
          failure_workflow="cleanup", failure_workflow_version=2,
          workflow_status_listener_enabled=True, workflow_status_listener_sink="sink",
          variables={"v": "${raw}"}, input_template={"x": "a"},
          rate_limit_config={"rateLimitKey": "k", "concurrentExecLimit": 2},
          enforce_schema=False, metadata={"team": "img"}, cache_config={"key": "k", "ttlInSecond": 5},
          masked_fields=["x"])
def wf(x: str) -> dict:
    return {"r": step(x=x)}
"""
    )
    doc = json.loads(result.files["workflows/full.v3.json"])
    assert list(doc) == [
        "name",
        "description",
        "version",
        "tasks",
        "inputParameters",
        "outputParameters",
        "failureWorkflow",
        "schemaVersion",
        "restartable",
        "workflowStatusListenerEnabled",
        "ownerEmail",
        "timeoutPolicy",
        "timeoutSeconds",
        "variables",
        "inputTemplate",
        "failureWorkflowVersion",
        "workflowStatusListenerSink",
        "rateLimitConfig",
        "enforceSchema",
        "metadata",
        "cacheConfig",
        "maskedFields",
    ]
    assert doc["variables"] == {"v": "${raw}"}  # copied, never resolved: not escaped
    assert doc["schemaVersion"] == 2


def test_field_unknown_to_target_is_an_error(compile_src: Compile) -> None:
    result = compile_src(
        BASE
        + """
@workflow(failure_workflow="x", failure_workflow_version=2)
def wf(x: str) -> dict:
    return {"r": step(x=x)}
""",
        target="3.21.22",
    )
    assert codes(result) == ["FD602"]
    d = result.diagnostics[0]
    assert "`failure_workflow_version` (failureWorkflowVersion)" in d.message
    assert d.span.line == 8


def test_bad_enum_is_a_finding(compile_src: Compile) -> None:
    result = compile_src(
        BASE
        + """
@workflow(timeout_policy="RETRY")
def wf(x: str) -> dict:
    return {"r": step(x=x)}
"""
    )
    assert codes(result) == ["FD604"]
    assert "timeout_policy" in result.diagnostics[0].message


def test_empty_workflow_is_an_error(compile_src: Compile) -> None:
    result = compile_src(
        BASE
        + """
@workflow
def wf(x: str) -> dict:
    return {"x": x}
"""
    )
    assert codes(result) == ["FD304"]


def test_duplicate_workflow_name_and_version(compile_src: Compile) -> None:
    result = compile_src(
        BASE
        + """
@workflow(name="w")
def a(x: str) -> dict:
    return {"r": step(x=x)}

@workflow(name="w")
def b(x: str) -> dict:
    return {"r": step(x=x)}
"""
    )
    assert codes(result) == ["FD303"]


def test_non_dict_return_is_a_finding(compile_src: Compile) -> None:
    result = compile_src(
        BASE
        + """
@workflow
def wf(x: str) -> str:
    return step(x=x)
"""
    )
    assert codes(result) == ["FD007"]


def test_unsupported_signature(compile_src: Compile) -> None:
    result = compile_src(
        BASE
        + """
@workflow
def wf(*args: str) -> dict:
    return {"r": step(x="a")}
"""
    )
    assert codes(result) == ["FD006"]
