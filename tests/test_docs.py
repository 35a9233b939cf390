"""docs/diagnostics.md stays true: every code has a section whose example, run through
`flowdsl check`, prints the message the section shows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from flowdsl.diagnostics import all_codes

from .conftest import REPO, run_cli

DOC = (REPO / "docs" / "diagnostics.md").read_text()
SECTION = re.compile(
    r"^## (FD\d{3})\n.*?```(json|python)([^\n]*)\n(.*?)\n```\n\n```text\n(.*?)\n```",
    re.S | re.M,
)
SECTIONS = {m.group(1): m.groups()[1:] for m in SECTION.finditer(DOC)}


def test_every_code_has_a_section() -> None:
    assert sorted(SECTIONS) == sorted(all_codes())


# Findings of a server's answers (FD7xx) come from `flowdsl register`; their messages are
# checked against the real server in tests/integration/test_register.py.
@pytest.mark.parametrize("code", sorted(c for c, s in SECTIONS.items() if "server" not in s[1]))
def test_example_prints_the_documented_message(code: str, tmp_path: Path) -> None:
    kind, info, example, shown = SECTIONS[code]
    name = "example.py" if kind == "python" else "example.json"
    (tmp_path / name).write_text(example + "\n")
    args = ["check", "--format", "json", name]
    target = re.search(r"target=(\S+)", info)
    if target:
        args += ["--target", target.group(1)]
    proc = run_cli(*args, cwd=tmp_path)
    found = json.loads(proc.stdout)
    lines = [
        f"{f['file']}:{f['line']}:{f['column']}: {f['code']}"
        f"{'' if f['severity'] == 'error' else ' (warning)'} {f['message']}"
        for f in found
    ]
    assert shown in lines
