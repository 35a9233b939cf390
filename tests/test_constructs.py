"""The constructs: the JSON each emits, nesting, and the findings for misuse."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Compile, codes

HEADER = """
from typing import TypedDict
from pydantic import BaseModel
from flowdsl import (
    task, workflow, fork, switch, when, do_while, dynamic_fork, sub_workflow, is_in, is_null,
    js, Inputs, FailureInputs,
)

class Img(BaseModel):
    fileLocation: str

class Recipe(BaseModel):
    format: str
    width: int
    height: int

class Out(TypedDict):
    fileLocation: str

@task
def resize(fileLocation: str, outputFormat: str, outputWidth: int, outputHeight: int) -> Img:
    return Img(fileLocation=fileLocation)

@task
def upload(fileLocation: str) -> Img:
    return Img(fileLocation=fileLocation)

@task
def count(n: int) -> int:
    return n

@workflow
def one(fileLocation: str, fmt: str = "jpg") -> Out:
    r = resize(fileLocation=fileLocation, outputFormat=fmt, outputWidth=1, outputHeight=1)
    return {"fileLocation": upload(fileLocation=r.fileLocation).fileLocation}
"""


def compiled(compile_src: Compile, body: str, name: str = "wf") -> dict[str, Any]:
    result = compile_src(HEADER + body)
    assert not result.errors, [f"{d.code} {d.message}" for d in result.diagnostics]
    assert result.files is not None
    return dict(json.loads(result.files[f"workflows/{name}.v1.json"]))


def tasks_by_ref(wf: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}

    def walk(tasks: list[dict[str, Any]]) -> None:
        for t in tasks:
            found[t["taskReferenceName"]] = t
            for branch in t.get("forkTasks", []):
                walk(branch)
            for case in t.get("decisionCases", {}).values():
                walk(case)
            walk(t.get("defaultCase", []))
            walk(t.get("loopOver", []))

    walk(wf["tasks"])
    return found


# -- fork -----------------------------------------------------------------------------------


def test_fork_emits_fork_join_and_a_join_on_each_branch_tail(compile_src: Compile) -> None:
    wf = compiled(
        compile_src,
        """
@workflow
def wf(fileLocation: str) -> dict:
    jpg, webp = fork(
        lambda: upload(fileLocation=resize(
            fileLocation=fileLocation, outputFormat="jpg", outputWidth=1, outputHeight=1
        ).fileLocation),
        lambda: resize(fileLocation=fileLocation, outputFormat="webp", outputWidth=1,
                       outputHeight=1),
        ref="convert",
    )
    return {"jpg": jpg.fileLocation, "webp": webp.fileLocation}
""",
    )
    fork_task, join = wf["tasks"]
    assert fork_task["type"] == "FORK_JOIN"
    assert fork_task["taskReferenceName"] == "convert"
    assert [[t["taskReferenceName"] for t in b] for b in fork_task["forkTasks"]] == [
        ["resize_ref", "upload_ref"],
        ["resize_ref_2"],
    ]
    assert join == {
        "name": "join",
        "taskReferenceName": "convert_join",
        "inputParameters": {},
        "type": "JOIN",
        "joinOn": ["upload_ref", "resize_ref_2"],
    }
    assert wf["outputParameters"] == {
        "jpg": "${upload_ref.output.fileLocation}",
        "webp": "${resize_ref_2.output.fileLocation}",
    }


def test_a_branch_ending_in_a_switch_gets_a_task_that_completes_last(
    compile_src: Compile,
) -> None:
    # A SWITCH completes before its case does; a JOIN on a task inside a case would wait
    # forever when another case is taken. So the branch ends in a NOOP after the switch.
    wf = compiled(
        compile_src,
        """
def only_upload() -> None:
    upload(fileLocation="a")

@workflow
def wf(fileLocation: str, fmt: str) -> dict:
    fork(
        lambda: switch(fmt, {"a": only_upload}),
        lambda: upload(fileLocation="b"),
    )
    return {}
""",
    )
    fork_task, join = wf["tasks"]
    first = fork_task["forkTasks"][0]
    assert [t["type"] for t in first] == ["SWITCH", "NOOP"]
    assert join["joinOn"] == [first[-1]["taskReferenceName"], "upload_ref_2"]
    assert first[-1]["taskReferenceName"] == "switch_ref_done"


def test_nesting_fork_in_fork_switch_in_fork_sub_workflow_in_fork(compile_src: Compile) -> None:
    wf = compiled(
        compile_src,
        """
@workflow
def wf(fileLocation: str, fmt: str) -> dict:
    (a, b), c, d = fork(
        lambda: fork(lambda: count(n=1), lambda: count(n=2)),
        lambda: when(fmt == "x", lambda: count(n=3), lambda: count(n=4)),
        lambda: sub_workflow(one, fileLocation=fileLocation),
    )
    return {"a": a, "b": b, "c": c, "d": d.fileLocation}
""",
    )
    refs = tasks_by_ref(wf)
    outer = wf["tasks"][0]
    inner = outer["forkTasks"][0]
    assert [t["type"] for t in inner] == ["FORK_JOIN", "JOIN"]
    assert [t["type"] for t in outer["forkTasks"][1]] == ["SWITCH", "INLINE"]
    assert outer["forkTasks"][2][0]["subWorkflowParam"] == {"name": "one", "version": 1}
    assert wf["tasks"][1]["joinOn"] == ["fork_ref_2_join", "switch_ref_value", "one_ref"]
    assert wf["outputParameters"] == {
        "a": "${count_ref.output.result}",
        "b": "${count_ref_2.output.result}",
        "c": "${switch_ref_value.output.result}",
        "d": "${one_ref.output.fileLocation}",
    }
    assert refs["fork_ref_2_join"]["joinOn"] == ["count_ref", "count_ref_2"]


def test_fork_misuse_is_a_finding(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def wf(fileLocation: str) -> dict:
    fork(lambda: count(n=1), lambda: fileLocation)
    return {}
"""
    )
    assert codes(result) == ["FD008"]
    assert "branch 1 of fork `fork_ref` records no task" in result.diagnostics[0].message
    result = compile_src(
        HEADER
        + """
@workflow
def wf(fileLocation: str) -> dict:
    fork(count(n=1))
    return {}
"""
    )
    assert codes(result) == ["FD008"]
    assert "must be a function" in result.diagnostics[0].message


# -- switch and conditions -------------------------------------------------------------------


def test_switch_on_a_value_with_cases_default_and_one_value_after(compile_src: Compile) -> None:
    wf = compiled(
        compile_src,
        """
@workflow
def wf(fmt: str) -> dict:
    picked = switch(
        fmt,
        {"jpg": lambda: upload(fileLocation="a"), 2: lambda: upload(fileLocation="b"),
         True: lambda: upload(fileLocation="c")},
        default=lambda: upload(fileLocation="d"),
        ref="by_format",
    )
    return {"file": picked.fileLocation}
""",
    )
    switch_task, merge = wf["tasks"]
    assert switch_task["evaluatorType"] == "value-param"
    assert switch_task["expression"] == "switchCaseValue"
    assert switch_task["inputParameters"] == {"switchCaseValue": "${workflow.input.fmt}"}
    assert list(switch_task["decisionCases"]) == ["jpg", "2", "true"]
    assert switch_task["defaultCase"][0]["taskReferenceName"] == "upload_ref_4"
    assert merge["type"] == "INLINE"
    assert merge["taskReferenceName"] == "by_format_value"
    inputs = merge["inputParameters"]
    assert inputs["selectedCase"] == "${by_format.output.selectedCase}"
    assert [inputs[k] for k in ("case0", "case1", "case2", "otherwise")] == [
        "${upload_ref.output}",
        "${upload_ref_2.output}",
        "${upload_ref_3.output}",
        "${upload_ref_4.output}",
    ]
    assert "${" not in inputs["expression"]
    assert wf["outputParameters"] == {"file": "${by_format_value.output.result.fileLocation}"}


def test_switch_cases_without_values_need_no_merge(compile_src: Compile) -> None:
    wf = compiled(
        compile_src,
        """
def only_upload() -> None:
    upload(fileLocation="a")

@workflow
def wf(fmt: str) -> dict:
    switch(fmt, {"a": only_upload})
    return {}
""",
    )
    assert [t["type"] for t in wf["tasks"]] == ["SWITCH"]


def test_switch_returning_tuples_gives_a_tuple_of_values(compile_src: Compile) -> None:
    wf = compiled(
        compile_src,
        """
@workflow
def wf(fmt: str) -> dict:
    a, b = switch(
        fmt,
        {"x": lambda: (count(n=1), count(n=2))},
        default=lambda: (count(n=3), count(n=4)),
    )
    return {"a": a, "b": b}
""",
    )
    assert wf["outputParameters"] == {
        "a": "${switch_ref_value.output.result[0]}",
        "b": "${switch_ref_value.output.result[1]}",
    }


def test_when_renders_the_condition_with_every_value_passed_as_an_input(
    compile_src: Compile,
) -> None:
    wf = compiled(
        compile_src,
        """
@workflow
def wf(fmt: str, size: int, tag: str) -> dict:
    r = count(n=size)
    when(
        ((r > 10) & ~is_null(tag)) | is_in(fmt, ["jpg", "png"]) | (tag == None),
        lambda: count(n=1),
        lambda: count(n=2),
    )
    return {}
""",
    )
    switch_task = wf["tasks"][1]
    assert switch_task["evaluatorType"] == "graaljs"
    assert switch_task["inputParameters"] == {
        "v0": "${count_ref.output.result}",
        "v1": "${workflow.input.tag}",
        "v2": "${workflow.input.fmt}",
    }
    assert switch_task["expression"] == (
        '((((($["v0"] > 10) && !($["v1"] == null)) || (($["v2"] === "jpg") || '
        '($["v2"] === "png"))) || ($["v1"] == null))) ? \'true\' : \'false\''
    )
    assert list(switch_task["decisionCases"]) == ["true"]
    assert "${" not in switch_task["expression"]


def test_raw_javascript_with_bindings(compile_src: Compile) -> None:
    wf = compiled(
        compile_src,
        """
@workflow
def wf(size: int) -> dict:
    switch(js("$.size > 1024 ? 'big' : 'small'", size=size),
           {"big": lambda: count(n=1), "small": lambda: count(n=2)})
    return {}
""",
    )
    switch_task = wf["tasks"][0]
    assert switch_task["expression"] == "$.size > 1024 ? 'big' : 'small'"
    assert switch_task["inputParameters"] == {"size": "${workflow.input.size}"}


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        ("switch(fmt, {1.5: lambda: count(n=1)})", "case key must be"),
        ("switch(fmt, {})", "non-empty dict"),
        ('switch(fmt, {1: lambda: count(n=1), "1": lambda: count(n=2)})', "given twice"),
        ("when(True, lambda: count(n=1))", "condition on runtime values"),
        ("when(fmt == {'a': 1}, lambda: count(n=1))", "cannot compare"),
    ],
)
def test_switch_misuse_is_a_finding(compile_src: Compile, call: str, fragment: str) -> None:
    result = compile_src(
        HEADER
        + f"""
@workflow
def wf(fmt: str) -> dict:
    {call}
    return {{}}
"""
    )
    assert len(result.errors) == 1, [d.message for d in result.diagnostics]
    assert fragment in result.errors[0].message


def test_python_if_on_a_condition_is_refused(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def wf(fmt: str) -> dict:
    if fmt == "jpg" and fmt != "png":
        count(n=1)
    return {}
"""
    )
    assert codes(result) == ["FD001"]
    assert "flowdsl.when" in (result.diagnostics[0].hint or "")


# -- do_while -------------------------------------------------------------------------------


def test_do_while_condition_reads_its_body_and_its_iteration(compile_src: Compile) -> None:
    wf = compiled(
        compile_src,
        """
@workflow
def wf(limit: int) -> dict:
    last = do_while(
        lambda loop: count(n=loop.iteration),
        condition=lambda loop, c: (loop.iteration < limit) & (c != 50),
        keep_last_n=5,
        ref="repeat",
    )
    return {"last": last}
""",
    )
    (loop,) = wf["tasks"]
    assert loop["type"] == "DO_WHILE"
    assert loop["loopCondition"] == (
        '(($["repeat"]["iteration"] < $["v0"]) && ($["count_ref"]["result"] !== 50))'
    )
    assert loop["inputParameters"] == {"keepLastN": 5, "v0": "${workflow.input.limit}"}
    assert loop["loopOver"][0]["inputParameters"] == {"n": "${repeat.output.iteration}"}
    assert wf["outputParameters"] == {"last": "${count_ref.output.result}"}


def test_do_while_over_items(compile_src: Compile) -> None:
    wf = compiled(
        compile_src,
        """
@workflow
def wf(recipes: list[Recipe], fileLocation: str) -> dict:
    do_while(
        lambda loop: resize(fileLocation=fileLocation, outputFormat=loop.item.format,
                            outputWidth=loop.item.width, outputHeight=loop.index),
        items=recipes,
    )
    return {}
""",
    )
    (loop,) = wf["tasks"]
    assert loop["items"] == "${workflow.input.recipes}"
    assert loop["loopCondition"] == ""
    assert loop["loopOver"][0]["inputParameters"] == {
        "fileLocation": "${workflow.input.fileLocation}",
        "outputFormat": "${loop_ref.output.loopItem.format}",
        "outputWidth": "${loop_ref.output.loopItem.width}",
        "outputHeight": "${loop_ref.output.loopIndex}",
    }


def test_fork_inside_a_do_while(compile_src: Compile) -> None:
    wf = compiled(
        compile_src,
        """
@workflow
def wf() -> dict:
    do_while(lambda loop: fork(lambda: count(n=1), lambda: count(n=2)),
             condition=lambda loop, _: loop.iteration < 2)
    return {}
""",
    )
    assert [t["type"] for t in wf["tasks"][0]["loopOver"]] == ["FORK_JOIN", "JOIN"]


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        ("do_while(lambda loop: count(n=1))", "needs a condition, items, or both"),
        ("do_while(lambda loop: None, condition=lambda l, r: l.iteration < 2)", "records no task"),
        ("do_while(lambda loop: count(n=1), condition=lambda l, r: True)", "must be a condition"),
        ("do_while(lambda loop: count(n=1), items=[1], keep_last_n=0)", "keep_last_n"),
    ],
)
def test_do_while_misuse_is_a_finding(compile_src: Compile, call: str, fragment: str) -> None:
    result = compile_src(
        HEADER
        + f"""
@workflow
def wf() -> dict:
    {call}
    return {{}}
"""
    )
    assert len(result.errors) == 1, [d.message for d in result.diagnostics]
    assert fragment in result.errors[0].message


# -- dynamic fork -----------------------------------------------------------------------------


def test_dynamic_fork_maps_items_to_inputs_with_a_jq_step(compile_src: Compile) -> None:
    wf = compiled(
        compile_src,
        """
@workflow
def wf(fileLocation: str, recipes: list[Recipe]) -> dict:
    results = dynamic_fork(
        resize,
        recipes,
        lambda r: {"fileLocation": fileLocation, "outputFormat": r.format,
                   "outputWidth": r.width, "outputHeight": r["height"]},
    )
    return {"all": results}
""",
    )
    prepare, fork_task, join = wf["tasks"]
    assert prepare["type"] == "JSON_JQ_TRANSFORM"
    assert prepare["inputParameters"] == {
        "queryExpression": (
            '.o0 as $o0 | [.items[] as $it | {"fileLocation": $o0, "outputFormat": '
            '$it["format"], "outputWidth": $it["width"], "outputHeight": $it["height"]}]'
        ),
        "items": "${workflow.input.recipes}",
        "o0": "${workflow.input.fileLocation}",
    }
    assert fork_task["type"] == "FORK_JOIN_DYNAMIC"
    assert fork_task["inputParameters"] == {
        "forkTaskName": "resize",
        "forkTaskInputs": "${dynamic_fork_ref_inputs.output.result}",
    }
    assert join["type"] == "JOIN"
    assert wf["outputParameters"] == {"all": "${dynamic_fork_ref_join.output}"}


def test_dynamic_fork_without_mapping_passes_items_as_inputs(compile_src: Compile) -> None:
    wf = compiled(
        compile_src,
        """
@workflow
def wf(files: list[dict]) -> dict:
    return {"all": dynamic_fork(upload, files)}
""",
    )
    assert [t["type"] for t in wf["tasks"]] == ["FORK_JOIN_DYNAMIC", "JOIN"]
    assert wf["tasks"][0]["inputParameters"] == {
        "forkTaskName": "upload",
        "forkTaskInputs": "${workflow.input.files}",
    }


def test_dynamic_fork_of_a_workflow_runs_sub_workflows(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def wf(files: list[dict]) -> dict:
    return {"all": dynamic_fork(one, files, lambda f: {"fileLocation": f.path})}
"""
    )
    assert not result.errors, [d.message for d in result.diagnostics]
    assert result.files is not None
    assert "workflows/one.v1.json" in result.files  # the child is compiled too
    wf = json.loads(result.files["workflows/wf.v1.json"])
    assert wf["tasks"][1]["inputParameters"] == {
        "forkTaskName": "one",
        "forkTaskWorkflow": "one",
        "forkTaskWorkflowVersion": "1",
        "forkTaskInputs": "${dynamic_fork_ref_inputs.output.result}",
    }


def test_classic_dynamic_fork(compile_src: Compile) -> None:
    wf = compiled(
        compile_src,
        """
class Plan(BaseModel):
    dynamicTasks: list[dict]
    dynamicTasksInput: dict

@task
def plan(fileLocation: str) -> Plan:
    ...

@workflow
def wf(fileLocation: str) -> dict:
    p = plan(fileLocation=fileLocation)
    return {"all": dynamic_fork(tasks=p.dynamicTasks, inputs=p.dynamicTasksInput)}
""",
    )
    fork_task = wf["tasks"][1]
    assert fork_task["dynamicForkTasksParam"] == "dynamicTasks"
    assert fork_task["dynamicForkTasksInputParamName"] == "dynamicTasksInput"
    assert fork_task["inputParameters"] == {
        "dynamicTasks": "${plan_ref.output.dynamicTasks}",
        "dynamicTasksInput": "${plan_ref.output.dynamicTasksInput}",
    }


@pytest.mark.parametrize(
    ("mapping", "code", "fragment"),
    [
        (
            '{"fileLocaton": r.f, "outputFormat": "x", "outputWidth": 1, "outputHeight": 1}',
            "FD106",
            "has no input `fileLocaton`",
        ),
        ('{"fileLocation": r.f, "outputFormat": "x"}', "FD107", "`outputHeight`, `outputWidth`"),
    ],
)
def test_dynamic_fork_mapping_is_checked_against_the_task(
    compile_src: Compile, mapping: str, code: str, fragment: str
) -> None:
    result = compile_src(
        HEADER
        + f"""
@workflow
def wf(files: list[dict]) -> dict:
    return {{"all": dynamic_fork(resize, files, lambda r: {mapping})}}
"""
    )
    assert codes(result) == [code]
    assert fragment in result.diagnostics[0].message


# -- sub-workflows --------------------------------------------------------------------------


def test_sub_workflow_compiles_the_child_and_reads_its_outputs(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def wf(fileLocation: str) -> dict:
    out = sub_workflow(one.options(ref="convert", task_to_domain={"*": "gpu"}),
                       fileLocation=fileLocation, fmt="webp")
    return {"file": out.fileLocation}
"""
    )
    assert not result.errors
    assert result.files is not None
    assert sorted(result.files) == [
        "tasks/resize.json",
        "tasks/upload.json",
        "workflows/one.v1.json",
        "workflows/wf.v1.json",
    ]
    wf = json.loads(result.files["workflows/wf.v1.json"])
    assert wf["tasks"] == [
        {
            "name": "one",
            "taskReferenceName": "convert",
            "inputParameters": {"fileLocation": "${workflow.input.fileLocation}", "fmt": "webp"},
            "type": "SUB_WORKFLOW",
            "subWorkflowParam": {"name": "one", "version": 1, "taskToDomain": {"*": "gpu"}},
        }
    ]
    assert wf["outputParameters"] == {"file": "${convert.output.fileLocation}"}


def test_inline_sub_workflow_embeds_the_definition(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def wf(fileLocation: str) -> dict:
    return {"file": sub_workflow(one.options(inline=True), fileLocation=fileLocation).fileLocation}
"""
    )
    assert not result.errors
    assert result.files is not None
    # (`one` is compiled on its own too only because it is a workflow of this module.)
    assert "tasks/resize.json" in result.files
    wf = json.loads(result.files["workflows/wf.v1.json"])
    definition = wf["tasks"][0]["subWorkflowParam"]["workflowDefinition"]
    assert definition["name"] == "one"
    assert [t["name"] for t in definition["tasks"]] == ["resize", "upload"]


def test_sub_workflow_by_name(compile_src: Compile) -> None:
    wf = compiled(
        compile_src,
        """
@workflow
def wf(fileLocation: str, v: int) -> dict:
    out = sub_workflow("registered_elsewhere", version=v, inputs={"fileLocation": fileLocation})
    return {"x": out.anything}
""",
    )
    assert wf["tasks"][0]["subWorkflowParam"] == {
        "name": "registered_elsewhere",
        "version": "${workflow.input.v}",
    }


def test_sub_workflow_inputs_and_outputs_are_checked_against_the_child(
    compile_src: Compile,
) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def wf(fileLocation: str) -> dict:
    out = sub_workflow(one, fileLocaton=fileLocation)
    return {"file": out.fileLocaton}
"""
    )
    assert sorted(codes(result)) == ["FD103", "FD108", "FD108"]
    messages = sorted(d.message for d in result.diagnostics)
    assert "workflow `one` is missing required input `fileLocation`" in messages
    assert "workflow `one` takes no input `fileLocaton`" in messages


def test_sub_workflow_recursion_is_reported(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
@workflow
def ping(n: int) -> dict:
    return {"x": sub_workflow(pong, n=n)}

@workflow
def pong(n: int) -> dict:
    return {"x": sub_workflow(ping, n=n)}
"""
    )
    assert "FD310" in codes(result)


def test_failure_workflow_is_compiled_and_named(compile_src: Compile) -> None:
    result = compile_src(
        HEADER
        + """
class Failed(FailureInputs):
    fileLocation: str

@workflow
def cleanup(inp: Failed) -> dict:
    return {"why": upload(fileLocation=inp.fileLocation).fileLocation, "id": inp.workflowId}

@workflow(failure_workflow=cleanup)
def wf(fileLocation: str) -> dict:
    return {"x": upload(fileLocation=fileLocation).fileLocation}
"""
    )
    assert not result.errors, [d.message for d in result.diagnostics]
    assert result.files is not None
    wf = json.loads(result.files["workflows/wf.v1.json"])
    assert wf["failureWorkflow"] == "cleanup"
    cleanup = json.loads(result.files["workflows/cleanup.v1.json"])
    assert "failedWorkflow" in cleanup["inputParameters"]


def test_constructs_outside_a_workflow_say_so() -> None:
    from flowdsl import fork
    from flowdsl.errors import TraceError

    with pytest.raises(TraceError, match="only works inside a @workflow"):
        fork(lambda: None)


def test_decorator_and_option_values_are_checked_strictly(compile_src: Compile) -> None:
    result = compile_src(
        """
from flowdsl import task, workflow

@task(retry_count=True, timeout_seconds="30", name=123)
def upload(fileLocation: str) -> str:
    return "x"

@task
def other(fileLocation: str) -> str:
    return "x"

@workflow(version=True, variables={"a": {1, 2}}, input_template={"d": float("nan")})
def w(fileLocation: str) -> dict:
    return {"x": upload(fileLocation=fileLocation),
            "y": other.options(ref=5)(fileLocation=fileLocation)}
"""
    )
    found = sorted((d.code, d.message) for d in result.diagnostics)
    assert found == [
        ("FD003", "`name` must be a string, not int 123"),
        ("FD003", "`ref` must be a string, not int 5"),
        ("FD003", "`version` must be an integer, not bool True"),
        ("FD003", "a set has no Conductor JSON form"),
        ("FD003", "the float nan has no JSON form"),
        (
            "FD404",
            "task definition `upload`: `retry_count` (retryCount): must be an integer, not True",
        ),
        (
            "FD404",
            "task definition `upload`: `timeout_seconds` (timeoutSeconds): must be an "
            "integer, not '30'",
        ),
    ]
    assert all(d.span is not None and d.span.line is not None for d in result.diagnostics)
    assert result.files is None
