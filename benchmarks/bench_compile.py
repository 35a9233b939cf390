"""Compile speed: tracing + checks + emit of generated workflows, against a baseline.

The baseline, measured in the same run, builds the same JSON documents with plain dicts and
json.dumps: the least work any tool must do to produce the output. The ratio is flowdsl's
overhead over that floor.

    .venv/bin/python benchmarks/bench_compile.py [--sizes 100,1000,5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import textwrap
import time
import tracemalloc
from pathlib import Path

from flowdsl.compiler import compile_workflows
from flowdsl.config import Config
from flowdsl.loader import discover

MODULE = """
from pydantic import BaseModel
from flowdsl import task, workflow

class Out(BaseModel):
    value: str
    count: int

@task(retry_count=3, timeout_seconds=30)
def step(value: str, count: int) -> Out:
    raise NotImplementedError

@workflow(name="chain_{n}", version=1)
def chain(start: str) -> dict:
    value, count = start, 0
    for i in range({n}):
        out = step(value=value if i == 0 else f"{{value}}-{{i}}", count=count)
        value, count = out.value, out.count
    return {{"value": value}}
"""


def baseline(n: int) -> bytes:
    tasks = []
    for i in range(n):
        ref = "step_ref" if i == 0 else f"step_ref_{i + 1}"
        prev = "step_ref" if i == 1 else f"step_ref_{i}"
        value = "${workflow.input.start}" if i == 0 else f"${{{prev}.output.value}}-{i}"
        count = 0 if i == 0 else f"${{{prev}.output.count}}"
        tasks.append(
            {
                "name": "step",
                "taskReferenceName": ref,
                "inputParameters": {"value": value, "count": count},
                "type": "SIMPLE",
            }
        )
    doc = {
        "name": f"chain_{n}",
        "version": 1,
        "tasks": tasks,
        "inputParameters": ["start"],
        "outputParameters": {"value": "${x.output.value}"},
        "schemaVersion": 2,
        "ownerEmail": "bench@example.com",
    }
    return (json.dumps(doc, indent=2) + "\n").encode()


def best_of(repeat: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    config = Config(owner_email="bench@example.com")
    header = ("tasks", "flowdsl s", "baseline s", "ratio", "us/task", "peak MiB")
    print("{:>6} {:>10} {:>11} {:>7} {:>8} {:>9}".format(*header))
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"chain_{n}.py"
            path.write_text(textwrap.dedent(MODULE.format(n=n)))
            workflows = discover([str(path)])

            def run(workflows: list = workflows) -> None:  # type: ignore[type-arg]
                result = compile_workflows(workflows, config)
                assert result.files is not None, result.diagnostics[:3]

            ours = best_of(args.repeat, run)
            base = best_of(args.repeat, lambda: baseline(n))  # noqa: B023
            tracemalloc.start()
            run()
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            print(
                f"{n:>6} {ours:>10.3f} {base:>11.4f} {ours / base:>7.1f} "
                f"{ours / n * 1e6:>8.1f} {peak:>9.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
