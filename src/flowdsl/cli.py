"""The command line: thin wrappers over the library. Exit codes:

0    success
1    findings with errors in the user's workflows, or stale output under --check
2    usage errors, input that cannot be read (missing path, import failure, bad JSON, a user
     module calling sys.exit), and output that cannot be written
3    a bug in flowdsl (one line; FLOWDSL_TRACEBACK=1 shows the traceback)
130  interrupted (Ctrl-C)

Whatever the user's modules print while they are imported and traced goes to stderr:
stdout holds the report only.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from flowdsl import __version__, interrupts
from flowdsl.errors import FlowdslError, UsageError

if TYPE_CHECKING:
    from flowdsl.checker import CheckResult
    from flowdsl.config import Config
    from flowdsl.diagnostics import Diagnostic
    from flowdsl.render.diagram import DiagramOptions

# Start-up: this module imports only click and light modules. What a command needs
# (pydantic models, networkx, the tracer, the checks, the renderers, the report formats) is
# imported in its function, and option choices that need a module are read when the option
# is parsed or its help shown (_LazyChoice), so `flowdsl --help` pays for none of it. New
# commands: import inside the command function.

F = TypeVar("F", bound=Callable[..., Any])


class _LazyChoice(click.Choice):  # type: ignore[type-arg]
    """click.Choice whose choices are loaded on first use."""

    def __init__(self, load: Callable[[], Sequence[str]]) -> None:
        self._load = load
        self._loaded: tuple[str, ...] | None = None
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        if self._loaded is None:
            self._loaded = tuple(self._load())
        return self._loaded

    @choices.setter
    def choices(self, value: Any) -> None:
        pass  # click.Choice.__init__ sets the (empty) choices given above


def _target_versions() -> list[str]:
    from flowdsl.conductor.targets import TARGETS

    return sorted(TARGETS)


def _report_formats() -> list[str]:
    from flowdsl.report import EMITTERS

    return sorted(EMITTERS)


def _diagram_formats() -> list[str]:
    from flowdsl.render.layout import FORMATS

    return list(FORMATS)


def _one_line(text: str) -> str:
    return " ".join(text.split()) if "\n" in text or "\r" in text else text


def _input_errors(fn: F) -> F:
    """Every way a command can stop, as one short line on stderr and flowdsl's exit code:
    unreadable input, bad configuration and unwritable output exit 2, Ctrl-C 130, a bug 3.
    Never a traceback, and never an exit code chosen by the user's code."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        threads = set(threading.enumerate())
        try:
            result = guarded(*args, **kwargs)
        except SystemExit as exc:
            _leave_despite_threads(threads, exc.code if isinstance(exc.code, int) else 2)
            raise
        _leave_despite_threads(threads, 0)
        return result

    def guarded(*args: Any, **kwargs: Any) -> Any:
        _tolerate_surrogates()
        try:
            with interrupts.watching_sigint():
                return fn(*args, **kwargs)
        except SystemExit as exc:
            if exc.code in (0, 1, 2) and getattr(exc, "flowdsl", False):
                raise
            # Not ours: a user's sys.exit() that got past the loader.
            _fail(f"error: a user module called sys.exit({exc.code!r})", 2)
        except FlowdslError as exc:
            _fail(f"error: {_one_line(str(exc))}", 2)
        except KeyboardInterrupt:
            if interrupts.was_interrupted():
                _fail("interrupted", 130)
            _fail("error: KeyboardInterrupt raised by a user module", 2)
        except RecursionError:
            _fail("error: the input is nested too deeply to check", 2)
        except MemoryError:
            _fail("error: the input is too large to check (out of memory)", 2)
        except BaseException as exc:
            import traceback

            if os.environ.get("FLOWDSL_TRACEBACK"):
                traceback.print_exc()
            where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
            at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
            detail = _one_line(f"{type(exc).__name__}: {exc}")[:300]
            _fail(
                f"internal error in flowdsl{at}: {detail} (please report it; "
                "FLOWDSL_TRACEBACK=1 shows the traceback)",
                3,
            )

    return wrapper  # type: ignore[return-value]


def _leave_despite_threads(before: set[threading.Thread], code: int) -> None:
    """Threads a user module started and left running (a worker poller, a server) would
    keep the process alive after the command is done: in a real process, leave without
    waiting for them. (Not in process: tests run commands inside their own process.)"""
    lingering = [
        t for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon
    ]
    if not lingering:
        return
    try:
        real = sys.stdout.fileno() == 1
    except (AttributeError, OSError, ValueError):
        real = False
    if not real:
        return
    click.echo(f"note: not waiting for {len(lingering)} thread(s) a user module started", err=True)
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def _leave_process(code: object) -> None:
    """Exit now with ``code``, skipping the interpreter's teardown (issue 11).

    Freeing a compile's objects one by one at exit took about 0.1 s per 10,000 tasks, after
    all the work was done (mypy leaves the same way). The exit handlers still run (a user
    module's, logging's), and the output streams are flushed. When a non-daemon thread is
    still running, the normal exit (which waits for it) is kept.
    """
    if isinstance(code, bool) or not isinstance(code, int | None):
        return  # sys.exit("text") and the like: Python's own exit prints it
    main_thread = threading.main_thread()
    if any(t is not main_thread and t.is_alive() and not t.daemon for t in threading.enumerate()):
        return
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code or 0)


def _tolerate_surrogates() -> None:
    """Lone surrogates (from ``"\\ud800"`` in JSON) print as ``\\ud800``, never crash: in
    ``--format json`` output that is the JSON escape again."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(Exception):
                reconfigure(errors="backslashreplace")


def _fail(message: str, code: int) -> NoReturn:
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    click.echo(message, err=True)
    _exit(code)


def _exit(code: int) -> NoReturn:
    """Leave with flowdsl's own exit code (marked, so the guard lets it through)."""
    exc = SystemExit(code)
    exc.flowdsl = True  # type: ignore[attr-defined]
    raise exc


@contextlib.contextmanager
def _user_code_output_to_stderr() -> Any:
    """What the user's modules print while imported and traced goes to stderr: ``print``,
    and, in a real process, whatever reaches file descriptor 1 (``os.write(1, ...)``, a
    child process, C code)."""
    saved: int | None = None
    with contextlib.suppress(AttributeError, OSError, ValueError):
        sys.stdout.flush()
        if sys.stdout.fileno() == 1 and sys.stderr.fileno() == 2:
            saved = os.dup(1)
            os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)


def _targets(targets: Sequence[str]) -> Sequence[str]:
    for target in targets:
        if not target.strip():
            raise UsageError("a target is an empty string; name a file, directory or module")
        if "\0" in target:
            raise UsageError(f"target {target!r} contains a NUL character")
    return targets


def _config(owner_email: str | None, target: str | None) -> Config:
    from flowdsl.config import load_config

    return load_config().with_overrides(owner_email=owner_email, target=target)


def _out_dir(config: Config, option: str | None) -> Path:
    if option is not None:
        if not option.strip() or "\0" in option:
            raise UsageError(f"--out-dir {option!r} is not a directory name")
        return Path(option)
    if not config.out_dir.strip() or "\0" in config.out_dir:
        raise UsageError(f"out_dir {config.out_dir!r} in {config.source} is not a directory name")
    base = config.source.parent if config.source is not None else Path.cwd()
    path = base / config.out_dir
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


class _Group(click.Group):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The process's entry point (the ``flowdsl`` script, ``python -m flowdsl``; tests
        call ``main.main`` instead): once the command is done, leave without tearing the
        interpreter down; what a compile or check made is not walked by the garbage
        collector again on the way out (flowdsl.collector)."""
        from flowdsl.collector import freeze_after_pause

        freeze_after_pause()
        try:
            return super().__call__(*args, **kwargs)
        except SystemExit as exc:
            _leave_process(exc.code)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:  # Ctrl-C outside a command's own guard
            click.echo("interrupted", err=True)
            _exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flowdsl")
def main() -> None:
    """flowdsl: Conductor workflows written as typed Python functions."""


@main.command("compile")
@click.argument("targets", nargs=-1, required=True)
@click.option("-o", "--out-dir", help="Output directory (default: out_dir of [tool.flowdsl]).")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if any file would change.")
@click.option("--owner-email", help="ownerEmail for definitions that set none.")
@click.option("--target", type=_LazyChoice(_target_versions), help="Conductor version to emit for.")
@click.option(
    "--diagrams",
    "diagram_format",
    type=_LazyChoice(_diagram_formats),
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
    from flowdsl.compiler import compile_workflows
    from flowdsl.loader import discover
    from flowdsl.output import diff, write
    from flowdsl.report import emit_text

    started = time.perf_counter()
    targets = _targets(targets)
    config = _config(owner_email, target)
    destination = _out_dir(config, out_dir)
    engine = None
    if diagram_format:
        # Imported only when asked for (issue 11). No layout program: nothing is written
        # (exit 2), before any work is done.
        from flowdsl.render.layout import require_engine

        engine = require_engine(diagram_format)
    with _user_code_output_to_stderr():
        workflows = discover(targets)
        if not workflows:
            raise UsageError(
                f"no @workflow found in {' '.join(targets)}; nothing written to {destination}"
            )
        result = compile_workflows(workflows, config)
    if result.diagnostics:
        emit_text(result.diagnostics, sys.stdout)
    if result.files is None:
        click.echo(f"error: nothing written to {destination}", err=True)
        _exit(1)
    if diagram_format:
        from flowdsl.render.diagram import render_diagrams
        from flowdsl.render.layout import DIAGRAM_DIR

        drawn = render_diagrams(result.program, diagram_format, engine=engine)
        result.files.update({f"{DIAGRAM_DIR}/{name}": content for name, content in drawn.items()})
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
            _exit(1)
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
    type=_LazyChoice(_report_formats),
    default="human",
    show_default=True,
    help="human: ruff-style lines; json: a JSON array only; github: Actions annotations.",
)
@click.option("--strict", is_flag=True, default=None, help="Warnings fail the check too.")
@click.option(
    "--target", type=_LazyChoice(_target_versions), help="Conductor version to check for."
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
    from flowdsl.checker import check_targets
    from flowdsl.report import EMITTERS

    try:
        targets = _targets(targets)
        config = _config(owner_email, target)
        if strict is not None:
            config = config.with_overrides(strict=strict)
        with _user_code_output_to_stderr():
            result = check_targets(targets, config)
        found = result.program.workflows or result.program.task_defs or result.diagnostics
        if not (found or result.unreadable):
            raise UsageError(
                f"nothing to check in {' '.join(targets)}: no @workflow, workflow definition "
                "or task definition"
            )
    except BaseException:
        if output_format == "json" and not interrupts.was_interrupted():
            click.echo("[]")  # stdout stays one JSON array; the reason is on stderr
        raise
    diagnostics = result.diagnostics
    EMITTERS[output_format](diagnostics, sys.stdout)
    for problem in result.unreadable:
        click.echo(f"error: {problem}", err=True)
    if output_format == "human" and not diagnostics and not result.unreadable:
        click.echo("All checks passed.")
    failing = [d for d in diagnostics if d.is_error or config.strict]
    # The worst of all: an unreadable file (2) over findings (1).
    _exit(2 if result.unreadable else 1 if failing else 0)


def _diagram_options(
    data_flow: bool, expand: bool, findings: bool, legend: bool, diagnostics: Sequence[Diagnostic]
) -> DiagramOptions:
    from flowdsl.render.diagram import DiagramOptions

    return DiagramOptions(
        data_flow=data_flow,
        expand_subworkflows=expand,
        findings=tuple(diagnostics) if findings else None,
        legend=legend,
    )


def _write_all(destination: Path, files: dict[str, bytes]) -> None:
    from flowdsl.output import write_file

    for name, content in sorted(files.items()):
        write_file(destination / name, content)


def _checked_workflows(
    targets: Sequence[str], target: str | None, config: Config | None = None
) -> CheckResult:
    """What `diagram` and `docs` draw: TARGETS read and checked as `check` does; untraced
    workflows said on stderr; exit 2 when there is no workflow at all."""
    from flowdsl.checker import check_targets

    result = check_targets(targets, config or _config(None, target))
    _report_untraced(result.diagnostics)
    if not result.program.workflows:
        click.echo("error: no workflow definitions found in " + " ".join(targets), err=True)
        _exit(2)
    return result


def _report_untraced(diagnostics: Sequence[Diagnostic]) -> None:
    """Workflows that could not be traced are missing from the output: say so."""
    from flowdsl.report import emit_text

    untraced = [d for d in diagnostics if d.is_error and d.code.startswith("FD0")]
    if untraced:
        emit_text(untraced, sys.stderr)


@main.command("diagram")
@click.argument("targets", nargs=-1, required=True)
@click.option("-o", "--out-dir", required=True, help="Directory to write the diagrams into.")
@click.option(
    "--format",
    "fmt",
    type=_LazyChoice(_diagram_formats),
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
    "--target", type=_LazyChoice(_target_versions), help="Conductor version to check for."
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
    from flowdsl.render.diagram import render_diagrams
    from flowdsl.render.layout import LayoutError, require_engine

    result = _checked_workflows(targets, target)
    program = result.program
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
        _exit(2)
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
    "--target", type=_LazyChoice(_target_versions), help="Conductor version to check for."
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
    from flowdsl.render.diagram import render_diagrams
    from flowdsl.render.docs import render_pages
    from flowdsl.render.layout import DIAGRAM_DIR, require_engine

    config = _config(None, target)  # (a bad configuration is reported before the engine)
    engine = require_engine("svg")
    program = _checked_workflows(targets, target, config).program
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
    from flowdsl.report import emit_text
    from flowdsl.server.definitions import load_bundle

    bundle = load_bundle(targets, _config(owner_email, target))
    if bundle.diagnostics:
        emit_text(bundle.diagnostics, sys.stdout)
    if bundle.errors:
        click.echo("error: nothing sent to the server", err=True)
        _exit(1)
    return bundle


@main.command("register")
@click.argument("targets", nargs=-1, required=True)
@click.option("--server", help=_SERVER_HELP)
@click.option("--dry-run", is_flag=True, help="Validate on the server; register nothing.")
@click.option("--overwrite", is_flag=True, help="Replace registered definitions that differ.")
@click.option("--owner-email", help="ownerEmail for definitions that set none.")
@click.option("--target", type=_LazyChoice(_target_versions), help="Conductor version to emit for.")
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
    from flowdsl.report import emit_text
    from flowdsl.server.deploy import register

    bundle = _bundle(targets, owner_email, target)
    client = _client(server)
    outcome = register(client, bundle, overwrite=overwrite, dry_run=dry_run)
    for line in outcome.lines:
        click.echo(line)
    if outcome.findings:
        emit_text(outcome.findings, sys.stdout)
        if not dry_run and not outcome.lines:
            click.echo("error: nothing registered", err=True)
        _exit(1)
    done = "validated (nothing registered)" if dry_run else "done"
    click.echo(f"{client.api_url}: {done}")


@main.command("diff")
@click.argument("targets", nargs=-1, required=True)
@click.option("--server", help=_SERVER_HELP)
@click.option("--owner-email", help="ownerEmail for definitions that set none.")
@click.option("--target", type=_LazyChoice(_target_versions), help="Conductor version to emit for.")
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
        _exit(1)
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
    _exit(result.exit_code)


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
    import logging

    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    names = ", ".join(f"{s.task_name} ({s.threads} thread{'s' * (s.threads != 1)})" for s in specs)
    click.echo(f"polling {api_url} for {names}; stop with Ctrl-C", err=True)
    _sdk.run(specs, resolved, api_url, auth, poll_interval_ms=poll_interval, log_level=level)
    click.echo("workers stopped", err=True)
