"""What pipelines expect from a linter: the JSON Schema of `--format json` holds for real
output, and the pre-commit hooks run the commands they name."""

from __future__ import annotations

import json
import re
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from flowdsl.diagnostics import all_codes

from .conftest import REPO, run_cli

SCHEMA: dict[str, Any] = json.loads(
    resources.files("flowdsl").joinpath("findings.schema.json").read_text()
)
HOOKS = (REPO / ".pre-commit-hooks.yaml").read_text()

# Definitions with findings of many kinds: errors and warnings, spans at the root and deep.
MANY = [
    {
        "name": "many",
        "version": 1,
        "inputParameters": ["n"],
        "tasks": [
            {
                "name": "t",
                "taskReferenceName": "a",
                "type": "SIMPLE",
                "inputParameters": {
                    "x": "${nosuch.output.x}",
                    "y": "$workflow.input.n",
                    "z": "${workflow.input.m}",
                    "w": "${workflow.variables.v}",
                },
            },
            {"name": "t", "taskReferenceName": "a", "type": "SIMPLE"},
            {
                "name": "calc",
                "taskReferenceName": "calc",
                "type": "INLINE",
                "inputParameters": {"evaluatorType": "javascript", "expression": ""},
            },
        ],
    },
    {"name": "t", "responseTimeoutSeconds": 60, "timeoutSeconds": 30, "outputKeys": ["r"]},
]


def validate(output: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(output)
    jsonschema.validate(found, SCHEMA, cls=jsonschema.Draft202012Validator)
    return found


def test_the_schema_is_a_valid_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    pattern = re.compile(SCHEMA["$defs"]["finding"]["properties"]["code"]["pattern"])
    assert all(pattern.match(code) for code in all_codes())


def test_json_output_of_json_sources_fits_the_schema(tmp_path: Path) -> None:
    (tmp_path / "many.json").write_text(json.dumps(MANY, indent=2))
    proc = run_cli("check", "--format", "json", "many.json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    found = validate(proc.stdout)
    assert {f["severity"] for f in found} == {"error", "warning"}
    assert len({f["code"] for f in found}) >= 6
    assert all(f["pointer"] is not None and f["line"] for f in found)


def test_json_output_of_python_sources_fits_the_schema(tmp_path: Path) -> None:
    shutil.copytree(REPO / "examples" / "image_pipeline", tmp_path / "pipeline")
    proc = run_cli("check", "--format", "json", "pipeline", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    validate(proc.stdout)
    (tmp_path / "bad.py").write_text(
        "from flowdsl import task, workflow\n\n"
        "@task\ndef t(x: int) -> int:\n    return x\n\n"
        "@workflow\ndef w(n: int) -> int:\n    return t(x=n, y=1)\n"
    )
    proc = run_cli("check", "--format", "json", "bad.py", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    found = validate(proc.stdout)
    assert found and all(f["pointer"] is None for f in found)


def test_clean_output_fits_the_schema(tmp_path: Path) -> None:
    (tmp_path / "ok.json").write_text(json.dumps({"name": "t", "ownerEmail": "a@b.c"}))
    proc = run_cli("check", "--format", "json", "ok.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert validate(proc.stdout) == []


def _hooks() -> dict[str, dict[str, str]]:
    """The hooks file's entries (a list of flat mappings), without a YAML library."""
    hooks: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in HOOKS.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        match = re.match(r"^(- |  )(\w+): (.*)$", line)
        assert match, line
        if match.group(1) == "- ":
            current = {}
            hooks[match.group(3)] = current
        current[match.group(2)] = match.group(3)
    return hooks


def test_pre_commit_hooks_name_real_commands() -> None:
    hooks = _hooks()
    assert set(hooks) == {"flowdsl-check", "flowdsl-compile-check"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] == "false"  # targets are whole folders
        assert hook["entry"].startswith("flowdsl ")


@pytest.mark.parametrize("hook", ["flowdsl-check", "flowdsl-compile-check"])
def test_pre_commit_hooks_fail_and_pass(tmp_path: Path, hook: str) -> None:
    entry = _hooks()[hook]["entry"].split()[1:]
    shutil.copytree(REPO / "examples" / "image_pipeline", tmp_path / "pipeline")
    (tmp_path / "pyproject.toml").write_text('[tool.flowdsl]\nowner_email = "a@b.c"\n')
    if hook == "flowdsl-check":
        (tmp_path / "defs").mkdir()
        (tmp_path / "defs" / "many.json").write_text(json.dumps(MANY))
        assert run_cli(*entry, "defs", cwd=tmp_path).returncode == 1
        (tmp_path / "defs" / "many.json").unlink()
        (tmp_path / "defs" / "ok.json").write_text(json.dumps({"name": "t", "retryCount": 1}))
        proc = run_cli(*entry, "defs", cwd=tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    else:
        proc = run_cli(*entry, "pipeline", cwd=tmp_path)
        assert proc.returncode == 1 and "would be written" in proc.stdout
        assert run_cli("compile", "pipeline", cwd=tmp_path).returncode == 0
        proc = run_cli(*entry, "pipeline", cwd=tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
