"""Conformance of the control-flow constructs through the harness: each workflow runs on the
real server and ends with the output the Python reads (the pattern for one test per
construct)."""

from __future__ import annotations

from .conductor_server import ConductorServer
from .harness import run_flow

HEADER = """
import flowdsl
from flowdsl import task, workflow

@task(retry_count=0, timeout_seconds=60)
def double(x: int) -> int:
    return 2 * x

@task(retry_count=0, timeout_seconds=60)
def triple(x: int) -> int:
    return 3 * x
"""


def double(x: int) -> int:
    return 2 * x


def triple(x: int) -> int:
    return 3 * x


def test_fork_values_flow_out_of_the_join(conductor: ConductorServer) -> None:
    source = (
        HEADER
        + """
@workflow(name="conf_fork")
def conf_fork(n: int) -> dict:
    a, b = flowdsl.fork(lambda: double(x=n), lambda: triple(x=double(x=n)))
    return {"a": a, "b": b}
"""
    )
    run = run_flow(conductor, source, input={"n": 5})
    assert run.status == "COMPLETED", run.reason
    assert run.output == {"a": double(5), "b": triple(double(5))}


def test_switch_gives_the_value_of_the_case_taken(conductor: ConductorServer) -> None:
    source = (
        HEADER
        + """
@workflow(name="conf_switch")
def conf_switch(kind: str, n: int) -> dict:
    value = flowdsl.switch(kind, {"d": lambda: double(x=n), "t": lambda: triple(x=n)},
                           default=lambda: double(x=0))
    big = flowdsl.when(n > 3, lambda: triple(x=n), lambda: double(x=n))
    return {"value": value, "big": big}
"""
    )
    for kind, n in (("d", 2), ("t", 7), ("other", 4)):
        run = run_flow(conductor, source, input={"kind": kind, "n": n})
        assert run.status == "COMPLETED", run.reason
        expected = {"d": double(n), "t": triple(n)}.get(kind, double(0))
        assert run.output == {"value": expected, "big": triple(n) if n > 3 else double(n)}


def test_do_while_reads_the_last_iteration(conductor: ConductorServer) -> None:
    source = (
        HEADER
        + """
@workflow(name="conf_do_while")
def conf_do_while(limit: int) -> dict:
    last = flowdsl.do_while(
        lambda loop: double(x=loop.iteration),
        condition=lambda loop, out: loop.iteration < limit,
    )
    return {"last": last}
"""
    )
    run = run_flow(conductor, source, input={"limit": 3})
    assert run.status == "COMPLETED", run.reason
    assert run.output == {"last": double(3)}
    assert len([t for t in run.tasks if t["taskType"] == "double"]) == 3
