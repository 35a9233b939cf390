"""The flowdsl process leaves without tearing the interpreter down (issue 11): its exit
code, its whole output and the exit handlers of user modules are still there."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_MODULE = """
import atexit
from pathlib import Path

from pydantic import BaseModel

from flowdsl import task, workflow


class Out(BaseModel):
    value: str


@task(owner_email="a@b.c")
def step(value: str) -> Out:
    raise NotImplementedError


@workflow(owner_email="a@b.c")
def wide(start: str) -> dict[str, str]:
    value = start
    for _ in range(300):
        value = step(value=value).nope  # FD103 three hundred times: a long report
    return {"value": value}


atexit.register(lambda: Path("atexit-ran").write_text("yes", encoding="utf-8"))
"""


def _flowdsl(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowdsl", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_findings_exit_1_with_the_whole_report_and_exit_handlers_run(tmp_path: Path) -> None:
    (tmp_path / "flows.py").write_text(_MODULE, encoding="utf-8")
    done = _flowdsl(tmp_path, "check", "--format", "json", "flows.py")
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)  # complete: the pipe was flushed before leaving
    assert [f["code"] for f in findings].count("FD103") >= 50  # (a long run is folded)
    assert (tmp_path / "atexit-ran").read_text(encoding="utf-8") == "yes"


def test_a_clean_compile_exits_0_and_an_unreadable_input_2(tmp_path: Path) -> None:
    (tmp_path / "flows.py").write_text(
        _MODULE.replace("step(value=value).nope", "step(value=value).value"), encoding="utf-8"
    )
    done = _flowdsl(tmp_path, "compile", "flows.py", "-o", "out")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "workflows" / "wide.v1.json").is_file()
    missing = _flowdsl(tmp_path, "check", "missing.json")
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: ")
