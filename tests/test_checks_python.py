"""The checks on workflows written in Python: located at the user's line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import Compile, codes
from .test_tracing import at

HEADER = """
from typing import Any
from pydantic import BaseModel
from flowdsl import Inputs, task, workflow

class Resized(BaseModel):
    fileLocation: str
    width: int

class Uploaded(BaseModel):
    s3Url: str

@task
def resize(fileLocation: str, width: int) -> Resized:
    raise NotImplementedError

@task
def upload(fileLocation: str, tags: list[str] | None = None) -> Uploaded:
    raise NotImplementedError

@task
def anything(**inputs: Any) -> dict:
    raise NotImplementedError
"""


def test_undeclared_output_key_at_its_line_and_column(compile_src: Compile) -> None:
    src = (
        HEADER
        + """
@workflow
def wf(fileLocation: str) -> dict:
    resized = resize(fileLocation=fileLocation, width=100)
    uploaded = upload(fileLocation=resized.fileLocaton)
    return {"fileLocation": uploaded.fileLocation}
"""
    )
    result = compile_src(src)
    assert codes(result) == ["FD103", "FD103"]
    # The return annotation is the worker's output: an error, unlike a JSON outputKeys.
    assert all(d.is_error for d in result.diagnostics)
    first, second = result.diagnostics
    assert (first.span.line, first.span.column) == at(src, "resized.fileLocaton")
    assert first.message == (
        "`upload_ref` reads `fileLocaton` from `resize_ref`, whose task `resize` declares only "
        "`fileLocation`, `width`"
    )
    assert first.hint == "did you mean `fileLocation`?"
    assert (second.span.line, second.span.column) == at(src, "uploaded.fileLocation")
    assert "the workflow output reads `fileLocation` from `upload_ref`" in second.message
    assert result.files is None


def test_declared_outputs_pass(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def wf(fileLocation: str) -> dict:
    resized = resize(fileLocation=fileLocation, width=100)
    return {"url": upload(fileLocation=resized.fileLocation).s3Url, "all": resized}
"""
    )
    assert codes(result) == []


def test_unknown_workflow_input_with_an_inputs_model(compile_src: Compile) -> None:
    src = (
        HEADER
        + """
class In(Inputs):
    fileLocation: str

@workflow
def wf(inp: In) -> dict:
    return {"x": upload(fileLocation=inp.fileLocaton)}
"""
    )
    result = compile_src(src)
    assert codes(result) == ["FD104"]
    d = result.diagnostics[0]
    assert (d.span.line, d.span.column) == at(src, "inp.fileLocaton")
    assert d.hint == "did you mean `fileLocation`?"


def test_type_mismatch_between_output_and_input(compile_src: Compile) -> None:
    src = (
        HEADER
        + """
@workflow
def wf(fileLocation: str, size: str) -> dict:
    resized = resize(fileLocation=fileLocation, width=size)
    upload(fileLocation=resized.width, tags=[resized.fileLocation])
    return {}
"""
    )
    result = compile_src(src)
    assert codes(result) == ["FD105", "FD105"]
    first, second = result.diagnostics
    assert first.message == (
        "`resize` input `width` expects int, but ${workflow.input.size} is str"
    )
    assert (first.span.line, first.span.column) == at(src, "width=size")
    assert second.message == (
        "`upload` input `fileLocation` expects str, but ${resize_ref.output.width} is int"
    )


def test_compatible_types_pass(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def wf(fileLocation: str, n: int, data: dict) -> dict:
    resized = resize(fileLocation=f"{fileLocation}/{n}", width=n)
    upload(fileLocation=resized.fileLocation, tags=None)
    anything(x=resized, y=data, z=1)
    resize(fileLocation=data["k"], width=resized.width)
    return {}
"""
    )
    assert codes(result) == []


def test_unknown_and_missing_inputs(compile_src: Compile) -> None:
    src = (
        HEADER
        + """
@workflow
def wf(fileLocation: str) -> dict:
    resize(fileLocation=fileLocation, widht=3)
    anything(whatever=1)
    return {}
"""
    )
    result = compile_src(src)
    assert codes(result) == ["FD107", "FD106"]
    missing, unknown = result.diagnostics
    assert missing.message == "`resize` is missing required input `width`"
    assert (unknown.span.line, unknown.span.column) == at(src, "widht=3")


def test_a_handle_from_another_workflow_is_a_foreign_value(compile_src: Compile) -> None:
    src = (
        HEADER
        + """
LEAKED = []

@workflow
def a_first(fileLocation: str) -> dict:
    LEAKED.append(resize(fileLocation=fileLocation, width=1))
    return {}

@workflow
def b_second(fileLocation: str) -> dict:
    return {"x": upload(fileLocation=LEAKED[0].fileLocation)}
"""
    )
    result = compile_src(src)
    assert codes(result) == ["FD005"]
    (found,) = result.diagnostics
    assert "made while tracing another workflow is used in workflow `b_second`" in found.message
    assert found.span is not None and found.span.line is not None
    line = Path(found.span.file).read_text().splitlines()[found.span.line - 1]
    assert line[(found.span.column or 0) - 1 :].startswith("fileLocation=LEAKED[0]")


@pytest.mark.parametrize(
    "use",
    [
        'f"{LEAKED[0].fileLocation}/x"',
        '"{}/x".format(LEAKED[0].fileLocation)',
        'LEAKED[0].fileLocation + "/x"',
        "str(LEAKED[0].fileLocation)",
    ],
)
def test_text_built_from_another_workflows_value_is_a_foreign_value(
    compile_src: Compile, use: str
) -> None:
    src = (
        HEADER
        + f"""
LEAKED = []

@workflow
def a_first(fileLocation: str) -> dict:
    LEAKED.append(resize(fileLocation=fileLocation, width=1))
    return {{}}

@workflow
def b_second(fileLocation: str) -> dict:
    return {{"x": upload(fileLocation={use})}}
"""
    )
    result = compile_src(src)
    assert codes(result) == ["FD005"]
