"""Finding and running a Graphviz layout program.

The reference is Graphviz's own ``dot`` (Debian's ``graphviz`` package, Homebrew's, ...).
When no ``dot`` is on PATH, flowdsl falls back to ``graphviz-pure`` (PyPI), a self-contained
port of Graphviz's layout and renderers: it lays out the same DOT the same way, and writes
SVG, PNG and JSON, not PDF. The command ``graphviz-pure`` is looked up on PATH and beside the
running Python (a virtualenv's ``bin/``, where pip puts it even when that folder is not on
PATH).

``FLOWDSL_DOT`` names the program to use instead (a path or a command name); when it is set
nothing else is tried, so ``FLOWDSL_DOT=/nonexistent`` behaves as a machine without Graphviz.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from flowdsl.errors import FlowdslError

# What `flowdsl diagram --format` and `compile --diagrams` accept; "dot" needs no engine.
FORMATS = ("svg", "png", "pdf", "dot")
# The folder diagrams are written to, in compile's output and in the docs.
DIAGRAM_DIR = "diagrams"

INSTALL_HINT = (
    "Graphviz's `dot` was not found: install Graphviz (Debian/Ubuntu: `apt-get install "
    "graphviz`; macOS: `brew install graphviz`) or `pip install graphviz-pure`"
)


class LayoutError(FlowdslError):
    """No layout program can produce the requested format."""


@dataclass(frozen=True)
class LayoutEngine:
    """A program that reads DOT on stdin and writes ``-T<format>`` on stdout."""

    program: str
    kind: str  # "graphviz" (the real dot) or "graphviz-pure"

    @property
    def formats(self) -> frozenset[str]:
        if self.kind == "graphviz-pure":
            return frozenset({"svg", "png", "json", "dot", "xdot"})
        return frozenset({"svg", "png", "pdf", "json", "dot", "xdot"})

    def render(self, source: str, fmt: str) -> bytes:
        """The layout of ``source`` in format ``fmt`` (svg, png, pdf, json...)."""
        if fmt not in self.formats:
            raise LayoutError(
                f"{self.program} cannot write {fmt}; install Graphviz's `dot` for {fmt} output"
            )
        proc = subprocess.run(
            [self.program, f"-T{fmt}"],
            input=source.encode("utf-8"),
            capture_output=True,
            check=False,
            timeout=300,
        )
        if proc.returncode != 0:
            message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = message[-1] if message else f"exit status {proc.returncode}"
            raise LayoutError(f"{self.program} failed: {detail}")
        return proc.stdout


def _kind(program: str) -> str:
    return "graphviz-pure" if Path(program).name.startswith("graphviz-pure") else "graphviz"


def find_engine() -> LayoutEngine | None:
    """The layout program to use, or None when there is none."""
    forced = os.environ.get("FLOWDSL_DOT")
    if forced is not None:
        found = shutil.which(forced)
        return LayoutEngine(found, _kind(found)) if found else None
    dot = shutil.which("dot")
    if dot is not None:
        return LayoutEngine(dot, "graphviz")
    beside_python = str(Path(sys.executable).parent)
    for path in (None, beside_python):
        pure = shutil.which("graphviz-pure", path=path)
        if pure is not None:
            return LayoutEngine(pure, "graphviz-pure")
    return None


def require_engine(fmt: str) -> LayoutEngine | None:
    """The engine for ``fmt`` (None for ``dot``, which needs none); raises with the one-line
    install hint when there is no engine that writes ``fmt``."""
    if fmt == "dot":
        return None
    engine = find_engine()
    if engine is None:
        raise LayoutError(INSTALL_HINT)
    if fmt not in engine.formats:
        raise LayoutError(
            f"{engine.program} cannot write {fmt}; install Graphviz's `dot` for {fmt} output"
        )
    return engine
