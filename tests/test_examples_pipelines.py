"""Examples 2-5 (examples/image_pipeline/README.md) against what orkes-io/orkesworkers publishes.

orkesworkers (the blog posts' worker repository) publishes the workflows in
data/workflow/*.json; these tests were written against commit
35d06396268345596934e5886bfb8bdaf3e254ec. The repository carries no licence, so its files
are not copied here: each ``PUBLISHED_*`` below is a hand-written outline of one published
definition, holding only the fields it sets to something other than Conductor's default
(task names and references, types, input wiring, joins, outputs). Both sides get
Conductor's defaults filled in, then every difference is listed, as tests/test_example.py
does for example 1; the README explains each.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from mypy import api

from flowdsl.compiler import compile_workflows
from flowdsl.conductor.models import TaskDef, WorkflowDef, with_defaults
from flowdsl.config import Config
from flowdsl.loader import discover, load_modules

from .conftest import REPO, run_cli

EXAMPLE = REPO / "examples" / "image_pipeline"


def differences(a: Any, b: Any, path: str = "") -> dict[str, tuple[Any, Any]]:
    """Every JSON pointer where ``a`` and ``b`` differ (lists of one length side by side)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: dict[str, tuple[Any, Any]] = {}
        for key in sorted(set(a) | set(b)):
            out.update(differences(a.get(key), b.get(key), f"{path}/{key}"))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and a != b:
        out = {}
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out.update(differences(x, y, f"{path}/{i}"))
        return out
    return {} if a == b else {path: (a, b)}


def refs(tasks: list[dict[str, Any]]) -> list[str]:
    return [t["taskReferenceName"] for t in tasks]


@pytest.fixture(scope="module")
def compiled() -> dict[str, Any]:
    result = compile_workflows(discover([str(EXAMPLE)]), Config())
    assert result.files is not None, [d.message for d in result.diagnostics]
    assert result.diagnostics == []
    return {path: json.loads(content) for path, content in result.files.items()}


def compare(published: dict[str, Any], ours: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return differences(with_defaults(WorkflowDef, published), with_defaults(WorkflowDef, ours))


def test_every_example_compiles_without_findings(compiled: dict[str, Any]) -> None:
    assert sorted(compiled) == [
        "tasks/image_convert_resize.json",
        "tasks/image_multiple_convert_resize.json",
        "tasks/upload_toS3.json",
        "workflows/image_convert_resize.v1.json",
        "workflows/image_convert_resize_multipleformat.v1.json",
        "workflows/image_convert_resize_multipleformat_subworkflow.v1.json",
        "workflows/image_multiple_convert_resize.v1.json",
        "workflows/image_multiple_convert_resize_recipes.v1.json",
    ]


def test_compiled_output_is_deterministic(tmp_path: Path) -> None:
    """Two fresh processes with different hash seeds write byte-identical files."""
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        proc = run_cli(
            "compile", str(EXAMPLE), "-o", str(out), cwd=REPO, env={"PYTHONHASHSEED": seed}
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        outputs.append({str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*.json")})
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) == 8


# -- 2: image_convert_resize_multipleformat -----------------------------------------------


def _published_branch(fmt: str) -> list[dict[str, Any]]:
    return [
        {
            "name": "image_convert_resize",
            "taskReferenceName": f"image_convert_resize_{fmt}_ref",
            "inputParameters": {
                "fileLocation": "${workflow.input.fileLocation}",
                "outputWidth": "${workflow.input.recipeParameters.outputSize.width}",
                "outputHeight": "${workflow.input.recipeParameters.outputSize.height}",
                "outputFormat": fmt,
            },
        },
        {
            "name": "upload_toS3",
            "taskReferenceName": f"upload_toS3_{fmt}_ref",
            "inputParameters": {
                "fileLocation": f"${{image_convert_resize_{fmt}_ref.output.fileLocation}}"
            },
        },
    ]


PUBLISHED_MULTIPLEFORMAT: dict[str, Any] = {
    "name": "image_convert_resize_multipleformat",
    "description": "Image Processing Workflow",
    "version": 1,
    "tasks": [
        {
            "name": "image_convert_resize_multipleformat_fork",
            "taskReferenceName": "image_convert_resize_multipleformat_ref",
            "type": "FORK_JOIN",
            "forkTasks": [_published_branch("jpg"), _published_branch("webp")],
        },
        {
            "name": "image_convert_resize_multipleformat_join",
            "taskReferenceName": "image_convert_resize_multipleformat_join_ref",
            "type": "JOIN",
            "joinOn": ["upload_toS3_jpg_ref", "upload_toS3_webp_ref"],
        },
    ],
    "inputParameters": ["fileLocation", "recipeParameters"],
    "outputParameters": {
        "fileLocationJpg": "${upload_toS3_jpg_ref.output.fileLocation}",
        "fileLocationWebp": "${upload_toS3_webp_ref.output.fileLocation}",
    },
    "workflowStatusListenerEnabled": True,
    "ownerEmail": "devrel@orkes.io",
}

# The FORK_JOIN and JOIN are named by flowdsl ("fork", "join") and the JOIN's reference
# follows its fork's (<fork ref>_join); Conductor reads neither name.
GENERATED_FORK_AND_JOIN = {
    "/tasks/0/name": ("image_convert_resize_multipleformat_fork", "fork"),
    "/tasks/1/name": ("image_convert_resize_multipleformat_join", "join"),
    "/tasks/1/taskReferenceName": (
        "image_convert_resize_multipleformat_join_ref",
        "image_convert_resize_multipleformat_ref_join",
    ),
}


def test_multipleformat_matches_the_published_fork(compiled: dict[str, Any]) -> None:
    ours = compiled["workflows/image_convert_resize_multipleformat.v1.json"]
    assert compare(PUBLISHED_MULTIPLEFORMAT, ours) == {
        **GENERATED_FORK_AND_JOIN,
        # upload_toS3 declares only s3Url (example 1's defect, in both branches).
        "/outputParameters/fileLocationJpg": (
            "${upload_toS3_jpg_ref.output.fileLocation}",
            "${upload_toS3_jpg_ref.output.s3Url}",
        ),
        "/outputParameters/fileLocationWebp": (
            "${upload_toS3_webp_ref.output.fileLocation}",
            "${upload_toS3_webp_ref.output.s3Url}",
        ),
    }


# -- 3: image_convert_resize_multipleformat_subworkflow ------------------------------------

PUBLISHED_SUBWORKFLOW: dict[str, Any] = {
    "name": "image_convert_resize_multipleformat_subworkflow",
    "description": "Image Processing Workflow",
    "version": 1,
    "tasks": [
        {
            "name": "image_convert_resize_multipleformat_fork",
            "taskReferenceName": "image_convert_resize_multipleformat_ref",
            "type": "FORK_JOIN",
            "forkTasks": [
                [
                    {
                        "name": "image_convert_resize_sub",
                        "taskReferenceName": "subworkflow_jpg_ref",
                        "inputParameters": {
                            "fileLocation": "${workflow.input.fileLocation}",
                            "recipeParameters": {
                                "outputSize": {
                                    "width": "${workflow.input.recipeParameters.outputSize.width}",
                                    "height": "${workflow.input.recipeParameters.outputSize.height}",
                                },
                                "outputFormat": "jpg",
                            },
                        },
                        "type": "SUB_WORKFLOW",
                        "subWorkflowParam": {"name": "image_convert_resize", "version": 1},
                    }
                ],
                # The webp branch was left as example 2's two tasks.
                [{**task, "type": "SIMPLE"} for task in _published_branch("webp")],
            ],
        },
        {
            "name": "image_convert_resize_multipleformat_join",
            "taskReferenceName": "image_convert_resize_multipleformat_join_ref",
            "type": "JOIN",
            "joinOn": ["subworkflow_jpg_ref", "upload_toS3_webp_ref"],
        },
    ],
    "inputParameters": [],
    "outputParameters": {
        "fileLocationJpg": "${subworkflow_jpg_ref.output.fileLocation}",
        "fileLocationWebp": "${upload_toS3_webp_ref.output.fileLocation}",
    },
    "workflowStatusListenerEnabled": True,
    "ownerEmail": "devrel@orkes.io",
}


def test_subworkflow_matches_the_published_one_with_both_branches_sub_workflows(
    compiled: dict[str, Any],
) -> None:
    ours = compiled["workflows/image_convert_resize_multipleformat_subworkflow.v1.json"]
    diff = compare(PUBLISHED_SUBWORKFLOW, ours)
    published_webp, our_webp = diff.pop("/tasks/0/forkTasks/1")
    assert refs(published_webp) == ["image_convert_resize_webp_ref", "upload_toS3_webp_ref"]
    assert refs(our_webp) == ["subworkflow_webp_ref"]
    assert our_webp[0]["type"] == "SUB_WORKFLOW"
    assert our_webp[0]["inputParameters"]["recipeParameters"]["outputFormat"] == "webp"
    assert diff == {
        **GENERATED_FORK_AND_JOIN,
        # A SUB_WORKFLOW task is named after the workflow it runs.
        "/tasks/0/forkTasks/0/0/name": ("image_convert_resize_sub", "image_convert_resize"),
        "/tasks/1/joinOn/1": ("upload_toS3_webp_ref", "subworkflow_webp_ref"),
        "/outputParameters/fileLocationWebp": (
            "${upload_toS3_webp_ref.output.fileLocation}",
            "${subworkflow_webp_ref.output.fileLocation}",
        ),
        "/inputParameters": ([], ["fileLocation", "recipeParameters"]),
    }
    # The child is example 1, compiled with it; its inputs are what the sub-workflow passes.
    child = compiled["workflows/image_convert_resize.v1.json"]
    assert child["inputParameters"] == ["fileLocation", "recipeParameters"]
    assert child["outputParameters"] == {"fileLocation": "${upload_toS3_ref.output.s3Url}"}


# -- 4 and 5: the dynamic fork ------------------------------------------------------------

PUBLISHED_DYNAMIC: dict[str, Any] = {
    "name": "image_multiple_convert_resize",
    "description": "Convert an image to multiple formats and sizes",
    "version": 1,
    "tasks": [
        {
            "name": "image_multiple_convert_resize",
            "taskReferenceName": "image_multiple_convert_resize_ref",
            "inputParameters": {
                "fileLocation": "${workflow.input.fileLocation}",
                "outputFormats": "${workflow.input.outputFormats}",
                "outputSizes": "${workflow.input.outputSizes}",
                "maintainAspectRatio": "${workflow.input.maintainAspectRatio}",
            },
            "type": "SIMPLE",
        },
        {
            "name": "image_multiple_convert_resize_fork",
            "taskReferenceName": "image_multiple_convert_resize_fork_ref",
            "inputParameters": {
                "dynamicTasks": "${image_multiple_convert_resize_ref.output.dynamicTasks}",
                "dynamicTasksInput": (
                    "${image_multiple_convert_resize_ref.output.dynamicTasksInput}"
                ),
            },
            "type": "FORK_JOIN_DYNAMIC",
            "dynamicForkTasksParam": "dynamicTasks",
            "dynamicForkTasksInputParamName": "dynamicTasksInput",
        },
        {
            "name": "image_multiple_convert_resize_join",
            "taskReferenceName": "image_multiple_convert_resize_join_ref",
            "type": "JOIN",
        },
    ],
    "inputParameters": ["fileLocation", "outputFormats", "outputSizes"],
    "outputParameters": {"fileLocations": "${image_multiple_convert_resize_join_ref.output}"},
    "workflowStatusListenerEnabled": True,
    "ownerEmail": "jeu@orkes.io",
}

GENERATED_DYNAMIC_FORK_AND_JOIN = {
    "/tasks/1/name": ("image_multiple_convert_resize_fork", "dynamic_fork"),
    "/tasks/2/name": ("image_multiple_convert_resize_join", "join"),
    "/tasks/2/taskReferenceName": (
        "image_multiple_convert_resize_join_ref",
        "image_multiple_convert_resize_fork_ref_join",
    ),
    "/outputParameters/fileLocations": (
        "${image_multiple_convert_resize_join_ref.output}",
        "${image_multiple_convert_resize_fork_ref_join.output}",
    ),
}


def test_classic_dynamic_fork_matches_the_published_one(compiled: dict[str, Any]) -> None:
    ours = compiled["workflows/image_multiple_convert_resize.v1.json"]
    assert compare(PUBLISHED_DYNAMIC, ours) == {
        **GENERATED_DYNAMIC_FORK_AND_JOIN,
        # Not a workflow input, and no input of image_convert_resize (nor of its worker).
        "/tasks/0/inputParameters/maintainAspectRatio": (
            "${workflow.input.maintainAspectRatio}",
            None,
        ),
    }


def test_recipes_dynamic_fork_replaces_the_pre_fork_worker_with_a_jq_step(
    compiled: dict[str, Any],
) -> None:
    ours = compiled["workflows/image_multiple_convert_resize_recipes.v1.json"]
    query = ours["tasks"][0]["inputParameters"]["queryExpression"]
    assert compare(PUBLISHED_DYNAMIC, ours) == {
        **GENERATED_DYNAMIC_FORK_AND_JOIN,
        "/name": ("image_multiple_convert_resize", "image_multiple_convert_resize_recipes"),
        "/inputParameters": (
            ["fileLocation", "outputFormats", "outputSizes"],
            ["fileLocation", "recipes"],
        ),
        # The pre-fork step: a JSON_JQ_TRANSFORM instead of a worker.
        "/tasks/0/name": ("image_multiple_convert_resize", "dynamic_fork_inputs"),
        "/tasks/0/taskReferenceName": (
            "image_multiple_convert_resize_ref",
            "image_multiple_convert_resize_fork_ref_inputs",
        ),
        "/tasks/0/type": ("SIMPLE", "JSON_JQ_TRANSFORM"),
        "/tasks/0/inputParameters/fileLocation": ("${workflow.input.fileLocation}", None),
        "/tasks/0/inputParameters/outputFormats": ("${workflow.input.outputFormats}", None),
        "/tasks/0/inputParameters/outputSizes": ("${workflow.input.outputSizes}", None),
        "/tasks/0/inputParameters/maintainAspectRatio": (
            "${workflow.input.maintainAspectRatio}",
            None,
        ),
        "/tasks/0/inputParameters/queryExpression": (None, query),
        "/tasks/0/inputParameters/items": (None, "${workflow.input.recipes}"),
        "/tasks/0/inputParameters/o0": (None, "${workflow.input.fileLocation}"),
        # The fork names its task and takes one input map per item (forkTaskName form).
        "/tasks/1/dynamicForkTasksParam": ("dynamicTasks", None),
        "/tasks/1/dynamicForkTasksInputParamName": ("dynamicTasksInput", None),
        "/tasks/1/inputParameters/dynamicTasks": (
            "${image_multiple_convert_resize_ref.output.dynamicTasks}",
            None,
        ),
        "/tasks/1/inputParameters/dynamicTasksInput": (
            "${image_multiple_convert_resize_ref.output.dynamicTasksInput}",
            None,
        ),
        "/tasks/1/inputParameters/forkTaskName": (None, "image_convert_resize"),
        "/tasks/1/inputParameters/forkTaskInputs": (
            None,
            "${image_multiple_convert_resize_fork_ref_inputs.output.result}",
        ),
    }


def test_recipe_fields_feed_differently_named_task_inputs(compiled: dict[str, Any]) -> None:
    """A recipe's `format`, `width`, `height` feed `outputFormat`, `outputWidth`,
    `outputHeight`, and the workflow's `fileLocation` goes into every item's inputs."""
    ours = compiled["workflows/image_multiple_convert_resize_recipes.v1.json"]
    step = ours["tasks"][0]["inputParameters"]
    assert step["queryExpression"] == (
        ".o0 as $o0 | [.items[] as $it | {"
        '"fileLocation": $o0, '
        '"outputFormat": $it["format"], '
        '"outputWidth": $it["width"], '
        '"outputHeight": $it["height"]}]'
    )
    assert step["items"] == "${workflow.input.recipes}"
    assert step["o0"] == "${workflow.input.fileLocation}"
    task_def = compiled["tasks/image_convert_resize.json"]
    assert task_def["inputKeys"] == ["fileLocation", "outputFormat", "outputWidth", "outputHeight"]


def test_pre_fork_worker_builds_the_forked_tasks_and_their_inputs() -> None:
    """Called outside a workflow the task runs: as the worker, given JSON."""
    (tasks,), _ = load_modules(str(EXAMPLE / "tasks.py"))
    plan = tasks.image_multiple_convert_resize(
        fileLocation="https://example.com/a.png",
        outputFormats=["jpg", "webp"],
        outputSizes=[{"width": 300, "height": 200}, {"width": 30, "height": 20}],
    )
    names = [
        "image_convert_resize_jpg_300x200_0",
        "image_convert_resize_jpg_30x20_1",
        "image_convert_resize_webp_300x200_2",
        "image_convert_resize_webp_30x20_3",
    ]
    dumped = plan.model_dump()
    assert dumped["dynamicTasks"] == [
        {"name": "image_convert_resize", "taskReferenceName": n, "type": "SIMPLE"} for n in names
    ]
    assert list(dumped["dynamicTasksInput"]) == names
    assert dumped["dynamicTasksInput"]["image_convert_resize_webp_30x20_3"] == {
        "fileLocation": "https://example.com/a.png",
        "outputFormat": "webp",
        "outputWidth": 30,
        "outputHeight": 20,
    }


# -- task definitions ---------------------------------------------------------------------

# orkesworkers' data/task/*.json, outlined.
PUBLISHED_TASK_DEFS: dict[str, dict[str, Any]] = {
    "image_convert_resize": {
        "retryCount": 3,
        "timeoutSeconds": 30,
        "pollTimeoutSeconds": 30,
        "inputKeys": ["fileLocation", "outputFormat", "outputWidth", "outputHeight"],
        "outputKeys": ["outputLocation"],
        "timeoutPolicy": "TIME_OUT_WF",
        "retryLogic": "FIXED",
        "retryDelaySeconds": 30,
        "responseTimeoutSeconds": 30,
        "concurrentExecLimit": 100,
        "rateLimitFrequencyInSeconds": 30,
        "rateLimitPerFrequency": 50,
    },
    "upload_toS3": {
        "retryCount": 3,
        "timeoutSeconds": 30,
        "pollTimeoutSeconds": 30,
        "inputKeys": ["fileLocation"],
        "outputKeys": ["s3Url"],
        "timeoutPolicy": "TIME_OUT_WF",
        "retryLogic": "FIXED",
        "retryDelaySeconds": 30,
        "responseTimeoutSeconds": 30,
        "concurrentExecLimit": 100,
        "rateLimitFrequencyInSeconds": 30,
        "rateLimitPerFrequency": 50,
    },
    "image_multiple_convert_resize": {
        "retryCount": 3,
        "timeoutSeconds": 30,
        "pollTimeoutSeconds": 30,
        "inputKeys": ["fileLocation", "outputFormats", "outputSizes"],
        "outputKeys": ["dynamicTasks", "dynamicTasksInput"],
        "timeoutPolicy": "TIME_OUT_WF",
        "retryLogic": "FIXED",
        "retryDelaySeconds": 15,
        "responseTimeoutSeconds": 30,
        "concurrentExecLimit": 100,
        "rateLimitFrequencyInSeconds": 60,
        "rateLimitPerFrequency": 50,
    },
}


def test_task_definitions_match_the_published_ones(compiled: dict[str, Any]) -> None:
    diff = {
        name: differences(
            with_defaults(TaskDef, {"name": name, "ownerEmail": "devrel@orkes.io", **fields}),
            with_defaults(TaskDef, compiled[f"tasks/{name}.json"]),
        )
        for name, fields in PUBLISHED_TASK_DEFS.items()
    }
    assert diff == {
        # Example 1 follows the blog post (tests/data/seed_004), whose retry delay and rate
        # window differ from orkesworkers'; orkesworkers declares an output `outputLocation`
        # that its worker never returns (ImageConvertResizeWorker returns fileLocation).
        "image_convert_resize": {
            "/outputKeys/0": ("outputLocation", "fileLocation"),
            "/rateLimitFrequencyInSeconds": (30, 60),
            "/retryDelaySeconds": (30, 60),
        },
        "upload_toS3": {},
        "image_multiple_convert_resize": {},
    }


# -- typing -------------------------------------------------------------------------------

TYPED_SOURCE = """
from dataclasses import dataclass
from pydantic import BaseModel
from flowdsl import dynamic_fork, fork, sub_workflow, task, workflow

class Uploaded(BaseModel):
    s3Url: str

@dataclass
class Location:
    fileLocation: str

@dataclass
class Recipe:
    format: str
    width: int

@task(retry_count=3)
def upload(fileLocation: str, width: int) -> Uploaded:
    return Uploaded(s3Url=fileLocation)

@workflow(name="child")
def child(fileLocation: str) -> Location:
    return Location(fileLocation=upload(fileLocation=fileLocation, width=1).s3Url)

@workflow(name="parent")
def parent(fileLocation: str, recipes: list[Recipe]) -> dict[str, str]:
    jpg, webp = fork(
        lambda: upload(fileLocation=fileLocation, width=1),
        lambda: sub_workflow(child, fileLocation=fileLocation),
    )
    reveal_type(jpg)
    reveal_type(webp)
    each = dynamic_fork(
        upload, recipes, lambda r: {"fileLocation": fileLocation, "width": r.widht}
    )
    reveal_type(each)
    return {
        "fork": jpg.s3url,
        "sub": webp.fileLocaton,
        "dynamic": each["_upload_0"].s3Ur1,
    }
"""


def test_mypy_catches_misspelt_reads_through_fork_sub_workflow_and_dynamic_fork(
    tmp_path: Path,
) -> None:
    path = tmp_path / "flow.py"
    path.write_text(textwrap.dedent(TYPED_SOURCE))
    out, _err, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / ".c"), str(path)]
    )
    assert status == 1
    # (mypy versions differ on whether they print the `builtins.` prefix.)
    lines = [
        line.split(": ", 1)[1].replace("builtins.", "") for line in out.splitlines() if ": " in line
    ]
    assert 'note: Revealed type is "flow.Uploaded"' in lines
    assert 'note: Revealed type is "flow.Location"' in lines
    assert 'note: Revealed type is "dict[str, flow.Uploaded]"' in lines
    errors = [line for line in lines if line.startswith("error:")]
    assert errors == [
        # The item `each` receives is typed by the list's element type.
        'error: "Recipe" has no attribute "widht"; maybe "width"?  [attr-defined]',
        'error: "Uploaded" has no attribute "s3url"; maybe "s3Url"?  [attr-defined]',
        'error: "Location" has no attribute "fileLocaton"; maybe "fileLocation"?  [attr-defined]',
        'error: "Uploaded" has no attribute "s3Ur1"; maybe "s3Url"?  [attr-defined]',
    ]
