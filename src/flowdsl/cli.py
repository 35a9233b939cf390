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
import traceback
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from flowdsl import __version__, interrupts
from flowdsl.checker import check_targets
from flowdsl.compiler import compile_workflows
from flowdsl.conductor.targets import TARGETS
from flowdsl.config import Config, load_config
from flowdsl.errors import FlowdslError, UsageError
from flowdsl.loader import discover
from flowdsl.output import diff, write
from flowdsl.report import EMITTERS, emit_text

F = TypeVar("F", bound=Callable[..., Any])


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
@click.option("--target", type=click.Choice(sorted(TARGETS)), help="Conductor version to emit for.")
@_input_errors
def compile_command(
    targets: Sequence[str],
    out_dir: str | None,
    check: bool,
    owner_email: str | None,
    target: str | None,
) -> None:
    """Compile the @workflow functions in TARGETS into Conductor JSON.

    TARGETS are .py files, directories, or dotted module paths (module or module:function).
    Writes OUT_DIR/workflows/<name>.v<version>.json and OUT_DIR/tasks/<name>.json.
    """
    started = time.perf_counter()
    targets = _targets(targets)
    config = _config(owner_email, target)
    destination = _out_dir(config, out_dir)
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
    try:
        targets = _targets(targets)
        config = _config(owner_email, target)
        if strict is not None:
            config = config.with_overrides(strict=strict)
        with _user_code_output_to_stderr():
            result = check_targets(targets, config)
        if not (result.program.workflows or result.program.task_defs or result.diagnostics):
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
    if output_format == "human" and not diagnostics:
        click.echo("All checks passed.")
    failing = [d for d in diagnostics if d.is_error or config.strict]
    _exit(1 if failing else 0)
