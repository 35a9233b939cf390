"""The command line: thin wrappers over the library. Exit codes:

0  success
1  findings with errors in the user's workflows, or stale output under --check
2  usage errors and input that cannot be read (missing path, import failure, bad JSON)
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from flowdsl import __version__
from flowdsl.checker import check_targets
from flowdsl.compiler import compile_workflows
from flowdsl.conductor.targets import TARGETS
from flowdsl.config import Config, load_config
from flowdsl.diagnostics import Diagnostic
from flowdsl.errors import FlowdslError
from flowdsl.loader import discover
from flowdsl.output import _atomic_write, diff, write
from flowdsl.render.diagram import DiagramOptions, render_diagrams
from flowdsl.render.docs import DIAGRAM_DIR, render_pages
from flowdsl.render.layout import FORMATS, LayoutError, require_engine
from flowdsl.report import EMITTERS, emit_text

F = TypeVar("F", bound=Callable[..., Any])


def _input_errors(fn: F) -> F:
    """Unreadable input and bad configuration: one short line on stderr, exit 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except FlowdslError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def _config(owner_email: str | None, target: str | None) -> Config:
    return load_config().with_overrides(owner_email=owner_email, target=target)


def _out_dir(config: Config, option: str | None) -> Path:
    if option is not None:
        return Path(option)
    base = config.source.parent if config.source is not None else Path.cwd()
    path = base / config.out_dir
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flowdsl")
def main() -> None:
    """flowdsl: Conductor workflows written as typed Python functions."""


@main.command("compile")
@click.argument("targets", nargs=-1, required=True)
@click.option("-o", "--out-dir", help="Output directory (default: out_dir of [tool.flowdsl]).")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if any file would change.")
@click.option("--owner-email", help="ownerEmail for definitions that set none.")
@click.option("--target", type=click.Choice(sorted(TARGETS)), help="Conductor version to emit for.")
@click.option(
    "--diagrams",
    "diagram_format",
    type=click.Choice(FORMATS),
    help="Also write OUT_DIR/diagrams/<name>.v<version>.FORMAT for each workflow.",
)
@_input_errors
def compile_command(
    targets: Sequence[str],
    out_dir: str | None,
    check: bool,
    owner_email: str | None,
    target: str | None,
    diagram_format: str | None,
) -> None:
    """Compile the @workflow functions in TARGETS into Conductor JSON.

    TARGETS are .py files, directories, or dotted module paths (module or module:function).
    Writes OUT_DIR/workflows/<name>.v<version>.json and OUT_DIR/tasks/<name>.json (and,
    with --diagrams, OUT_DIR/diagrams/).
    """
    started = time.perf_counter()
    config = _config(owner_email, target)
    destination = _out_dir(config, out_dir)
    # No layout program: nothing is written (exit 2), before any work is done.
    engine = require_engine(diagram_format) if diagram_format else None
    workflows = discover(targets)
    result = compile_workflows(workflows, config)
    if result.diagnostics:
        emit_text(result.diagnostics, sys.stdout)
    if result.files is None:
        click.echo(f"error: nothing written to {destination}", err=True)
        sys.exit(1)
    if diagram_format:
        drawn = render_diagrams(result.program, diagram_format, engine=engine)
        result.files.update({f"diagrams/{name}": content for name, content in drawn.items()})
    n_wf = len(result.program.workflows)
    n_td = len(result.program.task_defs)
    counts = f"{n_wf} workflow{'s' * (n_wf != 1)}, {n_td} task definition{'s' * (n_td != 1)}"
    if check:
        changes = diff(destination, result.files)
        if changes.any:
            for label, names in (
                ("would be written", changes.added),
                ("would change", changes.changed),
                ("would be removed", changes.removed),
            ):
                for name in names:
                    click.echo(f"{destination / name}: {label}")
            click.echo(
                f"error: {destination} is out of date; run `flowdsl compile` to update it",
                err=True,
            )
            sys.exit(1)
        click.echo(f"{destination} is up to date ({counts})")
        return
    changes = write(destination, result.files)
    elapsed = time.perf_counter() - started
    click.echo(
        f"compiled {counts} into {destination} "
        f"({len(changes.added) + len(changes.changed)} written, {len(changes.unchanged)} "
        f"unchanged, {len(changes.removed)} removed; {elapsed:.2f} s)"
    )


@main.command("check")
@click.argument("targets", nargs=-1, required=True)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(EMITTERS)),
    default="human",
    show_default=True,
    help="human: ruff-style lines; json: a JSON array only; github: Actions annotations.",
)
@click.option("--strict", is_flag=True, default=None, help="Warnings fail the check too.")
@click.option(
    "--target", type=click.Choice(sorted(TARGETS)), help="Conductor version to check for."
)
@click.option("--owner-email", help="ownerEmail assumed for definitions that set none.")
@_input_errors
def check_command(
    targets: Sequence[str],
    output_format: str,
    strict: bool | None,
    target: str | None,
    owner_email: str | None,
) -> None:
    """Check workflows in TARGETS: Python (files, directories, modules) or Conductor JSON.

    JSON targets are .json files or directories of them, holding workflow definitions, task
    definitions, or lists of either. Exit 0 when there are no errors (warnings too, with
    --strict), 1 when there are, 2 when a target cannot be read.
    """
    config = _config(owner_email, target)
    if strict is not None:
        config = config.with_overrides(strict=strict)
    result = check_targets(targets, config)
    diagnostics = result.diagnostics
    EMITTERS[output_format](diagnostics, sys.stdout)
    for problem in result.unreadable:
        click.echo(f"error: {problem}", err=True)
    if output_format == "human" and not diagnostics and not result.unreadable:
        click.echo("All checks passed.")
    failing = [d for d in diagnostics if d.is_error or config.strict]
    # The worst of all: an unreadable file (2) over findings (1).
    sys.exit(2 if result.unreadable else 1 if failing else 0)


def _diagram_options(
    data_flow: bool, expand: bool, findings: bool, legend: bool, diagnostics: Sequence[Diagnostic]
) -> DiagramOptions:
    return DiagramOptions(
        data_flow=data_flow,
        expand_subworkflows=expand,
        findings=tuple(diagnostics) if findings else None,
        legend=legend,
    )


def _write_all(destination: Path, files: dict[str, bytes]) -> None:
    for name, content in sorted(files.items()):
        _atomic_write(destination / name, content)


def _report_untraced(diagnostics: Sequence[Diagnostic]) -> None:
    """Workflows that could not be traced are missing from the output: say so."""
    untraced = [d for d in diagnostics if d.is_error and d.code.startswith("FD0")]
    if untraced:
        emit_text(untraced, sys.stderr)


@main.command("diagram")
@click.argument("targets", nargs=-1, required=True)
@click.option("-o", "--out-dir", required=True, help="Directory to write the diagrams into.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="svg",
    show_default=True,
    help="svg (ids and tooltips), png, pdf, or dot (the Graphviz source).",
)
@click.option("--data-flow", is_flag=True, help="Draw ${ref.output.x} reads as dashed edges.")
@click.option(
    "--expand-subworkflows",
    is_flag=True,
    help="Draw each sub-workflow's tasks inside it (inline definitions, or workflows in TARGETS).",
)
@click.option("--findings", is_flag=True, help="Outline the tasks `flowdsl check` reports on.")
@click.option("--no-legend", is_flag=True, help="Leave the legend out.")
@click.option(
    "--target", type=click.Choice(sorted(TARGETS)), help="Conductor version to check for."
)
@_input_errors
def diagram_command(
    targets: Sequence[str],
    out_dir: str,
    fmt: str,
    data_flow: bool,
    expand_subworkflows: bool,
    findings: bool,
    no_legend: bool,
    target: str | None,
) -> None:
    """Draw each workflow in TARGETS (Python or Conductor JSON, as for `check`).

    Writes OUT_DIR/<name>.v<version>.<format>, each file replaced atomically. Without
    Graphviz's `dot` (or graphviz-pure), writes the .dot sources instead and exits 2.
    """
    config = _config(None, target)
    result = check_targets(targets, config)
    _report_untraced(result.diagnostics)
    program = result.program
    if not program.workflows:
        click.echo("error: no workflow definitions found in " + " ".join(targets), err=True)
        sys.exit(2)
    options = _diagram_options(
        data_flow, expand_subworkflows, findings, not no_legend, result.diagnostics
    )
    destination = Path(out_dir)
    try:
        engine = require_engine(fmt)
    except LayoutError as exc:
        files = render_diagrams(program, "dot", options)
        _write_all(destination, files)
        click.echo(f"error: {exc} (wrote the .dot sources to {destination})", err=True)
        sys.exit(2)
    files = render_diagrams(program, fmt, options, engine)
    _write_all(destination, files)
    click.echo(f"drew {len(files)} workflow{'s' * (len(files) != 1)} into {destination}")


@main.command("docs")
@click.argument("targets", nargs=-1, required=True)
@click.option("-o", "--out-dir", required=True, help="Directory to write the pages into.")
@click.option(
    "--templates",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of jinja2 templates replacing the built-in ones of the same name.",
)
@click.option(
    "--target", type=click.Choice(sorted(TARGETS)), help="Conductor version to check for."
)
@_input_errors
def docs_command(
    targets: Sequence[str], out_dir: str, templates: Path | None, target: str | None
) -> None:
    """Write Markdown documentation for the workflows in TARGETS.

    One page per workflow (OUT_DIR/<name>.v<version>.md, with its diagram in
    OUT_DIR/diagrams/) and OUT_DIR/index.md. Nothing is written when a page or a diagram
    cannot be made (exit 2).
    """
    config = _config(None, target)
    engine = require_engine("svg")
    result = check_targets(targets, config)
    _report_untraced(result.diagnostics)
    program = result.program
    if not program.workflows:
        click.echo("error: no workflow definitions found in " + " ".join(targets), err=True)
        sys.exit(2)
    files = render_pages(program, program.workflows, templates)
    drawn = render_diagrams(program, "svg", engine=engine)
    files.update({f"{DIAGRAM_DIR}/{name}": content for name, content in drawn.items()})
    destination = Path(out_dir)
    _write_all(destination, files)
    pages = len(program.workflows)
    click.echo(f"wrote {pages} page{'s' * (pages != 1)} and index.md into {destination}")


# --- talking to a Conductor server (the server modules are imported only when used) -------

_SERVER_HELP = (
    "Conductor API base URL, e.g. http://localhost:8080/api "
    "(default: $CONDUCTOR_SERVER_URL, else http://localhost:8080/api)."
)


def _client(server: str | None) -> Any:
    from flowdsl.server.client import Auth, ConductorClient, server_url

    return ConductorClient(server_url(server), Auth.from_env())


def _bundle(targets: Sequence[str], owner_email: str | None, target: str | None) -> Any:
    from flowdsl.server.definitions import load_bundle

    bundle = load_bundle(targets, _config(owner_email, target))
    if bundle.diagnostics:
        emit_text(bundle.diagnostics, sys.stdout)
    if bundle.errors:
        click.echo("error: nothing sent to the server", err=True)
        sys.exit(1)
    return bundle


@main.command("register")
@click.argument("targets", nargs=-1, required=True)
@click.option("--server", help=_SERVER_HELP)
@click.option("--dry-run", is_flag=True, help="Validate on the server; register nothing.")
@click.option("--overwrite", is_flag=True, help="Replace registered definitions that differ.")
@click.option("--owner-email", help="ownerEmail for definitions that set none.")
@click.option("--target", type=click.Choice(sorted(TARGETS)), help="Conductor version to emit for.")
@_input_errors
def register_command(
    targets: Sequence[str],
    server: str | None,
    dry_run: bool,
    overwrite: bool,
    owner_email: str | None,
    target: str | None,
) -> None:
    """Register the task definitions and workflows of TARGETS on a Conductor server.

    TARGETS are Python (as for `compile`) or JSON (a compiled output folder, .json files).
    Task definitions go first, then workflows, sub-workflows before their parents. What the
    server already holds unchanged is left alone; a registered definition whose content
    would change is refused unless --overwrite (better: bump the workflow version).
    Credentials come from $CONDUCTOR_AUTH_TOKEN, or $CONDUCTOR_AUTH_KEY and
    $CONDUCTOR_AUTH_SECRET. Exit 0 when done, 1 on findings or refusals, 2 when the
    server cannot be reached or a target cannot be read.
    """
    from flowdsl.server.deploy import register

    bundle = _bundle(targets, owner_email, target)
    client = _client(server)
    outcome = register(client, bundle, overwrite=overwrite, dry_run=dry_run, echo=click.echo)
    for line in outcome.lines:
        click.echo(line)
    if outcome.findings:
        emit_text(outcome.findings, sys.stdout)
        if not dry_run and not outcome.lines:
            click.echo("error: nothing registered", err=True)
        sys.exit(1)
    done = "validated (nothing registered)" if dry_run else "done"
    click.echo(f"{client.api_url}: {done}")


@main.command("diff")
@click.argument("targets", nargs=-1, required=True)
@click.option("--server", help=_SERVER_HELP)
@click.option("--owner-email", help="ownerEmail for definitions that set none.")
@click.option("--target", type=click.Choice(sorted(TARGETS)), help="Conductor version to emit for.")
@_input_errors
def diff_command(
    targets: Sequence[str], server: str | None, owner_email: str | None, target: str | None
) -> None:
    """Compare what a server has registered with what TARGETS compile to.

    Conductor's defaults are filled on both sides, so only real differences show: each is
    listed as a JSON pointer with both values. Exit 0 when the server matches, 1 on drift
    (a definition differs or is missing), 2 when the server cannot be reached.
    """
    from flowdsl.server.deploy import diff

    bundle = _bundle(targets, owner_email, target)
    client = _client(server)
    drift = diff(client, bundle)
    for comparison in drift:
        label = comparison.definition.label
        if comparison.state == "new":
            click.echo(f"{label}: missing on the server")
            continue
        click.echo(f"{label}: differs")
        for difference in comparison.differences:
            click.echo(f"  {difference}")
    total = sum(1 for _ in bundle)
    if drift:
        click.echo(f"{len(drift)} of {total} definitions differ from {client.api_url}")
        sys.exit(1)
    click.echo(f"{client.api_url} matches ({total} definitions)")


@main.command("run")
@click.argument("name")
@click.option("--server", help=_SERVER_HELP)
@click.option("--input", "input_", metavar="JSON|@FILE", help="Workflow input: JSON or @file.")
@click.option("--wait", is_flag=True, help="Follow the run to its end, printing each task.")
@click.option("--timeout", type=click.FloatRange(min=0), help="With --wait: give up after S s.")
@_input_errors
def run_command(
    name: str, server: str | None, input_: str | None, wait: bool, timeout: float | None
) -> None:
    """Start the workflow NAME[:VERSION] (the latest version by default).

    Prints the workflow id. With --wait, prints each task as it ends, then the final status
    and output. Exit 0 COMPLETED; 1 FAILED, TERMINATED or TIMED_OUT; 2 usage or server
    errors, or (with --timeout) a run still going when the wait ends.
    """
    from flowdsl.server.run import final_lines, follow, parse_input, parse_name

    wf_name, version = parse_name(name)
    workflow_input = parse_input(input_)
    client = _client(server)
    workflow_id = client.start_workflow(wf_name, version, workflow_input)
    click.echo(f"started {name}: {workflow_id}")
    if not wait:
        return
    result = follow(client, workflow_id, timeout=timeout, echo=click.echo)
    for line in final_lines(result, timeout):
        click.echo(line)
    sys.exit(result.exit_code)


@main.command("worker")
@click.argument("targets", nargs=-1, required=True)
@click.option("--server", help=_SERVER_HELP)
@click.option("--task", "tasks", multiple=True, help="Run only this task (repeatable).")
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    help="Tasks executed at once per task type (default: its concurrentExecLimit, else 1).",
)
@click.option(
    "--poll-interval", type=click.IntRange(min=1), default=100, show_default=True, help="ms."
)
@click.option("-v", "--verbose", count=True, help="Log the SDK's activity (-vv: debug).")
@_input_errors
def worker_command(
    targets: Sequence[str],
    server: str | None,
    tasks: Sequence[str],
    threads: int | None,
    poll_interval: int,
    verbose: int,
) -> None:
    """Run the bodies of the @task functions in TARGETS as Conductor workers.

    One process per task type polls the server (conductor-python's TaskHandler; install
    `flowdsl[worker]`). Inputs are validated into the typed parameters, the return value
    becomes the output, an exception fails the task with its message (the TaskDef's retry
    policy applies). Stops cleanly on SIGTERM or SIGINT.
    """
    from flowdsl.server.client import Auth, server_url
    from flowdsl.server.worker import discover_tasks

    api_url = server_url(server)
    auth = Auth.from_env()
    resolved = [str(Path(t).resolve()) if Path(t).exists() else t for t in targets]
    found = discover_tasks(resolved)
    unknown = sorted(set(tasks) - set(found))
    if unknown:
        known = ", ".join(found) or "none"
        raise FlowdslError(f"no @task named {', '.join(unknown)} in the targets (found: {known})")
    chosen = [found[name] for name in (tasks or found)]
    if not chosen:
        raise FlowdslError("the targets define no @task functions")
    try:
        from flowdsl.server import _sdk
    except ImportError as exc:
        raise FlowdslError(
            f"flowdsl worker needs conductor-python: pip install 'flowdsl[worker]' ({exc})"
        ) from None
    specs = []
    for task_fn in chosen:
        limit = task_fn.policy.get("concurrent_exec_limit")
        count = threads or (limit if isinstance(limit, int) and limit > 0 else 1)
        specs.append(_sdk.WorkerSpec(task_fn.name, count))
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    names = ", ".join(f"{s.task_name} ({s.threads} thread{'s' * (s.threads != 1)})" for s in specs)
    click.echo(f"polling {api_url} for {names}; stop with Ctrl-C", err=True)
    _sdk.run(specs, resolved, api_url, auth, poll_interval_ms=poll_interval, log_level=level)
    click.echo("workers stopped", err=True)
