"""Exceptions: they mean "cannot continue". Mistakes in a workflow are findings instead.

FlowdslError
 ├── UsageError        bad command-line use or configuration (exit 2)
 ├── LoadError         input that cannot be read at all: missing path, a module that
 │                     fails to import, malformed JSON (exit 2)
 ├── WriteError        the output folder cannot be written (exit 2); nothing was changed
 └── TraceError        raised inside a trace to stop it; carries the finding
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flowdsl.diagnostics import Diagnostic


class FlowdslError(Exception):
    """Base of every flowdsl exception."""


class UsageError(FlowdslError):
    """The command line or the [tool.flowdsl] configuration is wrong."""


class LoadError(FlowdslError):
    """An input cannot be read: a missing path, a module that fails to import, bad JSON."""


class WriteError(FlowdslError):
    """The output cannot be written: a read-only folder, a file where a folder goes..."""


class TraceError(FlowdslError):
    """Stops tracing a workflow; ``diagnostic`` says why and where."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic
