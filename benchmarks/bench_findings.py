"""Findings that once grew quadratically: "did you mean" hints and the joinOn check.

Two shapes, each at growing sizes; the time per task must stay flat:

* **unknown references**: N SIMPLE tasks, each reading a misspelled reference (``t17x``
  for ``t17``), so every one gets an FD101 with a hint. The baseline, in the same run, is
  difflib over every reference name for each lookup (what the hint did before: 23-40 s at
  4000), timed on the smallest size.
* **wide fork**: one FORK_JOIN with N branches and a JOIN on every tail. The baseline is
  the former joinOn matching (each name against each branch), timed at every size.

    .venv/bin/python benchmarks/bench_findings.py [--sizes 1000,2000,4000]
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from flowdsl.checker import check_targets
from flowdsl.config import Config

TASK_DEF = {"name": "step", "ownerEmail": "bench@example.com"}


def simple(ref: str, reads: str) -> dict[str, Any]:
    return {
        "name": "step",
        "taskReferenceName": ref,
        "type": "SIMPLE",
        "inputParameters": {"value": f"${{{reads}.output.value}}"},
    }


def misspelled(n: int) -> dict[str, Any]:
    tasks = [simple(f"t{i}", f"t{i - 1}x" if i else "t0x") for i in range(n)]
    return {"name": "typos", "version": 1, "ownerEmail": "bench@example.com", "tasks": tasks}


def wide_fork(n: int) -> dict[str, Any]:
    branches = [[simple(f"b{i}", "start")] for i in range(n)]
    return {
        "name": "wide",
        "version": 1,
        "ownerEmail": "bench@example.com",
        "tasks": [
            simple("start", "start"),
            {"name": "f", "taskReferenceName": "f", "type": "FORK_JOIN", "forkTasks": branches},
            {
                "name": "j",
                "taskReferenceName": "j",
                "type": "JOIN",
                "joinOn": [f"b{i}" for i in range(n)],
            },
        ],
    }


def timed_check(tmp: Path, name: str, definition: dict[str, Any]) -> tuple[float, int]:
    path = tmp / f"{name}.json"
    path.write_text(json.dumps([definition, TASK_DEF]))
    started = time.perf_counter()
    result = check_targets([str(path)], Config())
    return time.perf_counter() - started, len(result.diagnostics)


def naive_hints(n: int) -> float:
    names = [f"t{i}" for i in range(n)]
    started = time.perf_counter()
    for i in range(n):
        difflib.get_close_matches(f"t{i}x", names, n=1, cutoff=0.6)
    return time.perf_counter() - started


def naive_join(n: int) -> float:
    accepted = [{f"b{i}"} for i in range(n)]
    names = [f"b{i}" for i in range(n)]
    started = time.perf_counter()
    for ref in names:
        _ = any(ref in refs for refs in accepted)
    for refs in accepted:
        _ = refs & set(names)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,2000,4000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        print("unknown references (one FD101 with a hint per task)")
        print("{:>7} {:>9} {:>9} {:>9}".format("tasks", "check s", "us/task", "findings"))
        for n in sizes:
            took, found = timed_check(tmp, f"typos_{n}", misspelled(n))
            print(f"{n:>7} {took:>9.3f} {took / n * 1e6:>9.1f} {found:>9}")
        n = sizes[0]
        took, _ = timed_check(tmp, f"typos_{n}", misspelled(n))
        naive = naive_hints(n)
        print(
            f"  at {n}: difflib over every name, hints only: {naive:.3f} s "
            f"({naive / took:.1f}x the whole check)\n"
        )
        print("wide fork (a JOIN on every branch)")
        header = ("branches", "check s", "us/branch", "old joinOn s", "findings")
        print("{:>8} {:>9} {:>10} {:>13} {:>9}".format(*header))
        for n in sizes:
            took, found = timed_check(tmp, f"wide_{n}", wide_fork(n))
            print(f"{n:>8} {took:>9.3f} {took / n * 1e6:>10.1f} {naive_join(n):>13.3f} {found:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
