"""The cyclic garbage collector, paused while flowdsl builds, checks and emits definitions.

Tracing, reading, checking and emitting make millions of small objects and few cycles; at
10k-50k tasks the collector's repeated passes over the growing heap took 12-39% of the time
(issue 11). Whatever cycles a user's workflow code makes are collected afterwards.

Objects made while the collector is paused are all still in its youngest generation when it
resumes, so its first pass afterwards walks every one of them (about 70 ms for a 20k-task
check). The ``flowdsl`` process, which leaves as soon as its command is done, asks for them
to be frozen instead (:func:`freeze_after_pause`): moved out of the collector's sight, as
``gc.freeze`` does, and still freed by reference counting. A program using flowdsl as a
library keeps the default, where they are collected as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_freeze = False


def freeze_after_pause() -> None:
    """From now on, objects made during a pause are frozen when it ends (this process only)."""
    global _freeze  # noqa: PLW0603
    _freeze = True


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (nested blocks: the outermost resumes)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if _freeze:
                gc.freeze()
            gc.enable()
