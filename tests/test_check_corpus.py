"""scripts/check_corpus.py against a temp corpus and a fake checker (flowdsl check may not
exist yet): the tally, the per-code table, crashes, embedded definitions and the JSON report."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check_corpus.py"

# A checker stand-in: `fake.py check --format json FILE`. It answers by file name.
FAKE = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path

    assert sys.argv[1:4] == ["check", "--format", "json"], sys.argv
    path = Path(sys.argv[4])
    name = path.name

    def finding(code, severity="error"):
        return {"code": code, "severity": severity, "message": "m", "file": str(path),
                "line": 1, "column": 1, "pointer": "/tasks/0", "hint": None}

    if name == "orders.json":
        print(json.dumps([finding("FD101"), finding("FD101"), finding("FD405", "warning")]))
        sys.exit(1)
    if name == "billing.json":
        print(json.dumps([finding("FD405", "warning")]))
        sys.exit(0)
    if name == "crash.json":
        raise RuntimeError("checker bug")
    if name == "usage.json":
        print("error: cannot read", file=sys.stderr)
        sys.exit(2)
    if name == "garbled.json":
        print("not json")
        sys.exit(0)
    print("[]")
    """
)


def definition(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "version": 1,
        "tasks": [{"name": "t", "taskReferenceName": "t_ref", "type": "SIMPLE"}],
    }


def write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def run(corpus: Path, fake: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = shlex.join([sys.executable, str(fake)])
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(corpus), "--flowdsl", command, *extra],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def fake(tmp_path: Path) -> Path:
    path = tmp_path / "fake_checker.py"
    path.write_text(FAKE)
    return path


def test_two_files_tally(tmp_path: Path, fake: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "orders.json", definition("orders"))
    write(corpus / "sub" / "billing.json", [definition("billing"), definition("refunds")])
    out = tmp_path / "report.json"

    done = run(corpus, fake, "--out", str(out))

    assert done.returncode == 0, done.stderr
    assert "files scanned:             2" in done.stdout
    assert "files with definitions:    2 (3 definitions)" in done.stdout
    assert "files with findings:       2" in done.stdout
    assert "crashes:                   0" in done.stdout
    table = [line.split() for line in done.stdout.splitlines() if line.startswith("FD")]
    assert table == [["FD101", "error", "2", "1"], ["FD405", "warning", "2", "2"]]

    summary = json.loads(out.read_text())["summary"]
    assert summary["files_scanned"] == 2
    assert summary["files_with_definitions"] == 2
    assert summary["definitions"] == 3
    assert summary["files_with_findings"] == 2
    assert summary["crashes"] == 0
    assert summary["codes"] == {
        "FD101": {"severity": "error", "findings": 2, "files": 1},
        "FD405": {"severity": "warning", "findings": 2, "files": 2},
    }


def test_crashes_embedded_and_other_files(tmp_path: Path, fake: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "orders.json", definition("orders"))
    write(corpus / "clean.json", definition("clean"))
    write(corpus / "crash.json", definition("crash"))
    write(corpus / "usage.json", definition("usage"))
    write(corpus / "garbled.json", definition("garbled"))
    write(
        corpus / "fixtures" / "execution.json",
        {"workflowId": "x", "workflowDefinition": definition("e")},
    )
    write(
        corpus / "fixtures" / "requests.json",
        [{"workflowDef": definition("a")}, {"workflowDef": definition("b")}],
    )
    write(corpus / "taskdefs.json", [{"name": "t", "retryCount": 1}])
    write(corpus / "node_modules" / "ignored.json", definition("ignored"))
    (corpus / "broken.json").write_text("{ not json")
    out = tmp_path / "report.json"

    done = run(corpus, fake, "--out", str(out), "--details", "--jobs", "2")

    assert done.returncode == 0, done.stderr
    summary = json.loads(out.read_text())["summary"]
    assert summary["files_scanned"] == 9
    assert summary["unreadable"] == 1
    assert summary["files_with_definitions"] == 5
    assert summary["files_with_embedded"] == 2
    assert summary["embedded_definitions"] == 3
    assert summary["files_checked"] == 5
    assert summary["files_clean"] == 1
    assert summary["files_with_findings"] == 1
    assert summary["crashes"] == 3
    assert set(summary["codes"]) == {"FD101", "FD405"}

    files = {f["path"]: f for f in json.loads(out.read_text())["files"]}
    assert files["crash.json"]["status"] == "crash"
    assert "RuntimeError: checker bug" in files["crash.json"]["error"]
    assert files["usage.json"]["exit_code"] == 2
    assert files["garbled.json"]["status"] == "crash"
    assert files["fixtures/execution.json"]["embedded"] == ["/workflowDefinition"]
    assert files["fixtures/requests.json"]["embedded"] == ["/0/workflowDef", "/1/workflowDef"]
    assert "taskdefs.json" not in files  # neither a definition nor holding one
    assert "fixtures/execution.json  embedded at /workflowDefinition (not checked)" in done.stdout
    assert "orders.json  [1 def] findings: FD101 x2, FD405" in done.stdout

    strict = run(corpus, fake, "--strict")
    assert strict.returncode == 1


def test_timeout_is_a_crash(tmp_path: Path) -> None:
    slow = tmp_path / "slow.py"
    slow.write_text("import time\ntime.sleep(30)\n")
    corpus = tmp_path / "corpus"
    write(corpus / "orders.json", definition("orders"))
    out = tmp_path / "report.json"

    done = run(corpus, slow, "--timeout", "0.5", "--out", str(out))

    assert done.returncode == 0, done.stderr
    (result,) = json.loads(out.read_text())["files"]
    assert result["status"] == "crash"
    assert result["error"].startswith("timed out")


def test_not_a_directory(tmp_path: Path, fake: Path) -> None:
    done = run(tmp_path / "missing", fake)
    assert done.returncode == 2
    assert "not a directory" in done.stderr
