"""Property tests on generated Conductor programs (tests/strategies.py).

- valid programs with nested forks, switches, loops, dynamic forks and sub-workflows produce
  no finding at all: no false positives;
- a valid program with exactly one injected defect produces exactly that defect's code;
- the same holds when the program is split over several files, as users keep them.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from flowdsl.checker import check_targets
from flowdsl.config import Config

from .strategies import MUTATIONS, Mutation, mutated_programs, valid_programs, write_program

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def findings(workflows: list[dict], task_defs: list[dict], *, bundle: bool) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_program(Path(tmp), workflows, task_defs, bundle=bundle)
        result = check_targets([str(p) for p in paths], Config())
    return [f"{d.code} {d.message}" for d in result.diagnostics]


@SETTINGS
@given(valid_programs())
def test_valid_programs_have_no_findings(program: tuple[list[dict], list[dict]]) -> None:
    workflows, task_defs = program
    assert findings(workflows, task_defs, bundle=True) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_programs())
def test_valid_programs_split_over_files_have_no_findings(
    program: tuple[list[dict], list[dict]],
) -> None:
    workflows, task_defs = program
    assert findings(workflows, task_defs, bundle=False) == []


@pytest.mark.parametrize("kind", sorted(MUTATIONS))
def test_one_injected_defect_gives_exactly_its_code(kind: str) -> None:
    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutated_programs([kind]))
    def run(program: tuple[list[dict], list[dict], Mutation]) -> None:
        workflows, task_defs, mutation = program
        codes = sorted(
            {line.split(" ", 1)[0] for line in findings(workflows, task_defs, bundle=True)}
        )
        assert codes == [mutation.code], (mutation, json.dumps(workflows)[:2000])

    run()
