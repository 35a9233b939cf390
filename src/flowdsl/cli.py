"""The command line: thin wrappers over the library. Exit codes:

0  success
1  findings with errors in the user's workflows, or stale output under --check
2  usage errors and input that cannot be read (missing path, import failure, bad JSON)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from flowdsl import __version__
from flowdsl.compiler import compile_workflows
from flowdsl.conductor.targets import TARGETS
from flowdsl.config import Config, load_config
from flowdsl.errors import FlowdslError
from flowdsl.loader import discover
from flowdsl.output import diff, write
from flowdsl.report import emit_text

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
    config = _config(owner_email, target)
    destination = _out_dir(config, out_dir)
    workflows = discover(targets)
    result = compile_workflows(workflows, config)
    if result.diagnostics:
        emit_text(result.diagnostics, sys.stdout)
    if result.files is None:
        click.echo(f"error: nothing written to {destination}", err=True)
        sys.exit(1)
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
