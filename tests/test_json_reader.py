"""Conductor JSON -> IR (flowdsl.frontends.json_reader)."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from flowdsl.diagnostics import (
    ConflictingTaskDefinitions,
    Diagnostic,
    DuplicateWorkflow,
    FieldValueInvalid,
    LiteralNeedsEscape,
    MalformedExpression,
)
from flowdsl.emit.conductor import resolved_value, workflow_json
from flowdsl.errors import LoadError
from flowdsl.frontends.json_reader import is_task_def, is_workflow_def, read_json_targets
from flowdsl.ir.nodes import BlockKey, Program, Ref, Span, Template, Workflow
from flowdsl.jsonsource import JsonDocument, resolve_spans

SEED = Path(__file__).parent / "data" / "seed_004"


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def read(*targets: Path | str) -> tuple[Program, list[Diagnostic]]:
    return read_json_targets([str(t) for t in targets])


def read_one(tmp_path: Path, data: Any) -> tuple[Workflow, list[Diagnostic]]:
    program, diagnostics = read(write(tmp_path / "wf.json", data))
    (workflow,) = program.workflows
    return workflow, diagnostics


def simple(ref: str, **extra: Any) -> dict[str, Any]:
    return {"name": ref, "taskReferenceName": ref, "type": "SIMPLE", "inputParameters": {}, **extra}


def found(diagnostics: list[Diagnostic]) -> list[tuple[str, str | None]]:
    return [(d.code, d.span.pointer if d.span else None) for d in diagnostics]


# -- the seed ---------------------------------------------------------------------------------


def test_seed_workflow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SEED.parents[2])
    program, diagnostics = read("tests/data/seed_004")
    assert diagnostics == []
    assert program.files == [
        "tests/data/seed_004/taskdefs.json",
        "tests/data/seed_004/workflow.json",
    ]
    (wf,) = program.workflows
    file = "tests/data/seed_004/workflow.json"
    assert (wf.name, wf.version, wf.description) == (
        "image_convert_resize",
        1,
        "Image Processing Workflow",
    )
    assert wf.inputs is None
    assert wf.span == Span(file, pointer="")
    assert wf.outputs == {"fileLocation": Ref("upload_toS3_ref", "output", ("fileLocation",))}
    assert wf.output_spans == {"fileLocation": Span(file, pointer="/outputParameters/fileLocation")}
    assert wf.fields == {
        "schemaVersion": 2,
        "restartable": True,
        "workflowStatusListenerEnabled": True,
        "ownerEmail": "devrel@orkes.io",
        "timeoutPolicy": "ALERT_ONLY",
        "timeoutSeconds": 0,
        "variables": {},
        "inputTemplate": {},
    }
    assert wf.field_spans["ownerEmail"] == Span(file, pointer="/ownerEmail")

    resize, upload = wf.tasks
    assert (resize.name, resize.ref, resize.type) == (
        "image_convert_resize",
        "image_convert_resize_ref",
        "SIMPLE",
    )
    assert resize.inputs == {
        "fileLocation": Ref("workflow", "input", ("fileLocation",)),
        "outputFormat": Ref("workflow", "input", ("recipeParameters", "outputFormat")),
        "outputWidth": Ref("workflow", "input", ("recipeParameters", "outputSize", "width")),
        "outputHeight": Ref("workflow", "input", ("recipeParameters", "outputSize", "height")),
    }
    assert upload.span == Span(file, pointer="/tasks/1")
    ref = upload.inputs["fileLocation"]
    assert ref == Ref("image_convert_resize_ref", "output", ("fileLocation",))
    assert ref.span == Span(file, pointer="/tasks/1/inputParameters/fileLocation")
    assert upload.input_spans == {"fileLocation": ref.span}
    assert upload.fields == {
        "startDelay": 0,
        "joinOn": [],
        "optional": False,
        "defaultExclusiveJoinTask": [],
        "asyncComplete": False,
    }
    # Empty lists are kept as empty blocks; `{}` and `[]` hold no block at all.
    assert upload.blocks == {BlockKey("defaultCase"): [], BlockKey("loopOver"): []}
    assert set(upload.field_spans) == set(
        json.loads((SEED / "workflow.json").read_text())["tasks"][1]
    )

    resize_def = program.task_defs["image_convert_resize"]
    assert resize_def.input_keys == ("fileLocation", "outputFormat", "outputWidth", "outputHeight")
    assert resize_def.output_keys == ("fileLocation",)
    assert resize_def.fields["responseTimeoutSeconds"] == 60
    assert resize_def.span == Span("tests/data/seed_004/taskdefs.json", pointer="/0")
    assert resize_def.origin is None
    upload_def = program.task_defs["upload_toS3_ref"]
    assert upload_def.output_keys == ("s3Url",)
    assert upload_def.field_spans["outputKeys"] == Span(
        "tests/data/seed_004/taskdefs.json", pointer="/1/outputKeys"
    )

    # The position of the output the post gets wrong.
    (resolved,) = resolve_spans([MalformedExpression("x", wf.outputs["fileLocation"].span)])
    assert resolved.span is not None
    assert (resolved.span.line, resolved.span.column) == (45, 19)


def test_seed_file_targets() -> None:
    program, _ = read(SEED / "workflow.json")
    assert [wf.name for wf in program.workflows] == ["image_convert_resize"]
    assert program.task_defs == {}
    assert program.files == [str(SEED / "workflow.json")]


# -- targets ----------------------------------------------------------------------------------


def test_missing_target(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"nope: no such file or directory$"):
        read(tmp_path / "nope")


def test_malformed_json_is_a_load_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "name": "x",\n  "tasks": [\n}\n')
    with pytest.raises(LoadError, match=r"bad.json:4:1: malformed JSON: Expecting value"):
        read(path)


def test_directory_walk(tmp_path: Path) -> None:
    write(tmp_path / "b" / "wf2.json", {"name": "two", "tasks": [simple("t")]})
    write(tmp_path / "a.json", {"name": "one", "tasks": [simple("t")]})
    write(tmp_path / "defs" / "tasks.json", [{"name": "t", "retryCount": 1}])
    write(tmp_path / "package.json", {"name": "web", "version": "1.0.0", "scripts": {}})
    write(tmp_path / "schedule.json", {"name": "nightly", "cronExpression": "0 0 * * *"})
    write(tmp_path / "numbers.json", [1, 2, 3])
    write(tmp_path / ".hidden" / "wf.json", {"name": "hidden", "tasks": []})
    write(tmp_path / "node_modules" / "x" / "wf.json", {"name": "dep", "tasks": []})
    write(tmp_path / "notes.txt", {"name": "txt", "tasks": []})
    program, diagnostics = read(tmp_path)
    assert diagnostics == []
    assert [wf.name for wf in program.workflows] == ["one", "two"]
    assert list(program.task_defs) == ["t"]
    assert program.files == [
        str(tmp_path / "a.json"),
        str(tmp_path / "b" / "wf2.json"),
        str(tmp_path / "defs" / "tasks.json"),
    ]


def test_empty_files(tmp_path: Path) -> None:
    (tmp_path / "empty.json").write_text("\n")
    program, diagnostics = read(tmp_path)
    assert (program.files, diagnostics) == ([], [])
    with pytest.raises(LoadError, match=r"empty\.json:2:1: malformed JSON"):
        read(tmp_path / "empty.json")


def test_malformed_json_in_a_directory(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{,}")
    with pytest.raises(LoadError, match=r"bad\.json:1:2: malformed JSON"):
        read(tmp_path)


def test_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    path = write(tmp_path / "wf.json", {"name": "one", "tasks": [simple("t")]})
    program, diagnostics = read(tmp_path, path)
    assert len(program.workflows) == 1
    assert diagnostics == []


def test_any_file_named_explicitly_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "wf.conductor", {"name": "one", "tasks": [simple("t")]})
    program, _ = read(path)
    assert [wf.name for wf in program.workflows] == ["one"]


def test_relative_paths_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "defs" / "wf.json", {"name": "one", "tasks": [simple("t")]})
    program, _ = read("defs")
    assert program.workflows[0].tasks[0].span == Span("defs/wf.json", pointer="/tasks/0")


# -- file shapes ------------------------------------------------------------------------------


def test_list_of_definitions(tmp_path: Path) -> None:
    program, diagnostics = read(
        write(
            tmp_path / "all.json",
            [
                {"name": "one", "tasks": [simple("a")]},
                {"name": "t", "retryCount": 2, "inputKeys": [], "outputKeys": ["x"]},
                {"name": "two", "version": 3, "tasks": [simple("b")]},
                "oops",
            ],
        )
    )
    assert [(wf.name, wf.version, wf.span) for wf in program.workflows] == [
        ("one", 1, Span(str(tmp_path / "all.json"), pointer="/0")),
        ("two", 3, Span(str(tmp_path / "all.json"), pointer="/2")),
    ]
    assert program.workflows[1].tasks[0].span == Span(
        str(tmp_path / "all.json"), pointer="/2/tasks/0"
    )
    task_def = program.task_defs["t"]
    assert (task_def.input_keys, task_def.output_keys) == (None, ("x",))
    assert task_def.fields == {"name": "t", "retryCount": 2, "inputKeys": [], "outputKeys": ["x"]}
    assert task_def.span == Span(str(tmp_path / "all.json"), pointer="/1")
    assert found(diagnostics) == [("FD604", "/3")]
    assert isinstance(diagnostics[0], FieldValueInvalid)


def test_single_task_def(tmp_path: Path) -> None:
    program, _ = read(write(tmp_path / "t.json", {"name": "t", "timeoutSeconds": 5}))
    assert program.task_defs["t"].span == Span(str(tmp_path / "t.json"), pointer="")


# -- the IR -----------------------------------------------------------------------------------


def test_workflow_fields(tmp_path: Path) -> None:
    wf, diagnostics = read_one(
        tmp_path,
        {
            "name": "wf",
            "description": "d",
            "version": 2,
            "tasks": [simple("a")],
            "inputParameters": ["x", "y"],
            "outputParameters": {"out": "${a.output.v}", "n": 5, "lit": "$${not}"},
            "schemaVersion": 2,
            "timeoutPolicy": "ALERT_ONLY",
            "bogusKey": {"kept": True},
        },
    )
    assert diagnostics == []
    assert (wf.name, wf.description, wf.version, wf.inputs) == ("wf", "d", 2, ("x", "y"))
    assert wf.outputs == {"out": Ref("a", "output", ("v",)), "n": 5, "lit": "${not}"}
    assert wf.fields == {
        "schemaVersion": 2,
        "timeoutPolicy": "ALERT_ONLY",
        "bogusKey": {"kept": True},
    }
    assert wf.field_spans["bogusKey"].pointer == "/bogusKey"
    assert wf.field_spans["tasks"].pointer == "/tasks"


def test_defaults(tmp_path: Path) -> None:
    wf, diagnostics = read_one(
        tmp_path, {"tasks": [{"inputParameters": {}}], "inputParameters": []}
    )
    assert diagnostics == []
    assert (wf.name, wf.version, wf.inputs, wf.outputs, wf.description) == ("", 1, None, {}, None)
    (task,) = wf.tasks
    assert (task.name, task.ref, task.type) == ("", "", "SIMPLE")
    assert (task.inputs, task.fields, task.blocks, task.description) == ({}, {}, {}, None)


def test_input_values(tmp_path: Path) -> None:
    wf, diagnostics = read_one(
        tmp_path,
        {
            "name": "wf",
            "tasks": [
                simple(
                    "a",
                    inputParameters={
                        "n": 1,
                        "none": None,
                        "text": "plain",
                        "escaped": "$${workflow.input.x}",
                        "tmpl": "id-${workflow.input.id}",
                        "deep": {"list": [1, "${workflow.input.l}", {"x": "${b.output.y}"}]},
                        "a/b~c": "${workflow.input.k}",
                    },
                )
            ],
        },
    )
    assert diagnostics == []
    inputs = wf.tasks[0].inputs
    assert inputs["n"] == 1 and inputs["none"] is None and inputs["text"] == "plain"
    assert inputs["escaped"] == "${workflow.input.x}"
    assert inputs["tmpl"] == Template(("id-", Ref("workflow", "input", ("id",))))
    deep = inputs["deep"]["list"]
    assert deep[1].span.pointer == "/tasks/0/inputParameters/deep/list/1"
    assert deep[2]["x"].span.pointer == "/tasks/0/inputParameters/deep/list/2/x"
    assert inputs["a/b~c"].span.pointer == "/tasks/0/inputParameters/a~1b~0c"
    assert wf.tasks[0].input_spans["a/b~c"].pointer == "/tasks/0/inputParameters/a~1b~0c"


NESTED: dict[str, Any] = {
    "name": "nested",
    "version": 1,
    "tasks": [
        {
            "name": "fork",
            "taskReferenceName": "fork",
            "type": "FORK_JOIN",
            "inputParameters": {},
            "forkTasks": [
                [simple("a1"), simple("a2")],
                [
                    {
                        "name": "sw",
                        "taskReferenceName": "sw",
                        "type": "SWITCH",
                        "evaluatorType": "value-param",
                        "expression": "k",
                        "inputParameters": {"k": "${workflow.input.k}"},
                        "defaultCase": [simple("dflt")],
                        "decisionCases": {
                            "x/y": [simple("c1")],
                            "empty": [],
                            "loop": [
                                {
                                    "name": "loop",
                                    "taskReferenceName": "loop",
                                    "type": "DO_WHILE",
                                    "inputParameters": {},
                                    "loopCondition": "$.loop['iteration'] < 3",
                                    "loopOver": [simple("body")],
                                }
                            ],
                        },
                    }
                ],
                [],
            ],
        },
        {
            "name": "join",
            "taskReferenceName": "join",
            "type": "JOIN",
            "inputParameters": {},
            "joinOn": ["a2", "sw"],
        },
    ],
}


def test_nested_blocks(tmp_path: Path) -> None:
    wf, diagnostics = read_one(tmp_path, NESTED)
    assert diagnostics == []
    fork, join = wf.tasks
    assert list(map(str, fork.blocks)) == ["forkTasks/0", "forkTasks/1", "forkTasks/2"]
    assert fork.blocks[BlockKey("forkTasks", 2)] == []
    assert "forkTasks" not in fork.fields
    assert fork.field_spans["forkTasks"].pointer == "/tasks/0/forkTasks"
    (switch,) = fork.blocks[BlockKey("forkTasks", 1)]
    assert switch.span.pointer == "/tasks/0/forkTasks/1/0"
    # File order: defaultCase was written before decisionCases.
    assert list(map(str, switch.blocks)) == [
        "defaultCase",
        "decisionCases/x/y",
        "decisionCases/empty",
        "decisionCases/loop",
    ]
    assert switch.fields == {"evaluatorType": "value-param", "expression": "k"}
    (c1,) = switch.blocks[BlockKey("decisionCases", "x/y")]
    assert c1.span.pointer == "/tasks/0/forkTasks/1/0/decisionCases/x~1y/0"
    (loop,) = switch.blocks[BlockKey("decisionCases", "loop")]
    assert loop.fields == {"loopCondition": "$.loop['iteration'] < 3"}
    assert loop.blocks[BlockKey("loopOver")][0].span.pointer == (
        "/tasks/0/forkTasks/1/0/decisionCases/loop/0/loopOver/0"
    )
    assert [t.ref for t in wf.walk()] == [
        "fork",
        "a1",
        "a2",
        "sw",
        "dflt",
        "c1",
        "loop",
        "body",
        "join",
    ]
    assert join.fields == {"joinOn": ["a2", "sw"]}


def test_emit_gives_back_the_json(tmp_path: Path) -> None:
    data: dict[str, Any] = {
        "name": "round",
        "description": "trip",
        "version": 4,
        "tasks": [
            {
                **simple("a", inputParameters={"x": "${workflow.input.x}", "t": "a $${b} ${a.x}"}),
                "optional": True,
            },
            *NESTED["tasks"],
            {
                "name": "js",
                "taskReferenceName": "js",
                "type": "INLINE",
                "inputParameters": {
                    "evaluatorType": "graaljs",
                    "expression": "(function(){ return `id-$${$.id}`; })()",
                    "id": "${workflow.input.id}",
                },
            },
        ],
        "inputParameters": ["x", "id", "k"],
        "outputParameters": {"r": "${js.output.result}", "items": ["${a.output.y}", 2]},
        "schemaVersion": 2,
        "ownerEmail": "team@example.com",
        "timeoutSeconds": 60,
        "timeoutPolicy": "TIME_OUT_WF",
        "variables": {"v": "${literal}"},
    }
    wf, diagnostics = read_one(tmp_path, data)
    assert diagnostics == []
    assert workflow_json(wf) == data
    js = wf.tasks[-1]
    assert js.inputs["expression"] == "(function(){ return `id-${$.id}`; })()"
    assert (
        resolved_value(js.inputs["expression"])
        == data["tasks"][-1]["inputParameters"]["expression"]
    )


def test_inline_sub_workflow(tmp_path: Path) -> None:
    inline = {
        "name": "child",
        "version": 2,
        "tasks": [simple("c", inputParameters={"x": "${workflow.input.x}"})],
        "inputParameters": ["x"],
    }
    wf, diagnostics = read_one(
        tmp_path,
        {
            "name": "parent",
            "tasks": [
                {
                    "name": "sub",
                    "taskReferenceName": "sub",
                    "type": "SUB_WORKFLOW",
                    "inputParameters": {"x": "${workflow.input.x}"},
                    "subWorkflowParam": {"name": "child", "workflowDefinition": inline},
                },
                {
                    "name": "sub2",
                    "taskReferenceName": "sub2",
                    "type": "SUB_WORKFLOW",
                    "subWorkflowParam": {
                        "name": "c",
                        "workflowDefinition": "${workflow.input.def}",
                    },
                },
            ],
        },
    )
    assert diagnostics == []
    sub, sub2 = wf.tasks
    assert sub.fields["subWorkflowParam"]["workflowDefinition"] == inline
    child = sub.inline_workflow
    assert child is not None
    assert (child.name, child.version, child.inputs) == ("child", 2, ("x",))
    prefix = "/tasks/0/subWorkflowParam/workflowDefinition"
    assert child.span == Span(str(tmp_path / "wf.json"), pointer=prefix)
    assert child.tasks[0].inputs["x"].span.pointer == f"{prefix}/tasks/0/inputParameters/x"
    assert sub2.inline_workflow is None
    program, _ = read(tmp_path / "wf.json")
    assert [w.name for w in program.all_workflows()] == ["parent", "child"]


# -- what the reader reports -------------------------------------------------------------------


def test_wrong_shapes_are_reported_and_reading_goes_on(tmp_path: Path) -> None:
    wf, diagnostics = read_one(
        tmp_path,
        {
            "name": "wf",
            "version": "2",
            "inputParameters": {"x": 1},
            "outputParameters": ["x"],
            "tasks": [
                "not a task",
                {"name": 5, "taskReferenceName": ["r"], "type": None, "inputParameters": []},
                {
                    "name": "f",
                    "taskReferenceName": "f",
                    "type": "FORK_JOIN",
                    "forkTasks": [[simple("ok")], {"x": 1}, [3]],
                    "decisionCases": [],
                    "defaultCase": None,
                    "loopOver": {},
                },
                simple("last"),
            ],
        },
    )
    assert found(diagnostics) == [
        ("FD604", "/version"),
        ("FD604", "/tasks/0"),
        ("FD604", "/tasks/1/name"),
        ("FD604", "/tasks/1/taskReferenceName"),
        ("FD604", "/tasks/1/type"),
        ("FD604", "/tasks/1/inputParameters"),
        ("FD604", "/tasks/2/forkTasks/1"),
        ("FD604", "/tasks/2/forkTasks/2/0"),
        ("FD604", "/tasks/2/decisionCases"),
        ("FD604", "/tasks/2/defaultCase"),
        ("FD604", "/tasks/2/loopOver"),
        ("FD604", "/inputParameters"),
        ("FD604", "/outputParameters"),
    ]
    assert all(isinstance(d, FieldValueInvalid) for d in diagnostics)
    null_type = diagnostics[4]
    assert "string, not null" in null_type.message
    assert null_type.hint is not None and "server error" in null_type.hint
    assert wf.version == 1 and wf.inputs is None and wf.outputs == {}
    bad, fork, last = wf.tasks
    assert (bad.name, bad.ref, bad.type, bad.inputs) == ("", "", "SIMPLE", {})
    assert list(map(str, fork.blocks)) == ["forkTasks/0", "forkTasks/2"]
    assert fork.blocks[BlockKey("forkTasks", 2)] == []
    assert last.ref == "last"


def test_tasks_not_a_list(tmp_path: Path) -> None:
    wf, diagnostics = read_one(tmp_path, {"name": "wf", "tasks": None})
    assert wf.tasks == []
    assert found(diagnostics) == [("FD604", "/tasks")]
    assert diagnostics[0].hint is not None


def test_workflow_input_names_must_be_strings(tmp_path: Path) -> None:
    wf, diagnostics = read_one(tmp_path, {"name": "wf", "tasks": [], "inputParameters": ["a", 1]})
    assert wf.inputs == ("a",)
    assert found(diagnostics) == [("FD604", "/inputParameters/1")]


def test_expression_problems(tmp_path: Path) -> None:
    wf, diagnostics = read_one(
        tmp_path,
        {
            "name": "wf",
            "tasks": [
                simple("a", inputParameters={"cmd": "echo ${a + 1}", "deep": {"l": ["${}"]}}),
                {
                    "name": "js",
                    "taskReferenceName": "js",
                    "type": "INLINE",
                    "inputParameters": {
                        "evaluatorType": "graaljs",
                        "expression": "(function(){ return `Hello ${$.name}`; })()",
                        "other": "${$.workflow.input.x}",
                        "nested": {"p": "${a['output']}"},
                    },
                },
            ],
            "outputParameters": {"o": "${a.output.x", "p": "${a['output']}"},
        },
    )
    assert [(type(d), d.span.pointer if d.span else None) for d in diagnostics] == [
        (LiteralNeedsEscape, "/tasks/0/inputParameters/cmd"),
        (MalformedExpression, "/tasks/0/inputParameters/deep/l/0"),
        (LiteralNeedsEscape, "/tasks/1/inputParameters/expression"),
        (MalformedExpression, "/tasks/1/inputParameters/other"),
        (MalformedExpression, "/tasks/1/inputParameters/nested/p"),
        (MalformedExpression, "/outputParameters/o"),
    ]
    script = diagnostics[2]
    assert "`${$.name}`" in script.message
    assert "JavaScript template literal" in script.message
    assert "$${" in (script.hint or "")
    assert "`${a + 1}`" in diagnostics[0].message
    assert "registration" in diagnostics[3].message
    # Text meant literally stays literal in the IR, so no check reads a reference from it...
    assert wf.tasks[0].inputs["cmd"] == "echo ${a + 1}"
    assert wf.tasks[1].inputs["expression"] == "(function(){ return `Hello ${$.name}`; })()"
    # ...while what Conductor does resolve is a Ref.
    assert wf.tasks[1].inputs["other"] == Ref("workflow", "input", ("x",))
    assert wf.outputs["p"] == Ref("a", None, (), "['output']")


def test_registration_checks_only_top_level_tasks(tmp_path: Path) -> None:
    """`${x['y']}` and `${$.x}` are refused by registration in top-level tasks only."""
    inputs = {"a": "${loop['iteration']}", "b": "${$.workflow.input.x}", "c": "${}"}
    loop = {
        "name": "loop",
        "taskReferenceName": "loop",
        "type": "DO_WHILE",
        "inputParameters": inputs,
        "loopCondition": "false",
        "loopOver": [simple("body", inputParameters=inputs)],
    }
    sub = {
        "name": "sub",
        "taskReferenceName": "sub",
        "type": "SUB_WORKFLOW",
        "subWorkflowParam": {"name": "c", "workflowDefinition": {"name": "c", "tasks": [loop]}},
    }
    wf, diagnostics = read_one(tmp_path, {"name": "wf", "tasks": [loop, sub]})
    assert found(diagnostics) == [
        ("FD504", "/tasks/0/inputParameters/a"),
        ("FD504", "/tasks/0/inputParameters/b"),
        ("FD504", "/tasks/0/inputParameters/c"),
        ("FD504", "/tasks/0/loopOver/0/inputParameters/c"),
        ("FD504", "/tasks/1/subWorkflowParam/workflowDefinition/tasks/0/inputParameters/c"),
        (
            "FD504",
            "/tasks/1/subWorkflowParam/workflowDefinition/tasks/0/loopOver/0/inputParameters/c",
        ),
    ]
    body = wf.tasks[0].blocks[BlockKey("loopOver")][0]
    assert body.inputs["a"] == Ref("loop", None, (), "['iteration']")


def test_literal_in_a_script(tmp_path: Path) -> None:
    _, diagnostics = read_one(
        tmp_path,
        {
            "name": "wf",
            "tasks": [
                {
                    "name": "l",
                    "taskReferenceName": "l",
                    "type": "LAMBDA",
                    "inputParameters": {"scriptExpression": "return `${ $.a + 1 }`;"},
                }
            ],
        },
    )
    (diagnostic,) = diagnostics
    assert isinstance(diagnostic, LiteralNeedsEscape)
    assert diagnostic.message.startswith("`${ $.a + 1 }` in this script")


def test_what_is_not_a_task_def() -> None:
    assert is_task_def({"name": "t"})
    assert is_task_def({"name": "t", "retryCount": 1, "unknownKey": 2})
    assert not is_task_def({"name": "t", "taskReferenceName": "t", "retryCount": 1})
    assert not is_task_def({"name": "web", "version": "1.0.0", "scripts": {}})
    assert not is_task_def({"name": "s", "cronExpression": "* * *", "createTime": 1})
    assert not is_task_def({"name": 5, "retryCount": 1})
    assert not is_task_def(["name"])
    assert is_workflow_def({"tasks": []})
    assert is_workflow_def({"name": "wf", "tasks": None})
    assert not is_workflow_def({"tasks": "x"})


def test_task_def_input_template_is_checked(tmp_path: Path) -> None:
    program, diagnostics = read(
        write(tmp_path / "t.json", {"name": "t", "inputTemplate": {"x": "${ nope }"}})
    )
    assert found(diagnostics) == [("FD505", "/inputTemplate/x")]
    assert program.task_defs["t"].fields["inputTemplate"] == {"x": "${ nope }"}


def test_task_def_duplicates(tmp_path: Path) -> None:
    first = write(tmp_path / "a.json", [{"name": "t", "retryCount": 1}])
    write(tmp_path / "b.json", [{"name": "t", "retryCount": 1}, {"name": "t", "retryCount": 2}])
    program, diagnostics = read(tmp_path)
    assert program.task_defs["t"].fields["retryCount"] == 1
    assert found(diagnostics) == [("FD302", "/1")]
    assert isinstance(diagnostics[0], ConflictingTaskDefinitions)
    assert diagnostics[0].span is not None
    assert diagnostics[0].span.file == str(tmp_path / "b.json")
    assert str(first) in diagnostics[0].message


def test_workflow_duplicates(tmp_path: Path) -> None:
    write(tmp_path / "a.json", {"name": "wf", "tasks": [simple("x")]})
    write(tmp_path / "b.json", {"name": "wf", "tasks": [simple("x")]})
    write(tmp_path / "c.json", {"name": "wf", "version": 1, "tasks": [simple("y")]})
    write(tmp_path / "d.json", {"name": "wf", "version": 2, "tasks": [simple("y")]})
    program, diagnostics = read(tmp_path)
    assert [(w.span.file if w.span else "", w.version) for w in program.workflows] == [
        (str(tmp_path / "a.json"), 1),
        (str(tmp_path / "c.json"), 1),
        (str(tmp_path / "d.json"), 2),
    ]
    assert found(diagnostics) == [("FD303", "")]
    assert isinstance(diagnostics[0], DuplicateWorkflow)
    assert str(tmp_path / "a.json") in diagnostics[0].message


def test_reported_spans_resolve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(SEED / "workflow.json", tmp_path / "wf.json")
    text = (
        (tmp_path / "wf.json")
        .read_text()
        .replace('"${image_convert_resize_ref.output.fileLocation}"', '"${}"')
    )
    (tmp_path / "wf.json").write_text(text)
    _, diagnostics = read("wf.json")
    (resolved,) = resolve_spans(diagnostics)
    assert resolved.span == Span("wf.json", 30, 21, "/tasks/1/inputParameters/fileLocation")


# -- scale -----------------------------------------------------------------------------------


def test_reading_computes_no_positions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 20k-task workflow is read without a single position; asking for one works after."""
    tasks = [
        simple(
            f"t{i}",
            inputParameters={
                "v": f"${{t{i - 1}.output.v}}" if i else "${workflow.input.v}",
                "s": f"step {i} of ${{workflow.input.n}}",
            },
        )
        for i in range(20_000)
    ]
    path = write(tmp_path / "big.json", {"name": "big", "tasks": tasks})

    def refuse(*args: object) -> None:
        raise AssertionError("a position was computed while reading")

    with monkeypatch.context() as patch:
        for name in ("position", "offset", "line_column", "_member"):
            patch.setattr(JsonDocument, name, refuse)
        program, diagnostics = read(path)
    assert diagnostics == []
    last = program.workflows[0].tasks[-1]
    assert last.inputs["v"] == Ref("t19998", "output", ("v",))
    (resolved,) = resolve_spans([MalformedExpression("x", last.inputs["v"].span)])
    assert resolved.span is not None
    line = path.read_text().split("\n")[(resolved.span.line or 0) - 1]
    assert line[(resolved.span.column or 0) - 1 :] == '"${t19998.output.v}",'


def test_spans_made_on_request_are_those_of_every_key(tmp_path: Path) -> None:
    """Spans are made when asked for (PointerSpans), yet equal, in order, to a span for
    every key and input, made at once."""
    task = {
        "name": "t",
        "taskReferenceName": "t",
        "type": "SIMPLE",
        "x/y": 1,
        "inputParameters": {"a~b": "${workflow.input.a}", "c": "text", "d": {"e": 1}},
    }
    file = str(write(tmp_path / "wf.json", {"name": "wf", "tasks": [task]}))
    program, _ = read_json_targets([file])
    read = program.workflows[0].tasks[0]

    def span(pointer: str) -> Span:
        return Span(file, pointer=pointer)

    expected_fields = {
        "name": span("/tasks/0/name"),
        "taskReferenceName": span("/tasks/0/taskReferenceName"),
        "type": span("/tasks/0/type"),
        "x/y": span("/tasks/0/x~1y"),
        "inputParameters": span("/tasks/0/inputParameters"),
    }
    expected_inputs = {
        "a~b": span("/tasks/0/inputParameters/a~0b"),
        "c": span("/tasks/0/inputParameters/c"),
        "d": span("/tasks/0/inputParameters/d"),
    }
    assert read.input_spans["c"] == expected_inputs["c"]
    assert read.field_spans.get("x/y") == expected_fields["x/y"]
    assert list(read.field_spans.items()) == list(expected_fields.items())
    assert list(read.input_spans.items()) == list(expected_inputs.items())
    assert read.inputs["a~b"] == Ref("workflow", "input", ("a",))
    assert read.inputs["a~b"].span is read.input_spans["a~b"]
    plain = dataclasses.replace(
        read, field_spans=dict(expected_fields), input_spans=dict(expected_inputs)
    )
    assert plain == read and read == plain
    assert dataclasses.asdict(read) == dataclasses.asdict(plain)
    assert copy.deepcopy(read) == read
