"""Ctrl-C and termination signals: told apart from the user's own exceptions, and held
back while the output folder is being switched.

The command line runs inside :func:`watching_sigint`; there a ``KeyboardInterrupt`` that
comes from a real SIGINT is recorded, so a ``raise KeyboardInterrupt`` written in a user's
module (an error in their code: exit 2) is not mistaken for the user pressing Ctrl-C
(exit 130). :func:`deferred` holds SIGINT and SIGTERM back during a short critical section
and delivers them when it ends.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_state = {"sigint": False}


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    _state["sigint"] = True
    raise KeyboardInterrupt


@contextmanager
def watching_sigint() -> Iterator[None]:
    """Record every SIGINT inside the block (main thread only; elsewhere a no-op)."""
    _state["sigint"] = False
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def was_interrupted() -> bool:
    """Whether a real SIGINT arrived since :func:`watch_sigint`."""
    return _state["sigint"]


def is_signal(exc: BaseException) -> bool:
    """A KeyboardInterrupt that a real SIGINT raised (not one raised by user code)."""
    return isinstance(exc, KeyboardInterrupt) and _state["sigint"]


@contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back inside the block; deliver the first one after it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        caught.append(signum)

    previous = {sig: signal.signal(sig, hold) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if caught:
            signal.raise_signal(caught[0])
