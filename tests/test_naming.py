"""Reference names: deterministic, readable, settable, and checked against Conductor's rules."""

from __future__ import annotations

import json

import pytest

from .conftest import Compile, codes

HEADER = """
from flowdsl import task, workflow

@task
def fetch(url: str) -> str:
    return url

@task(name="upload.to S3")
def odd(x: str) -> str:
    return x
"""


def refs(result, name: str = "wf") -> list[str]:
    doc = json.loads(result.files[f"workflows/{name}.v1.json"])
    return [t["taskReferenceName"] for t in doc["tasks"]]


def test_default_refs_are_task_name_and_suffixed_on_reuse(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def wf(u: str) -> dict:
    a = fetch(url=u)
    b = fetch(url=a)
    c = fetch(url=b)
    return {"c": c}
"""
    )
    assert refs(result) == ["fetch_ref", "fetch_ref_2", "fetch_ref_3"]


def test_explicit_refs_and_generated_refs_do_not_collide(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def wf(u: str) -> dict:
    a = fetch.options(ref="fetch_ref_2")(url=u)
    b = fetch(url=a)
    c = fetch(url=b)
    return {"c": c}
"""
    )
    assert refs(result) == ["fetch_ref_2", "fetch_ref", "fetch_ref_3"]


def test_generated_refs_are_safe_for_conductor(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def wf(u: str) -> dict:
    return {"x": odd(x=u)}
"""
    )
    assert codes(result) == []
    assert refs(result) == ["upload_to_S3_ref"]
    doc = json.loads(result.files["workflows/wf.v1.json"])
    assert doc["tasks"][0]["name"] == "upload.to S3"


def test_duplicate_explicit_ref_is_reported_at_the_second_call(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def wf(u: str) -> dict:
    fetch.options(ref="same")(url=u)
    fetch.options(ref="same")(url=u)
    return {}
"""
    )
    assert codes(result) == ["FD301"]
    assert result.diagnostics[0].span.line == 15


@pytest.mark.parametrize(
    "ref", ["a.b", "a__b", "a_", "workflow", "a b", "a[0]", "a{b}", "$a", "a/b", ""]
)
def test_refs_conductor_mishandles_are_errors(compile_src: Compile, ref: str) -> None:
    result = compile_src(
        HEADER
        + f"""
@workflow
def wf(u: str) -> dict:
    fetch.options(ref={ref!r})(url=u)
    return {{}}
"""
    )
    assert codes(result) == ["FD501"], [d.message for d in result.diagnostics]


@pytest.mark.parametrize("ref", ["a", "A1", "fetch-2", "x_y_z", "t9"])
def test_good_refs_pass(compile_src: Compile, ref: str) -> None:
    result = compile_src(
        HEADER
        + f"""
@workflow
def wf(u: str) -> dict:
    fetch.options(ref={ref!r})(url=u)
    return {{}}
"""
    )
    assert codes(result) == []


def test_per_call_options_are_emitted(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def wf(u: str) -> dict:
    fetch.options(ref="f", optional=True, start_delay=5, retry_count=0,
                  async_complete=True, description="first")(url=u)
    return {}
"""
    )
    task = json.loads(result.files["workflows/wf.v1.json"])["tasks"][0]
    assert task == {
        "name": "fetch",
        "taskReferenceName": "f",
        "description": "first",
        "inputParameters": {"url": "${workflow.input.u}"},
        "type": "SIMPLE",
        "startDelay": 5,
        "optional": True,
        "asyncComplete": True,
        "retryCount": 0,
    }


def test_bad_per_call_option_value_is_a_finding(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def wf(u: str) -> dict:
    fetch.options(start_delay=-1)(url=u)
    return {}
"""
    )
    assert codes(result) == ["FD604"]
    assert "startDelay" in result.diagnostics[0].message
