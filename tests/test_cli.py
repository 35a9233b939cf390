"""`flowdsl compile`: outputs, --check, exit codes and messages, in a fresh process each time."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from .conftest import REPO, run_cli

GOOD = """
from flowdsl import task, workflow

@task(retry_count=1)
def step(x: str) -> str:
    return x

@workflow(name="flow", version=2)
def flow(x: str) -> dict:
    return {"r": step(x=x)}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.flowdsl]\nowner_email = "team@example.com"\nout_dir = "out"\n'
    )
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "main.py").write_text(textwrap.dedent(GOOD))
    return tmp_path


def test_compile_writes_one_file_per_definition(project: Path) -> None:
    proc = run_cli("compile", "flows", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert "compiled 1 workflow, 1 task definition into out" in proc.stdout
    files = sorted(p.relative_to(project / "out").as_posix() for p in (project / "out").rglob("*"))
    assert files == ["tasks", "tasks/step.json", "workflows", "workflows/flow.v2.json"]


def test_output_is_byte_identical_across_runs_and_processes(project: Path) -> None:
    run_cli("compile", "flows", cwd=project)
    first = {p: p.read_bytes() for p in (project / "out").rglob("*.json")}
    shutil.rmtree(project / "out")
    proc = run_cli("compile", "flows", cwd=project, env={"PYTHONHASHSEED": "12345"})
    assert proc.returncode == 0
    assert {p: p.read_bytes() for p in (project / "out").rglob("*.json")} == first
    again = run_cli("compile", "flows", cwd=project)
    assert "0 written, 2 unchanged, 0 removed" in again.stdout


def test_check_passes_when_up_to_date_and_fails_when_stale(project: Path) -> None:
    assert run_cli("compile", "flows", cwd=project).returncode == 0
    ok = run_cli("compile", "flows", "--check", cwd=project)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "is up to date" in ok.stdout

    # A changed file, a missing file and a stale file are all reported; nothing is written.
    (project / "out" / "tasks" / "step.json").write_text("{}\n")
    (project / "out" / "workflows" / "flow.v2.json").unlink()
    (project / "out" / "workflows" / "old.v1.json").write_text("{}\n")
    stale = run_cli("compile", "flows", "--check", cwd=project)
    assert stale.returncode == 1
    assert "out/tasks/step.json: would change" in stale.stdout
    assert "out/workflows/flow.v2.json: would be written" in stale.stdout
    assert "out/workflows/old.v1.json: would be removed" in stale.stdout
    assert "out of date" in stale.stderr
    assert (project / "out" / "tasks" / "step.json").read_text() == "{}\n"
    assert (project / "out" / "workflows" / "old.v1.json").exists()


def test_compile_removes_files_it_no_longer_produces(project: Path) -> None:
    run_cli("compile", "flows", cwd=project)
    (project / "out" / "workflows" / "gone.v1.json").write_text("{}\n")
    (project / "out" / "workflows" / "notes.txt").write_text("kept\n")
    proc = run_cli("compile", "flows", cwd=project)
    assert "1 removed" in proc.stdout
    assert not (project / "out" / "workflows" / "gone.v1.json").exists()
    assert (project / "out" / "workflows" / "notes.txt").exists()
    assert not list((project / "out").rglob("*.tmp"))


def test_errors_exit_1_with_findings_and_write_nothing(project: Path) -> None:
    (project / "flows" / "main.py").write_text(
        textwrap.dedent(GOOD).replace("step(x=x)", "step(x=x, y=1)")
    )
    proc = run_cli("compile", "flows", cwd=project)
    assert proc.returncode == 1
    assert "flows/main.py:10:28: FD106 `step` takes no input `y`" in proc.stdout
    assert "Found 1 error in 1 file." in proc.stdout
    assert "nothing written" in proc.stderr
    assert not (project / "out").exists()


def test_missing_owner_email_is_reported_and_flag_fixes_it(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.flowdsl]\nout_dir = "out"\n')
    proc = run_cli("compile", "flows", cwd=project)
    assert proc.returncode == 1
    assert proc.stdout.count("FD601") == 2
    fixed = run_cli("compile", "flows", "--owner-email", "me@example.com", cwd=project)
    assert fixed.returncode == 0, fixed.stdout
    assert '"ownerEmail": "me@example.com"' in (project / "out/tasks/step.json").read_text()


def test_out_dir_flag_and_dotted_module_targets(project: Path) -> None:
    (project / "flows" / "__init__.py").write_text("")
    proc = run_cli("compile", "flows.main:flow", "-o", "elsewhere", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert (project / "elsewhere" / "workflows" / "flow.v2.json").exists()
    missing = run_cli("compile", "flows.main:nope", cwd=project)
    assert missing.returncode == 2
    assert "has no @workflow named 'nope'" in missing.stderr


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("x = undefined_name\n", "flows/bad.py:1:5: cannot import flows/bad.py: NameError"),
        ("def broken(:\n", "flows/bad.py:1:12: cannot import flows/bad.py: SyntaxError"),
        ("import not_a_module_anywhere\n", "No module named 'not_a_module_anywhere'"),
    ],
)
def test_import_failures_exit_2_with_the_users_location(
    project: Path, body: str, expected: str
) -> None:
    (project / "flows" / "bad.py").write_text(body)
    proc = run_cli("compile", "flows", cwd=project)
    assert proc.returncode == 2
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert len(proc.stderr.strip().splitlines()) == 1


def test_usage_errors_exit_2(project: Path) -> None:
    missing = run_cli("compile", "nowhere/flows.py", cwd=project)
    assert (missing.returncode, missing.stderr.strip()) == (
        2,
        "error: nowhere/flows.py: no such file or directory",
    )
    assert run_cli("compile", cwd=project).returncode == 2
    assert run_cli("compile", "flows", "--target", "9.9", cwd=project).returncode == 2
    (project / "pyproject.toml").write_text('[tool.flowdsl]\nowner = "x"\n')
    bad_config = run_cli("compile", "flows", cwd=project)
    assert bad_config.returncode == 2
    assert "unknown key(s) in [tool.flowdsl]" in bad_config.stderr
    (project / "pyproject.toml").write_text('[tool.flowdsl]\ntarget = "1.0"\n')
    assert "unknown target '1.0'" in run_cli("compile", "flows", cwd=project).stderr


def test_the_bundled_example_compiles(tmp_path: Path) -> None:
    proc = run_cli(
        "compile", str(REPO / "examples" / "image_pipeline"), "-o", str(tmp_path), cwd=REPO
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.json")) == [
        "tasks/image_convert_resize.json",
        "tasks/image_multiple_convert_resize.json",
        "tasks/upload_toS3.json",
        "workflows/image_convert_resize.v1.json",
        "workflows/image_convert_resize_multipleformat.v1.json",
        "workflows/image_convert_resize_multipleformat_subworkflow.v1.json",
        "workflows/image_multiple_convert_resize.v1.json",
        "workflows/image_multiple_convert_resize_recipes.v1.json",
    ]


def test_check_reads_every_file_of_a_folder_and_reports_the_unreadable(tmp_path: Path) -> None:
    folder = tmp_path / "defs"
    folder.mkdir()
    (folder / "a_broken.json").write_text('{"name": "x",\n "tasks": [}')
    (folder / "b_nan.json").write_text('{"name": "t", "retryCount": NaN}')
    (folder / "c_flow.json").write_text(
        json.dumps(
            {
                "name": "wf",
                "version": 1,
                "tasks": [{"name": "t", "taskReferenceName": "a", "type": "SIMPLE", "x": 1}],
            }
        )
    )
    (folder / "d_trailing.json").write_text('{"name": "t", "retryCount": 1} trailing')
    proc = run_cli("check", "defs", cwd=tmp_path)
    assert proc.returncode == 2  # the worst of all: an unreadable file
    assert "defs/a_broken.json:2:12: malformed JSON" in proc.stderr
    assert "defs/b_nan.json:1:29: malformed JSON: `NaN`" in proc.stderr
    assert "defs/c_flow.json:1:" in proc.stdout and "FD602" in proc.stdout  # still checked
    assert "defs/d_trailing.json:1:32: FD606 (warning)" in proc.stdout
    (folder / "a_broken.json").unlink()
    (folder / "b_nan.json").unlink()
    assert run_cli("check", "defs", cwd=tmp_path).returncode == 1
    proc = run_cli("check", "defs", "missing.json", cwd=tmp_path)
    assert proc.returncode == 2 and "missing.json: no such file" in proc.stderr
    assert "FD602" in proc.stdout


def test_owner_email_required_is_a_setting(tmp_path: Path) -> None:
    (tmp_path / "wf.json").write_text(json.dumps({"name": "t", "retryCount": 1}) + "\n")
    assert run_cli("check", "wf.json", cwd=tmp_path).returncode == 0
    (tmp_path / "pyproject.toml").write_text("[tool.flowdsl]\nowner_email_required = true\n")
    proc = run_cli("check", "wf.json", cwd=tmp_path)
    assert proc.returncode == 1 and "FD601" in proc.stdout
    (tmp_path / "pyproject.toml").write_text('[tool.flowdsl]\nowner_email_required = "yes"\n')
    assert run_cli("check", "wf.json", cwd=tmp_path).returncode == 2
