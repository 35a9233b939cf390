from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flowdsl.compiler import CompileResult, compile_workflows
from flowdsl.config import Config
from flowdsl.loader import discover

REPO = Path(__file__).resolve().parents[1]

Compile = Callable[..., CompileResult]


@pytest.fixture
def compile_src(tmp_path: Path) -> Compile:
    """Compile a workflow module given as source text; returns the CompileResult."""

    counter = iter(range(1000))

    def run(source: str, **config: Any) -> CompileResult:
        path = tmp_path / f"wfmod_{next(counter)}.py"
        path.write_text(textwrap.dedent(source))
        config.setdefault("owner_email", "team@example.com")
        return compile_workflows(discover([str(path)]), Config(**config))

    return run


def codes(result: CompileResult) -> list[str]:
    return [d.code for d in result.diagnostics]


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `flowdsl` in a fresh process, as a build pipeline does."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "flowdsl", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
