"""The bundled example against the JSON the seed blog post published.

Both sides get Conductor's defaults filled in, then every difference is listed: the only
ones allowed are the seed's two defects and the workflow's inputParameters (a
documentation-only list the post leaves out and flowdsl always writes).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flowdsl.compiler import compile_workflows
from flowdsl.conductor.models import TaskDef, WorkflowDef, with_defaults
from flowdsl.config import Config
from flowdsl.loader import discover

from .conftest import REPO

SEED = Path(__file__).parent / "data" / "seed_004"


def differences(a: Any, b: Any, path: str = "") -> dict[str, tuple[Any, Any]]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: dict[str, tuple[Any, Any]] = {}
        for key in sorted(set(a) | set(b)):
            out.update(differences(a.get(key), b.get(key), f"{path}/{key}"))
        return out
    if (
        isinstance(a, list)
        and isinstance(b, list)
        and len(a) == len(b)
        and a
        and isinstance(a[0], dict)
    ):
        out = {}
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out.update(differences(x, y, f"{path}/{i}"))
        return out
    return {} if a == b else {path: (a, b)}


@pytest.fixture(scope="module")
def compiled() -> dict[str, Any]:
    result = compile_workflows(discover([str(REPO / "examples" / "image_pipeline")]), Config())
    assert result.files is not None, [d.message for d in result.diagnostics]
    return {path: json.loads(content) for path, content in result.files.items()}


def seed_upload_named_upload_to_s3(doc: dict[str, Any]) -> dict[str, Any]:
    """The post names the upload task three ways; the later posts call it upload_toS3."""
    text = json.dumps(doc).replace('"name": "upload_toS3_ref"', '"name": "upload_toS3"')
    return json.loads(text)


def test_workflow_matches_the_seed_but_for_its_defect(compiled: dict[str, Any]) -> None:
    seed = seed_upload_named_upload_to_s3(json.loads((SEED / "workflow.json").read_text()))
    ours = compiled["workflows/image_convert_resize.v1.json"]
    diff = differences(with_defaults(WorkflowDef, seed), with_defaults(WorkflowDef, ours))
    assert diff == {
        # Defect 1: upload_toS3 declares only s3Url (outputKeys), so fileLocation is null.
        "/outputParameters/fileLocation": (
            "${upload_toS3_ref.output.fileLocation}",
            "${upload_toS3_ref.output.s3Url}",
        ),
        "/inputParameters": ([], ["fileLocation", "recipeParameters"]),
    }


def test_task_definitions_match_the_seed_but_for_its_defect(compiled: dict[str, Any]) -> None:
    seed = {
        td["name"]: td
        for td in seed_upload_named_upload_to_s3(json.loads((SEED / "taskdefs.json").read_text()))
    }
    assert sorted(seed) == ["image_convert_resize", "upload_toS3"]
    resize = differences(
        with_defaults(TaskDef, seed["image_convert_resize"]),
        with_defaults(TaskDef, compiled["tasks/image_convert_resize.json"]),
    )
    # Defect 2: responseTimeoutSeconds 60 > timeoutSeconds 30 is rejected by Conductor.
    assert resize == {"/responseTimeoutSeconds": (60, 30)}
    upload = differences(
        with_defaults(TaskDef, seed["upload_toS3"]),
        with_defaults(TaskDef, compiled["tasks/upload_toS3.json"]),
    )
    assert upload == {}


def test_check_reports_exactly_the_seeds_two_defects(tmp_path: Path) -> None:
    """`flowdsl check` on the post's published JSON: both defects, nothing else."""
    from .conftest import run_cli

    for name in ("workflow.json", "taskdefs.json"):
        (tmp_path / name).write_text((SEED / name).read_text())
    proc = run_cli("check", "--format", "json", "workflow.json", "taskdefs.json", cwd=tmp_path)
    assert proc.returncode == 1
    found = [
        (f["code"], f["file"], f["pointer"], f["line"], f["column"])
        for f in json.loads(proc.stdout)
    ]
    assert found == [
        ("FD401", "taskdefs.json", "/0/responseTimeoutSeconds", 19, 29),
        ("FD103", "workflow.json", "/outputParameters/fileLocation", 45, 19),
    ]
    text = (tmp_path / "taskdefs.json").read_text().splitlines()
    assert text[18][28:].startswith("60")
    text = (tmp_path / "workflow.json").read_text().splitlines()
    assert text[44][18:].startswith('"${upload_toS3_ref.output.fileLocation}"')
