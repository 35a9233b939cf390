"""@task: TaskDef fields from the function and its keyword arguments, with Conductor's rules."""

from __future__ import annotations

import json

import pytest

from .conftest import Compile, codes


def source(options: str, returns: str = "Out", name: str = "work") -> str:
    return f"""
from typing import Any
from pydantic import BaseModel
from flowdsl import task, workflow

class Out(BaseModel):
    a: str
    b: int

@task({options})
def {name}(x: str, y: int = 0, **rest: Any) -> {returns}:
    \"\"\"Does the work.

    In two paragraphs.\"\"\"
    raise NotImplementedError

@workflow
def wf(x: str) -> dict:
    {name}(x=x)
    return {{}}
"""


def task_def(result, name: str = "work") -> dict:
    assert result.files is not None, [d.message for d in result.diagnostics]
    return json.loads(result.files[f"tasks/{name}.json"])


def test_fields_from_the_function(compile_src: Compile) -> None:
    td = task_def(compile_src(source("")))
    assert td == {
        "name": "work",
        "description": "Does the work.\n\nIn two paragraphs.",
        "inputKeys": ["x", "y"],
        "outputKeys": ["a", "b"],
        "ownerEmail": "team@example.com",
    }


@pytest.mark.parametrize(
    ("returns", "keys"),
    [("str", ["result"]), ("list[int]", ["result"]), ("None", None), ("dict", None), ("Any", None)],
)
def test_output_keys_from_return_annotation(compile_src: Compile, returns: str, keys) -> None:
    td = task_def(compile_src(source("", returns=returns)))
    assert td.get("outputKeys") == keys


def test_every_policy_field_in_conductor_order(compile_src: Compile) -> None:
    td = task_def(
        compile_src(
            source(
                'name="w2", description="d", owner_email="o@x.io", retry_count=5, retry_logic="LINEAR_BACKOFF", '
                "retry_delay_seconds=7, backoff_scale_factor=2, max_retry_delay_seconds=60, backoff_jitter_ms=10, "
                "timeout_seconds=100, response_timeout_seconds=50, poll_timeout_seconds=9, "
                'total_timeout_seconds=1000, timeout_policy="RETRY", concurrent_exec_limit=4, '
                'rate_limit_per_frequency=3, rate_limit_frequency_in_seconds=2, isolation_group_id="g", '
                'execution_name_space="ns", base_type="b", input_template={"k": "${v}"}, '
                'enforce_schema=True, runtime_metadata=["SECRET"], task_status_listener_enabled=False'
            )
        ),
        "w2",
    )
    assert list(td) == [
        "name",
        "description",
        "retryCount",
        "timeoutSeconds",
        "inputKeys",
        "outputKeys",
        "runtimeMetadata",
        "timeoutPolicy",
        "retryLogic",
        "retryDelaySeconds",
        "responseTimeoutSeconds",
        "concurrentExecLimit",
        "inputTemplate",
        "rateLimitPerFrequency",
        "rateLimitFrequencyInSeconds",
        "isolationGroupId",
        "executionNameSpace",
        "ownerEmail",
        "pollTimeoutSeconds",
        "backoffScaleFactor",
        "maxRetryDelaySeconds",
        "backoffJitterMs",
        "baseType",
        "totalTimeoutSeconds",
        "taskStatusListenerEnabled",
        "enforceSchema",
    ]
    assert td["inputTemplate"] == {"k": "$${v}"}  # a literal: Conductor resolves inputTemplate
    assert td["ownerEmail"] == "o@x.io"


def test_response_timeout_follows_timeout_when_not_given(compile_src: Compile) -> None:
    assert task_def(compile_src(source("timeout_seconds=30")))["responseTimeoutSeconds"] == 30
    assert task_def(compile_src(source("timeout_seconds=7200")))["responseTimeoutSeconds"] == 7200
    assert "responseTimeoutSeconds" not in task_def(compile_src(source("timeout_seconds=0")))
    both = task_def(compile_src(source("timeout_seconds=30, response_timeout_seconds=10")))
    assert both["responseTimeoutSeconds"] == 10


RULES = [
    # (options, code, fragment of the message)
    ("retry_count=-1", "FD403", "`retry_count` (retryCount) is -1, but Conductor requires >= 0"),
    (
        "response_timeout_seconds=0",
        "FD403",
        "responseTimeoutSeconds) is 0, but Conductor requires >= 1",
    ),
    ("poll_timeout_seconds=-1", "FD403", "pollTimeoutSeconds) is -1"),
    ("backoff_scale_factor=0", "FD403", "backoffScaleFactor) is 0, but Conductor requires >= 1"),
    ("max_retry_delay_seconds=-5", "FD403", "maxRetryDelaySeconds"),
    ("backoff_jitter_ms=-1", "FD403", "backoffJitterMs"),
    (
        "total_timeout_seconds=-1",
        "FD403",
        "totalTimeoutSeconds) is -1, but Conductor requires >= 0",
    ),
    ("retry_count=2**31", "FD403", "<= 2147483647"),
    (
        "timeout_seconds=30, response_timeout_seconds=60",
        "FD401",
        "responseTimeoutSeconds 60 exceeds timeoutSeconds 30",
    ),
    (
        "timeout_seconds=100, total_timeout_seconds=50",
        "FD402",
        "timeoutSeconds 100 exceeds totalTimeoutSeconds 50",
    ),
    ('timeout_policy="NEVER"', "FD404", "timeoutPolicy"),
    ('retry_logic="RANDOM"', "FD404", "retryLogic"),
    ('retry_count="three"', "FD404", "retryCount"),
    ("concurrent_exec_limit=1.5", "FD404", "concurrentExecLimit"),
    ('input_schema={"name": "s"}', "FD404", "inputSchema"),
]


@pytest.mark.parametrize(("options", "code", "fragment"), RULES)
def test_every_task_def_rule(compile_src: Compile, options: str, code: str, fragment: str) -> None:
    src = source(options)
    result = compile_src(src)
    assert codes(result) == [code], [d.message for d in result.diagnostics]
    d = result.diagnostics[0]
    assert fragment in d.message
    # Reported on the keyword argument that is wrong, in the user's file.
    key = (
        options.split("=", maxsplit=1)[0]
        if code not in ("FD401", "FD402")
        else ("response_timeout_seconds" if code == "FD401" else "timeout_seconds")
    )
    line = src.splitlines().index(next(s for s in src.splitlines() if s.startswith("@task("))) + 1
    assert d.span.line == line
    assert d.span.column == src.splitlines()[line - 1].index(key) + 1
    assert result.files is None


def test_rule_boundaries_pass(compile_src: Compile) -> None:
    result = compile_src(
        source(
            "retry_count=0, response_timeout_seconds=30, timeout_seconds=30, poll_timeout_seconds=0, "
            "backoff_scale_factor=1, total_timeout_seconds=30, max_retry_delay_seconds=0"
        )
    )
    assert codes(result) == []


def test_total_timeout_rule_depends_on_the_target(compile_src: Compile) -> None:
    assert codes(compile_src(source("total_timeout_seconds=-1"), target="3.21.22")) == []


def test_fields_the_target_does_not_know_are_errors(compile_src: Compile) -> None:
    result = compile_src(source("backoff_jitter_ms=5, runtime_metadata=['X']"), target="3.21.22")
    assert codes(result) == ["FD602", "FD602"]
    assert "not a TaskDef field of Conductor 3.21.22" in result.diagnostics[0].message
    assert result.diagnostics[0].hint == "it needs a newer target"


def test_missing_owner_email_is_an_error(compile_src: Compile) -> None:
    result = compile_src(source(""), owner_email=None)
    assert sorted(codes(result)) == ["FD601", "FD601"]  # the workflow and the task definition
    assert "owner_email" in result.diagnostics[0].hint


def test_unknown_decorator_keyword_is_a_type_error() -> None:
    from flowdsl import task

    with pytest.raises(TypeError, match="retry_cout"):
        task(retry_cout=3)  # type: ignore[call-overload]


def test_two_tasks_with_one_name_conflict(compile_src: Compile) -> None:
    result = compile_src("""
from flowdsl import task, workflow

@task(name="same", retry_count=1)
def a(x: str) -> str: ...

@task(name="same", retry_count=2)
def b(x: str) -> str: ...

@workflow
def wf(x: str) -> dict:
    return {"a": a(x=x), "b": b(x=x)}
""")
    assert codes(result) == ["FD302"]
