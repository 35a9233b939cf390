"""JSON front end speed: reading Conductor JSON into the IR, and positions on request.

Generates a workflow of N tasks shaped like a server export (every WorkflowTask default
written out, four inputs of which three hold expressions, one in a nested list), then times:

* ``json.loads`` of the file: the floor any JSON reader pays;
* ``read_json_targets``: parse + IR (expressions parsed, spans with pointers, no positions);
* the first position asked for (the table of line starts, plus indexing down the pointer);
* positions of findings spread over the file, after the first.

    python benchmarks/bench_json_reader.py [--sizes 1000,5000,20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flowdsl.frontends.json_reader import read_json_targets
from flowdsl.jsonsource import JsonDocument, load_json


def workflow(n: int) -> dict[str, Any]:
    tasks = []
    for i in range(n):
        prev = f"t{i - 1}" if i else None
        tasks.append(
            {
                "name": "step",
                "taskReferenceName": f"t{i}",
                "type": "SIMPLE",
                "inputParameters": {
                    "value": f"${{{prev}.output.value}}" if prev else "${workflow.input.start}",
                    "count": f"${{{prev}.output.count}}" if prev else 0,
                    "label": f"step {i} of ${{workflow.input.start}}",
                    "nested": {"list": [1, "two", f"${{workflow.input.items[{i % 5}]}}"]},
                },
                "decisionCases": {},
                "defaultCase": [],
                "forkTasks": [],
                "startDelay": 0,
                "joinOn": [],
                "optional": False,
                "defaultExclusiveJoinTask": [],
                "asyncComplete": False,
                "loopOver": [],
            }
        )
    return {
        "name": f"chain_{n}",
        "version": 1,
        "tasks": tasks,
        "inputParameters": ["start", "items"],
        "outputParameters": {"value": f"${{t{n - 1}.output.value}}"},
        "schemaVersion": 2,
        "ownerEmail": "team@example.com",
    }


def best(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    print(
        f"{'tasks':>7} {'MB':>6} {'json.loads':>11} {'read+IR':>9} {'x loads':>8} "
        f"{'1st pos':>8} {'1st pos':>8} {'100 more':>9}"
    )
    print(f"{'':>7} {'':>6} {'s':>11} {'s':>9} {'':>8} {'(early)':>8} {'(last)':>8} {'ms':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"wf_{n}.json"
            path.write_text(json.dumps(workflow(n), indent=2), encoding="utf-8")
            size = path.stat().st_size / 1e6

            loads = best(args.repeat, lambda p=path: json.loads(p.read_text(encoding="utf-8")))
            read = best(args.repeat, lambda p=path: read_json_targets([str(p)]))
            program, diagnostics = read_json_targets([str(path)])
            assert not diagnostics and len(program.workflows[0].tasks) == n

            text = path.read_text(encoding="utf-8")

            def first(pointer: str, text: str = text) -> None:
                JsonDocument("wf.json", text).position(pointer)

            early = best(args.repeat, lambda: first("/tasks/3/inputParameters/label"))
            last = best(args.repeat, lambda m=n: first(f"/tasks/{m - 1}/inputParameters/label"))
            document = load_json(path)
            document.position("/tasks/0")
            step = max(1, n // 100)
            pointers = [f"/tasks/{i}/inputParameters/nested/list/2" for i in range(0, n, step)]
            start = time.perf_counter()
            for pointer in pointers:
                document.position(pointer)
            more = (time.perf_counter() - start) * 1000 * 100 / len(pointers)

            print(
                f"{n:>7} {size:>6.1f} {loads:>11.3f} {read:>9.3f} {read / loads:>8.1f} "
                f"{early:>8.3f} {last:>8.3f} {more:>9.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
