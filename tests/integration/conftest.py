"""Session-wide real Conductor server for the integration tests in this directory.

Every test collected from this directory gets the ``integration`` marker (registered in
pyproject.toml), so ``pytest -m "not integration"`` skips them and the JVM start.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from .conductor_server import ConductorServer

HERE = Path(__file__).resolve().parent
_SERVER = pytest.StashKey[ConductorServer]()

# Faster reconciliation than the defaults (30 s offset, 60 s postpones), so the fault tests
# (test_faults.py) see timeouts and postponed tasks in seconds. WorkflowSweeper.unack
# (core/.../reconciliation/WorkflowSweeper.java) requeues a running workflow after
# min(responseTimeoutSeconds + 1, maxPostponeDurationSeconds), else workflowOffsetTimeout.
# ExecutionService.poll postpones a task over its concurrentExecLimit (or rate limit) by
# taskExecutionPostponeDuration: 10 s keeps test_concurrent_exec_limit short. (On SQLite the
# sweeper re-checks a swept workflow only ~60 s later whatever these say: see
# test_faults.test_a_worker_slower_than_response_timeout_is_timed_out_and_retried.)
FAST_SWEEP = {
    "conductor.app.workflowOffsetTimeout": "1s",
    "conductor.app.maxPostponeDurationSeconds": "1s",
    "conductor.app.taskExecutionPostponeDuration": "10s",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def conductor(request: pytest.FixtureRequest) -> Iterator[ConductorServer]:
    """A started server; its temporary directory (and log) is kept if any test failed."""
    server = ConductorServer(extra_properties=FAST_SWEEP)
    server.start()  # raises ConductorStartError with the log tail if the server cannot start
    request.config.stash[_SERVER] = server
    try:
        yield server
    finally:
        if request.session.testsfailed:
            server.stop()
        else:
            server.cleanup()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the server log tail to the report of every failing test that used the server."""
    report = yield
    server = item.config.stash.get(_SERVER, None)
    uses_server = "conductor" in getattr(item, "fixturenames", ())
    if report.failed and server is not None and uses_server:
        title = f"Conductor server log tail ({server.log_path})"
        report.sections.append((title, server.log_tail()))
    return report


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    server = config.stash.get(_SERVER, None)
    if server is not None and exitstatus != 0 and server.log_path.exists():
        terminalreporter.write_line(f"Conductor server log kept at {server.log_path}")
