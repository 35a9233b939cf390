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
from flowdsl.checker import check_targets
from flowdsl.compiler import compile_workflows
from flowdsl.conductor.targets import TARGETS
from flowdsl.config import Config, load_config
from flowdsl.errors import FlowdslError
from flowdsl.loader import discover
from flowdsl.output import diff, write
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
