"""Checking large Conductor JSON: time per task must stay flat as workflows grow.

Each size is a chain of SIMPLE tasks, every task reading the one before it, with a FORK of
two branches and a SWITCH every 50 tasks, in one workflow file plus its task definitions.
Baselines, measured in the same run: json.loads of the same file (the floor for reading
it), and for the smallest size the naive ordering check (networkx.ancestors per reference),
which is quadratic.

    .venv/bin/python benchmarks/bench_check.py [--sizes 5000,10000,20000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import networkx as nx

from flowdsl.checker import check_targets
from flowdsl.config import Config
from flowdsl.frontends.json_reader import read_json_targets
from flowdsl.ir.graph import WorkflowGraph


def simple(i: int, prev: str | None) -> dict[str, Any]:
    source = f"${{{prev}.output.value}}" if prev else "${workflow.input.start}"
    return {
        "name": "step",
        "taskReferenceName": f"t{i}",
        "type": "SIMPLE",
        "inputParameters": {"value": source},
    }


def chain(n: int) -> dict[str, Any]:
    tasks: list[dict[str, Any]] = []
    prev: str | None = None
    i = 0
    while i < n:
        if i % 50 == 25 and prev is not None:
            a, b = simple(i, prev), simple(i + 1, prev)
            tasks.append(
                {
                    "name": "fork",
                    "taskReferenceName": f"fork{i}",
                    "type": "FORK_JOIN",
                    "forkTasks": [[a], [b]],
                }
            )
            tasks.append(
                {
                    "name": "join",
                    "taskReferenceName": f"join{i}",
                    "type": "JOIN",
                    "joinOn": [a["taskReferenceName"], b["taskReferenceName"]],
                }
            )
            prev, i = b["taskReferenceName"], i + 2
        elif i % 50 == 40 and prev is not None:
            case = simple(i, prev)
            tasks.append(
                {
                    "name": "switch",
                    "taskReferenceName": f"sw{i}",
                    "type": "SWITCH",
                    "evaluatorType": "value-param",
                    "expression": "k",
                    "inputParameters": {"k": "${workflow.input.k}"},
                    "decisionCases": {"a": [case]},
                }
            )
            i += 1
        else:
            tasks.append(simple(i, prev))
            prev, i = f"t{i}", i + 1
    return {
        "name": f"chain_{n}",
        "version": 1,
        "ownerEmail": "bench@example.com",
        "inputParameters": ["start", "k"],
        "tasks": tasks,
        "outputParameters": {"value": f"${{{prev}.output.value}}"},
    }


TASK_DEFS = [
    {
        "name": "step",
        "ownerEmail": "bench@example.com",
        "inputKeys": ["value"],
        "outputKeys": ["value"],
    }
]


def naive_ordering(path: Path) -> float:
    """Per-reference networkx.ancestors over the control graph: the quadratic way."""
    program, _ = read_json_targets([str(path)])
    started = time.perf_counter()
    for wf in program.workflows:
        graph = WorkflowGraph(wf)
        control: nx.DiGraph[str] = nx.DiGraph()
        control.add_edges_from(
            (u, v) for u, v, d in graph.graph.edges(data=True) if d["kind"] == "control"
        )
        for edge in graph.data_edges:
            if edge.consumer in control:
                _ = edge.producer in nx.ancestors(control, edge.consumer)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="5000,10000,20000")
    parser.add_argument("--naive-size", type=int, default=2000)
    args = parser.parse_args()
    config = Config(owner_email="bench@example.com")
    header = ("tasks", "check s", "json.loads s", "ratio", "us/task", "findings")
    print("{:>7} {:>9} {:>13} {:>7} {:>8} {:>9}".format(*header))
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"chain_{n}.json"
            path.write_text(json.dumps([chain(n), *TASK_DEFS], indent=2))
            started = time.perf_counter()
            result = check_targets([str(path)], config)
            ours = time.perf_counter() - started
            started = time.perf_counter()
            json.loads(path.read_text())
            base = time.perf_counter() - started
            print(
                f"{n:>7} {ours:>9.3f} {base:>13.4f} {ours / base:>7.1f} "
                f"{ours / n * 1e6:>8.1f} {len(result.diagnostics):>9}"
            )
        n = args.naive_size
        path = Path(tmp) / f"naive_{n}.json"
        path.write_text(json.dumps([chain(n), *TASK_DEFS]))
        started = time.perf_counter()
        check_targets([str(path)], config)
        ours = time.perf_counter() - started
        naive = naive_ordering(path)
        print(
            f"\nordering at {n} tasks: flowdsl check (everything) {ours:.3f} s; "
            f"networkx.ancestors per reference (ordering only) {naive:.3f} s "
            f"({naive / ours:.1f}x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
