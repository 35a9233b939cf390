"""Tracing: Python calls and values become IR tasks and references."""

from __future__ import annotations

import json

import pytest

from flowdsl.ir.nodes import Ref, Template

from .conftest import Compile, codes

HEADER = """
from typing import TypedDict
from pydantic import BaseModel
from flowdsl import task, workflow, Inputs

class Size(BaseModel):
    width: int
    height: int

class Recipe(BaseModel):
    outputFormat: str
    outputSize: Size

class Out(BaseModel):
    fileLocation: str
    meta: dict

@task
def resize(fileLocation: str, width: int = 0, extra: object = None) -> Out:
    return Out(fileLocation=fileLocation + "!", meta={})

@task
def count(items: list) -> int:
    return len(items)
"""


def at(source: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based (line, column) of the nth occurrence of needle in the module source."""
    import textwrap

    text = textwrap.dedent(source)
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def wf_json(result, name: str = "wf") -> dict:
    assert result.files is not None, [str(d.span) + " " + d.message for d in result.diagnostics]
    return json.loads(result.files[f"workflows/{name}.v1.json"])


def test_nested_workflow_input_and_output_references(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def wf(fileLocation: str, recipe: Recipe) -> dict:
    r = resize(fileLocation=fileLocation, width=recipe.outputSize.width)
    again = resize(fileLocation=r.fileLocation, extra=r.meta["k"][0])
    return {"loc": again.fileLocation, "all": r}
"""
    )
    doc = wf_json(result)
    first, second = doc["tasks"]
    assert first["inputParameters"] == {
        "fileLocation": "${workflow.input.fileLocation}",
        "width": "${workflow.input.recipe.outputSize.width}",
    }
    assert second["inputParameters"] == {
        "fileLocation": "${resize_ref.output.fileLocation}",
        "extra": "${resize_ref.output.meta.k[0]}",
    }
    assert doc["outputParameters"] == {
        "loc": "${resize_ref_2.output.fileLocation}",
        "all": "${resize_ref.output}",
    }
    assert doc["inputParameters"] == ["fileLocation", "recipe"]


def test_references_inside_containers(compile_src: Compile) -> None:
    doc = wf_json(
        compile_src(
            HEADER
            + """
@workflow
def wf(a: str, b: int) -> dict:
    resize(fileLocation=a, extra={"list": [a, {"deep": b}, 3, None, True], "n": 1.5})
    return {"pair": [a, b]}
"""
        )
    )
    assert doc["tasks"][0]["inputParameters"]["extra"] == {
        "list": ["${workflow.input.a}", {"deep": "${workflow.input.b}"}, 3, None, True],
        "n": 1.5,
    }
    assert doc["outputParameters"] == {"pair": ["${workflow.input.a}", "${workflow.input.b}"]}


def test_fstrings_format_concatenation_and_str(compile_src: Compile) -> None:
    doc = wf_json(
        compile_src(
            HEADER
            + """
@workflow
def wf(name: str, recipe: Recipe) -> dict:
    r = resize(fileLocation=f"s3://bucket/{name}.{recipe.outputFormat}")
    resize(fileLocation="{}/{}".format(r.fileLocation, name), extra="x-" + name + "-y")
    resize(fileLocation=str(name), extra="%s!" % name)
    return {}
"""
        )
    )
    inputs = [t["inputParameters"] for t in doc["tasks"]]
    assert inputs[0]["fileLocation"] == (
        "s3://bucket/${workflow.input.name}.${workflow.input.recipe.outputFormat}"
    )
    assert inputs[1] == {
        "fileLocation": "${resize_ref.output.fileLocation}/${workflow.input.name}",
        "extra": "x-${workflow.input.name}-y",
    }
    assert inputs[2] == {
        "fileLocation": "${workflow.input.name}",
        "extra": "${workflow.input.name}!",
    }


def test_fstring_becomes_a_template_in_the_ir(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def wf(name: str) -> dict:
    resize(fileLocation=f"a/{name}")
    return {}
"""
    )
    value = result.program.workflows[0].tasks[0].inputs["fileLocation"]
    assert isinstance(value, Template)
    assert value.parts[0] == "a/"
    assert isinstance(value.parts[1], Ref) and value.parts[1].expression == "${workflow.input.name}"


def test_literal_dollar_brace_is_escaped(compile_src: Compile) -> None:
    doc = wf_json(
        compile_src(
            HEADER
            + """
@workflow
def wf(name: str) -> dict:
    resize(fileLocation="${workflow.input.name}", extra={"js": "`${x}` and $${y}"})
    resize(fileLocation=f"${{literal}} {name}")
    return {"out": "${not.a.ref}"}
"""
        )
    )
    first, second = (t["inputParameters"] for t in doc["tasks"])
    assert first == {
        "fileLocation": "$${workflow.input.name}",
        "extra": {"js": "`$${x}` and $$${y}"},
    }
    assert second == {"fileLocation": "$${literal} ${workflow.input.name}"}
    assert doc["outputParameters"] == {"out": "$${not.a.ref}"}


def test_dollar_right_before_a_reference_is_reported(compile_src: Compile) -> None:
    src = (
        HEADER
        + """
@workflow
def wf(price: str) -> dict:
    resize(fileLocation=f"cost: ${price}")
    return {}
"""
    )
    result = compile_src(src)
    assert codes(result) == ["FD503"]
    span = result.diagnostics[0].span
    # Python 3.11 places a formatted value at its f-string; later versions at the name.
    assert (span.line, span.column) in (at(src, 'f"cost'), at(src, "price}"))


def test_inputs_model_fields_are_workflow_inputs(compile_src: Compile) -> None:
    doc = wf_json(
        compile_src(
            HEADER
            + """
class In(Inputs):
    fileLocation: str
    width: int = 300

@workflow
def wf(inp: In) -> dict:
    return {"r": resize(fileLocation=inp.fileLocation, width=inp.width).fileLocation}
"""
        )
    )
    assert doc["inputParameters"] == ["fileLocation", "width"]
    assert doc["inputTemplate"] == {"width": 300}
    assert doc["tasks"][0]["inputParameters"]["fileLocation"] == "${workflow.input.fileLocation}"


def test_parameter_defaults_become_input_template(compile_src: Compile) -> None:
    doc = wf_json(
        compile_src(
            HEADER
            + """
@workflow(input_template={"b": "explicit"})
def wf(a: str, b: str = "x", c: int = 3) -> dict:
    resize(fileLocation=a)
    return {}
"""
        )
    )
    assert doc["inputTemplate"] == {"b": "explicit", "c": 3}


def test_scalar_return_is_the_result_key(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def wf(items: list) -> dict:
    n = count(items=items)
    resize(fileLocation=f"{n} items", width=n)
    return {"n": n}
"""
    )
    doc = wf_json(result)
    assert doc["tasks"][1]["inputParameters"] == {
        "fileLocation": "${count_ref.output.result} items",
        "width": "${count_ref.output.result}",
    }
    assert doc["outputParameters"] == {"n": "${count_ref.output.result}"}
    assert json.loads(result.files["tasks/count.json"])["outputKeys"] == ["result"]


def test_outputs_from_typeddict_model_handle_and_dataclass(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
from dataclasses import dataclass

class O(TypedDict):
    loc: str

@dataclass
class D:
    loc: object

@workflow
def wf(a: str) -> O:
    return O(loc=resize(fileLocation=a).fileLocation)

@workflow
def wf2(a: str) -> Out:
    return resize(fileLocation=a)

@workflow
def wf3(a: str) -> D:
    resize(fileLocation=a)
    return D(loc=a)
"""
    )
    assert wf_json(result)["outputParameters"] == {"loc": "${resize_ref.output.fileLocation}"}
    assert wf_json(result, "wf2")["outputParameters"] == {
        "fileLocation": "${resize_ref.output.fileLocation}",
        "meta": "${resize_ref.output.meta}",
    }
    assert wf_json(result, "wf3")["outputParameters"] == {"loc": "${workflow.input.a}"}


def test_python_loops_and_helpers_build_tasks(compile_src: Compile) -> None:
    doc = wf_json(
        compile_src(
            HEADER
            + """
def step(loc):
    return resize(fileLocation=loc).fileLocation

@workflow
def wf(a: str) -> dict:
    loc = a
    for _ in range(3):
        loc = step(loc)
    return {"final": loc}
"""
        )
    )
    refs = [t["taskReferenceName"] for t in doc["tasks"]]
    assert refs == ["resize_ref", "resize_ref_2", "resize_ref_3"]
    assert (
        doc["tasks"][2]["inputParameters"]["fileLocation"] == "${resize_ref_2.output.fileLocation}"
    )
    assert doc["outputParameters"] == {"final": "${resize_ref_3.output.fileLocation}"}


def test_locations_point_at_the_users_code_through_helpers(compile_src: Compile) -> None:
    src = (
        HEADER
        + """
def helper(loc):
    return resize(fileLocation=loc, widht=1)

@workflow
def wf(a: str) -> dict:
    r = helper(a)
    return {"x": r.fileLocation}
"""
    )
    result = compile_src(src)
    assert codes(result) == ["FD106"]
    d = result.diagnostics[0]
    assert d.span.file.endswith(".py") and (d.span.line, d.span.column) == at(src, "widht=1")
    assert "widht" in d.message and d.hint == "did you mean `width`?"
    task = result.program.workflows[0].tasks[0]
    assert (task.span.line, task.span.column) == at(src, "resize(fileLocation=loc")
    out_ref = result.program.workflows[0].outputs["x"]
    assert (out_ref.span.line, out_ref.span.column) == at(src, "r.fileLocation}")


def test_reference_spans_and_keyword_spans(compile_src: Compile) -> None:
    src = (
        HEADER
        + """
@workflow
def wf(a: str, recipe: Recipe) -> dict:
    resize(
        fileLocation=a,
        width=recipe.outputSize.width,
    )
    return {}
"""
    )
    result = compile_src(src)
    task = result.program.workflows[0].tasks[0]
    assert (task.input_spans["width"].line, task.input_spans["width"].column) == at(src, "width=")
    width_ref = task.inputs["width"]
    assert (width_ref.span.line, width_ref.span.column) == at(src, "recipe.outputSize.width")
    # A bare workflow input takes the span of the keyword it is passed to.
    file_ref = task.inputs["fileLocation"]
    assert (file_ref.span.line, file_ref.span.column) == at(src, "fileLocation=a")


def test_missing_and_unknown_arguments_are_findings(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def wf(a: str) -> dict:
    resize(width=1, colour="red")
    resize(a, 2, 3, 4)
    return {}
"""
    )
    messages = sorted(d.message for d in result.diagnostics)
    assert sorted(codes(result)) == ["FD002", "FD106", "FD107"]
    assert messages == [
        "`resize` is missing required input `fileLocation`",
        "`resize` takes 3 positional inputs, 4 were given",
        "`resize` takes no input `colour`",
    ]
    assert result.files is None


@pytest.mark.parametrize(
    ("statement", "fragment", "hint_word"),
    [
        ("if r.fileLocation:\n        pass", "condition", "SWITCH"),
        ("for x in r.meta:\n        pass", "Iterating", "FORK_JOIN_DYNAMIC"),
        ("a, b = r.meta", "Iterating", "FORK_JOIN_DYNAMIC"),
        ("len(r.meta)", "len()", "INLINE"),
        ("'x' in r.meta", "`in`", "SWITCH"),
        ("[1, 2][r.meta]", "Indexing", "INLINE"),
        ("r.meta[r.fileLocation]", "Indexing", "INLINE"),
        ("if r.fileLocation == 'a':\n        pass", "condition on runtime values", "when"),
        ("x = r.fileLocation < 'a' and True", "condition on runtime values", "when"),
        ("while r.fileLocation != 'a':\n        pass", "condition on runtime values", "when"),
        ("r.meta + 1", "Arithmetic", "INLINE"),
        ("{r.fileLocation: 1}", "dict key", "literal keys"),
        ("int(r.meta)", "`int()`", "INLINE"),
        ("f'{r.meta:>10}'", "format specification", "INLINE"),
        ("not r.meta", "condition", "SWITCH"),
    ],
)
def test_refused_python_operations(
    compile_src: Compile, statement: str, fragment: str, hint_word: str
) -> None:
    src = (
        HEADER
        + f"""
@workflow
def wf(a: str) -> dict:
    r = resize(fileLocation=a)
    {statement}
    return {{}}
"""
    )
    result = compile_src(src)
    assert codes(result) == ["FD001"], [d.message for d in result.diagnostics]
    d = result.diagnostics[0]
    assert fragment in d.message
    assert hint_word in (d.hint or "")
    assert d.span.line == at(src, statement.splitlines()[0])[0]
    assert result.files is None


def test_unsupported_values_are_findings(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def wf(a: str) -> dict:
    resize(fileLocation=a, extra={1, 2})
    resize(fileLocation=a, extra={1: "x"})
    resize(fileLocation=a, extra=float("nan"))
    return {}
"""
    )
    assert codes(result) == ["FD003"] * 3


def test_exception_in_workflow_body_is_a_finding_at_its_line(compile_src: Compile) -> None:
    src = (
        HEADER
        + """
@workflow
def wf(a: str) -> dict:
    resize(fileLocation=a)
    raise ValueError("boom")
"""
    )
    result = compile_src(src)
    assert codes(result) == ["FD004"]
    assert result.diagnostics[0].span.line == at(src, "raise ValueError")[0]
    assert "ValueError: boom" in result.diagnostics[0].message


def test_calling_a_task_outside_a_workflow_runs_its_body() -> None:
    from flowdsl import task

    @task(retry_count=1)
    def double(x: int) -> int:
        return 2 * x

    assert double(x=21) == 42
    assert double.__name__ == "double"


def test_calling_a_workflow_inside_a_workflow_is_refused(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def child(a: str) -> dict:
    return {"x": resize(fileLocation=a).fileLocation}

@workflow
def wf(a: str) -> dict:
    child(a)
    return {}
"""
    )
    assert codes(result) == ["FD001"]
    assert "sub_workflow" in (result.diagnostics[0].hint or "")
