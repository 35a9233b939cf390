"""flowdsl against the Conductor Python SDK, in one run (issue 11).

    .venv/bin/pip install -q -e '.[bench]' && .venv/bin/python benchmarks/performance.py

For each shape of benchmarks/shapes.py and each size N:

* flowdsl in process, by phase: trace (running the @workflow), checks (every check), emit
  (the JSON bytes of every workflow and task definition), as ``flowdsl compile`` runs them;
* the SDK (conductor-python) building the same workflow and serialising it as its
  ``register()`` does (WorkflowDef, sanitize_for_serialization, json.dumps), checking
  nothing; the two definitions are compared (shapes.canonical) before anything is timed;
* the ``json.dumps(indent=2)`` of flowdsl's document: the floor any tool writing it pays;
* peak memory (tracemalloc, in separate untimed runs) and, per shape, the scaling exponent
  of time and memory (least squares of log time on log tasks over the sizes >= 1000).

Then ``flowdsl check`` of the generated JSON, in process and as a whole process, against a
process that only loads and dumps the same files; whole-process compiles of flowdsl and the
SDK; and cold starts (``flowdsl --help``, compiling examples/image_pipeline, checking one
small file) against ``python -c pass``.

Every figure is the median of repeats that alternate between the things compared, and every
ratio is taken within this run: the machine is shared and noisy. Targets are in issue 11;
the summary at the end says which are met.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import shapes  # noqa: E402

from flowdsl import __version__  # noqa: E402
from flowdsl.checker import check_targets  # noqa: E402
from flowdsl.checks import run_checks  # noqa: E402
from flowdsl.collector import paused as collector_paused  # noqa: E402
from flowdsl.compiler import build_program  # noqa: E402
from flowdsl.conductor.targets import get_target  # noqa: E402
from flowdsl.config import Config  # noqa: E402
from flowdsl.emit.conductor import emit_program  # noqa: E402
from flowdsl.passes import fill_owner_email  # noqa: E402

CONFIG = Config(owner_email=shapes.OWNER)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def exponent(points: Sequence[tuple[float, float]]) -> float | None:
    """Least-squares slope of log(y) on log(x)."""
    pts = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else None


# -- one compile, by phase --------------------------------------------------------------------


@dataclass
class Phases:
    trace: float
    checks: float
    emit: float
    files: dict[str, bytes]

    @property
    def total(self) -> float:
        return self.trace + self.checks + self.emit


def flowdsl_compile(wf: Any) -> Phases:
    """compile_workflows, timed by phase (same steps, same collector pause)."""
    with collector_paused():
        t0 = time.perf_counter()
        program, diagnostics = build_program([wf])
        t1 = time.perf_counter()
        program = fill_owner_email(program, CONFIG.owner_email)
        diagnostics.extend(run_checks(program, get_target(CONFIG.target)))
        t2 = time.perf_counter()
        errors = [d for d in diagnostics if d.is_error]
        if errors:
            raise SystemExit(f"{wf.name}: flowdsl reports errors: {errors[:3]}")
        files = emit_program(program)
        t3 = time.perf_counter()
    return Phases(t1 - t0, t2 - t1, t3 - t2, files)


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def peak_mib(fn: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


# -- in-process comparison ----------------------------------------------------------------------


@dataclass
class Row:
    shape: str
    n: int
    tasks: int
    trace: float
    checks: float
    emit: float
    total: float
    sdk: float | None
    floor: float
    mem: float | None
    sdk_mem: float | None
    files: dict[str, bytes] = field(repr=False)


def measure(shape: str, n: int, repeat: int, sdk: bool, memory: bool) -> Row:
    wf = shapes.flowdsl_workflow(shape, n)
    first = flowdsl_compile(wf)
    ours = first.files[f"workflows/{shape}_{n}.v1.json"]
    document = json.loads(ours)
    if sdk:
        theirs = shapes.sdk_build(shape, n)
        if not shapes.equivalent(ours, theirs):
            raise SystemExit(f"{shape} {n}: flowdsl and the SDK built different workflows")
    runs: list[Phases] = []
    sdk_times: list[float] = []
    floors: list[float] = []
    for index in range(repeat):
        steps: list[Callable[[], None]] = [
            lambda: runs.append(flowdsl_compile(wf)),
            lambda: floors.append(
                timed(lambda: json.dumps(document, indent=2, ensure_ascii=False).encode())
            ),
        ]
        if sdk:
            steps.append(lambda: sdk_times.append(timed(lambda: shapes.sdk_build(shape, n))))
        if index % 2:
            steps.reverse()
        for run in steps:
            run()
    mem = sdk_mem = None
    if memory:
        mem = peak_mib(lambda: flowdsl_compile(wf))
        if sdk:
            sdk_mem = peak_mib(lambda: shapes.sdk_build(shape, n))
    return Row(
        shape,
        n,
        shapes.count_tasks(document),
        median([r.trace for r in runs]),
        median([r.checks for r in runs]),
        median([r.emit for r in runs]),
        median([r.total for r in runs]),
        median(sdk_times) if sdk_times else None,
        median(floors),
        mem,
        sdk_mem,
        first.files,
    )


def fmt(value: float | None, width: int, digits: int = 3) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.{digits}f}"


def print_rows(rows: list[Row], header: bool = True) -> None:
    head = (
        f"{'shape':<12} {'N':>6} {'tasks':>6} {'trace s':>8} {'checks s':>8} {'emit s':>8} "
        f"{'flowdsl s':>9} {'SDK s':>8} {'SDK/fd':>7} {'dumps s':>8} {'fd/dumps':>8} "
        f"{'fd MiB':>7} {'SDK MiB':>7}"
    )
    if header:
        print(head)
        print("-" * len(head))
    for r in rows:
        ratio = r.sdk / r.total if r.sdk else None
        print(
            f"{r.shape:<12} {r.n:>6} {r.tasks:>6} {fmt(r.trace, 8)} {fmt(r.checks, 8)} "
            f"{fmt(r.emit, 8)} {fmt(r.total, 9)} {fmt(r.sdk, 8)} {fmt(ratio, 7, 2)} "
            f"{fmt(r.floor, 8, 4)} {fmt(r.total / r.floor, 8, 1)} {fmt(r.mem, 7, 1)} "
            f"{fmt(r.sdk_mem, 7, 1)}"
        )


def print_exponents(rows: list[Row]) -> dict[str, dict[str, float | None]]:
    print("\nscaling exponents (log-log least squares over N >= 1000; 1.0 = linear)")
    print(f"{'shape':<12} {'flowdsl time':>12} {'flowdsl mem':>11} {'SDK time':>9} {'SDK mem':>8}")
    out: dict[str, dict[str, float | None]] = {}
    for shape in dict.fromkeys(r.shape for r in rows):
        big = [r for r in rows if r.shape == shape and r.n >= 1000]
        fitted = {
            "time": exponent([(r.tasks, r.total) for r in big]),
            "mem": exponent([(r.tasks, r.mem) for r in big if r.mem]),
            "sdk": exponent([(r.tasks, r.sdk) for r in big if r.sdk]),
            "sdk_mem": exponent([(r.tasks, r.sdk_mem) for r in big if r.sdk_mem]),
        }
        out[shape] = fitted
        print(
            f"{shape:<12} {fmt(fitted['time'], 12, 2)} {fmt(fitted['mem'], 11, 2)} "
            f"{fmt(fitted['sdk'], 9, 2)} {fmt(fitted['sdk_mem'], 8, 2)}"
        )
    return out


# -- whole processes ----------------------------------------------------------------------------


def flowdsl_command() -> list[str]:
    script = Path(sys.executable).with_name("flowdsl")
    return [str(script)] if script.exists() else [sys.executable, "-m", "flowdsl"]


# Whole processes run as an installed tool runs: with its modules' bytecode cached. Where
# PYTHONDONTWRITEBYTECODE is set (some CI images and sandboxes), every process would
# otherwise compile flowdsl's ~80 modules from source again (about 0.1 s), while the SDK's
# and the standard library's bytecode, written when they were installed, is read as usual.
# Bytecode goes to a cache folder of this run (PYTHONPYCACHEPREFIX, nothing is written into
# the source tree), and every command runs once untimed before it is timed (warm_up).
PYCACHE = Path(tempfile.mkdtemp(prefix="flowdsl-bench-pycache-"))
atexit.register(shutil.rmtree, PYCACHE, True)


def process_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(HERE)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def run_process(cmd: list[str], cwd: Path = ROOT, ok: Sequence[int] = (0,)) -> float:
    env = process_env()
    started = time.perf_counter()
    done = subprocess.run(cmd, check=False, cwd=cwd, env=env, capture_output=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in ok:
        raise SystemExit(
            f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout.decode()[-2000:]}"
            f"{done.stderr.decode()[-2000:]}"
        )
    return elapsed


def compare_processes(commands: dict[str, list[str]], repeat: int) -> dict[str, float]:
    """Median wall time of each command, the commands alternating in every round."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for name in names:  # warm_up: bytecode written, files cached
        run_process(commands[name])
    for index in range(repeat):
        for name in names if index % 2 == 0 else reversed(names):
            times[name].append(run_process(commands[name]))
    return {name: median(values) for name, values in times.items()}


_FLOOR_SCRIPT = (
    "import json, sys\n"
    "for p in sys.argv[1:]:\n"
    "    with open(p, encoding='utf-8') as f: json.dumps(json.load(f))\n"
)


def write_output(directory: Path, files: dict[str, bytes]) -> list[Path]:
    paths = []
    for name, data in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        paths.append(path)
    return paths


def check_runs(shape: str, n: int, files: dict[str, bytes], repeat: int, tmp: Path) -> None:
    directory = tmp / f"check_{shape}_{n}"
    paths = write_output(directory, files)
    targets = [str(p) for p in paths]
    ours: list[float] = []
    floor: list[float] = []

    def load_dump() -> None:
        for p in paths:
            with open(p, encoding="utf-8") as handle:
                json.dumps(json.load(handle))

    def check() -> None:
        result = check_targets(targets, CONFIG)
        if result.errors:
            raise SystemExit(f"flowdsl check {shape} {n}: {result.errors[:3]}")

    for index in range(repeat):
        pair = [lambda: ours.append(timed(check)), lambda: floor.append(timed(load_dump))]
        for run in pair if index % 2 == 0 else reversed(pair):
            run()
    procs = compare_processes(
        {
            "check": [*flowdsl_command(), "check", *targets],
            "floor": [sys.executable, "-c", _FLOOR_SCRIPT, *targets],
        },
        repeat,
    )
    size = sum(p.stat().st_size for p in paths) / 2**20
    print(
        f"{shape:<12} {n:>6} {size:>6.1f} {median(ours):>9.3f} {median(floor):>9.3f} "
        f"{median(ours) / median(floor):>6.1f} {procs['check']:>9.3f} {procs['floor']:>9.3f} "
        f"{procs['check'] / procs['floor']:>6.1f}"
    )
    RESULTS.setdefault("check", {})[f"{shape} {n}"] = procs["check"] / procs["floor"]


def compile_processes(shape: str, n: int, repeat: int, tmp: Path) -> None:
    module = tmp / f"bench_{shape}_{n}.py"
    module.write_text(
        f"from shapes import flowdsl_workflow\n\n{shape}_{n} = flowdsl_workflow({shape!r}, {n})\n",
        encoding="utf-8",
    )
    sdk_script = (
        f"import sys, shapes\nsys.stdout.buffer.write(shapes.sdk_build({shape!r}, {n})[:0])\n"
    )
    times = compare_processes(
        {
            "flowdsl": [*flowdsl_command(), "compile", str(module), "-o", str(tmp / "out")],
            "sdk": [sys.executable, "-c", sdk_script],
            "pass": [sys.executable, "-c", "pass"],
        },
        repeat,
    )
    ratio = times["sdk"] / times["flowdsl"]
    print(
        f"{shape:<12} {n:>6} {times['flowdsl']:>10.3f} {times['sdk']:>8.3f} {ratio:>7.2f} "
        f"{times['pass']:>8.3f}"
    )
    RESULTS.setdefault("process", {})[f"{shape} {n}"] = ratio


def cold_starts(repeat: int, tmp: Path) -> dict[str, float]:
    out = tmp / "example"
    run_process([*flowdsl_command(), "compile", "examples/image_pipeline", "-o", str(out)])
    small = sorted((out / "workflows").glob("*.json"))[0]
    times = compare_processes(
        {
            "python -c pass": [sys.executable, "-c", "pass"],
            "flowdsl --help": [*flowdsl_command(), "--help"],
            "flowdsl compile examples/image_pipeline": [
                *flowdsl_command(),
                "compile",
                "examples/image_pipeline",
                "-o",
                str(out),
            ],
            f"flowdsl check {small.name}": [*flowdsl_command(), "check", str(small)],
        },
        repeat,
    )
    base = times["python -c pass"]
    for name, value in times.items():
        print(f"{name:<48} {value:>7.3f} s {value / base:>6.1f}x")
    return times


RESULTS: dict[str, dict[str, float]] = {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000,50000")
    parser.add_argument("--shapes", default=",".join(shapes.SHAPES))
    parser.add_argument("--repeat", type=int, default=3, help="in-process repeats")
    parser.add_argument("--process-repeat", type=int, default=5, help="whole-process repeats")
    parser.add_argument("--check-size", type=int, default=20000)
    parser.add_argument("--process-size", type=int, default=10000)
    parser.add_argument("--no-memory", action="store_true", help="skip tracemalloc runs")
    parser.add_argument("--no-sdk", action="store_true", help="flowdsl only")
    parser.add_argument("--no-processes", action="store_true", help="in-process only")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    chosen = [s for s in args.shapes.split(",") if s]

    sdk = not args.no_sdk
    sdk_version = "-"
    if sdk:
        try:
            from importlib.metadata import version

            import conductor.client.workflow.conductor_workflow  # noqa: F401

            sdk_version = version("conductor-python")
        except ImportError:
            print(
                "conductor-python is not installed: `pip install -e '.[bench]'` (or --no-sdk)",
                file=sys.stderr,
            )
            return 2
    print(
        f"flowdsl {__version__}, conductor-python {sdk_version}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print(f"medians of {args.repeat} interleaved repeats (processes: {args.process_repeat})")
    print(
        "whole processes run after one untimed run each, with bytecode cached in "
        f"{PYCACHE.parent}/{PYCACHE.name}\n"
    )

    rows: list[Row] = []
    for shape in chosen:
        for n in sizes:
            row = measure(shape, n, args.repeat, sdk, not args.no_memory)
            print_rows([row], header=not rows)
            rows.append(row)
    fitted = print_exponents(rows)

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if not args.no_processes:
            print(f"\nflowdsl check of the generated JSON ({args.check_size} tasks), against a")
            print("load + dump of the same files (json.load, json.dumps), in and out of process")
            print(
                f"{'shape':<12} {'N':>6} {'MiB':>6} {'check s':>9} {'floor s':>9} {'ratio':>6} "
                f"{'process':>9} {'floor pr':>9} {'ratio':>6}"
            )
            for shape in chosen:
                wf = shapes.flowdsl_workflow(shape, args.check_size)
                check_runs(
                    shape,
                    args.check_size,
                    flowdsl_compile(wf).files,
                    args.process_repeat,
                    tmp,
                )
            if sdk:
                print(f"\nwhole processes: compile ({args.process_size} tasks) vs SDK build")
                print(
                    f"{'shape':<12} {'N':>6} {'flowdsl s':>10} {'SDK s':>8} {'SDK/fd':>7} "
                    f"{'pass s':>8}"
                )
                for shape in ("chain", "wide_fork"):
                    if shape in chosen:
                        compile_processes(shape, args.process_size, args.process_repeat, tmp)
            print("\ncold starts (whole processes)")
            starts = cold_starts(max(args.process_repeat, 7), tmp)
        else:
            starts = {}
    summary(rows, fitted, starts, args)
    return 0


def summary(
    rows: list[Row],
    fitted: dict[str, dict[str, float | None]],
    starts: dict[str, float],
    args: argparse.Namespace,
) -> None:
    print("\ntargets (issue 11)")

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    for row in rows:
        if row.n == 10000 and row.shape in ("chain", "wide_fork"):
            print(
                f"  {row.shape} 10k in process: {row.total:.3f} s (<= 0.25 s: "
                f"{verdict(row.total <= 0.25)})"
                + (
                    f"; SDK/flowdsl {row.sdk / row.total:.2f} (>= 2: "
                    f"{verdict(row.sdk / row.total >= 2)})"
                    if row.sdk
                    else ""
                )
            )
    for name, ratio in RESULTS.get("process", {}).items():
        print(f"  {name} whole process: SDK/flowdsl {ratio:.2f} (>= 2: {verdict(ratio >= 2)})")
    for name, ratio in RESULTS.get("check", {}).items():
        print(f"  check {name}: {ratio:.1f}x the floor process (<= 5: {verdict(ratio <= 5)})")
    for shape, fit in fitted.items():
        values = [v for k, v in fit.items() if k in ("time", "mem") and v is not None]
        if values:
            shown = ", ".join(f"{k} {fit[k]:.2f}" for k in ("time", "mem") if fit[k] is not None)
            print(f"  {shape} exponents: {shown} (<= 1.1: {verdict(max(values) <= 1.1)})")
    if starts:
        base = starts["python -c pass"]
        help_time = starts["flowdsl --help"]
        print(
            f"  flowdsl --help {help_time * 1000:.0f} ms (<= 100 ms: {verdict(help_time <= 0.1)}; "
            f"{help_time / base:.1f}x python -c pass, <= 5: {verdict(help_time / base <= 5)})"
        )
        for name, value in starts.items():
            if name.startswith(("flowdsl compile", "flowdsl check")):
                print(f"  {name}: {value:.3f} s (<= 0.3 s: {verdict(value <= 0.3)})")


if __name__ == "__main__":
    sys.exit(main())
