"""Editors and mypy see through tasks: a call returns the task's declared return type."""

from __future__ import annotations

import textwrap
from pathlib import Path

from mypy import api

SOURCE = """
from pydantic import BaseModel
from flowdsl import task, workflow

class Resized(BaseModel):
    fileLocation: str

@task(retry_count=3)
def resize(fileLocation: str, width: int) -> Resized:
    return Resized(fileLocation=fileLocation)

@workflow(name="w")
def w(fileLocation: str) -> dict[str, str]:
    resized = resize(fileLocation=fileLocation, width=3)
    reveal_type(resized)
    again = resize.options(ref="again")(fileLocation=resized.fileLocaton, width="3")
    return {"x": again.fileLocation}
"""


def test_mypy_checks_task_calls_and_outputs(tmp_path: Path) -> None:
    path = tmp_path / "flow.py"
    path.write_text(textwrap.dedent(SOURCE))
    out, _err, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / ".c"), str(path)]
    )
    assert status == 1
    lines = [line.split(": ", 1)[1] for line in out.splitlines() if ": " in line]
    assert 'note: Revealed type is "flow.Resized"' in lines
    assert any(
        '"Resized" has no attribute "fileLocaton"; maybe "fileLocation"?' in line for line in lines
    )
    assert any(
        'Argument "width" has incompatible type "str"; expected "int"' in line for line in lines
    )
