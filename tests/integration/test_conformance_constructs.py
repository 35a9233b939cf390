"""Conformance of the control-flow constructs through the harness: each workflow runs on the
real server and ends with the output the Python reads (the pattern for one test per
construct)."""

from __future__ import annotations

from .conductor_server import ConductorServer
from .harness import TASKS_SOURCE as HEADER
from .harness import Run, compile_flow, double, run_flow, serve_until_done, triple


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


def _ended(run: Run, ref: str) -> int:
    return int(run.task(ref)["endTime"])


def test_join_after_a_branch_ending_in_a_switch_waits_for_the_case(
    conductor: ConductorServer,
) -> None:
    # Conductor completes a SWITCH as soon as it picks its case; flowdsl ends such a branch
    # with a NOOP so the JOIN waits for the case's tasks, not for the SWITCH.
    source = (
        HEADER
        + """
import time

@task(retry_count=0, timeout_seconds=60)
def slow(x: int) -> int:
    time.sleep(1.5)
    return x + 1

def slow_case(n):
    return slow(x=slow(x=n))

@workflow(name="conf_fork_switch")
def conf_fork_switch(kind: str, n: int) -> dict:
    picked, quick = flowdsl.fork(
        lambda: flowdsl.switch(kind, {"slow": lambda: slow_case(n)}, default=lambda: double(x=n)),
        lambda: triple(x=n),
    )
    return {"picked": picked, "quick": quick}
"""
    )
    run = run_flow(conductor, source, input={"kind": "slow", "n": 1})
    assert run.status == "COMPLETED", run.reason
    assert run.output == {"picked": 3, "quick": 3}
    join = [t for t in run.tasks if t["taskType"] == "JOIN"][-1]
    case_end = _ended(run, "slow_ref_2")
    assert _ended(run, "switch_ref") < case_end  # the SWITCH completed before its case
    assert int(join["endTime"]) >= case_end  # the JOIN did not


def test_nested_constructs_run_as_the_python_reads(conductor: ConductorServer) -> None:
    source = (
        HEADER
        + """
@workflow(name="conf_nested")
def conf_nested(n: int, kind: str) -> dict:
    (a, b), c = flowdsl.fork(
        lambda: flowdsl.fork(lambda: double(x=n), lambda: triple(x=n)),
        lambda: flowdsl.when((kind == "x") | flowdsl.is_in(kind, ["y"]),
                             lambda: double(x=100), lambda: triple(x=100)),
    )
    looped = flowdsl.do_while(
        lambda loop: flowdsl.fork(lambda: double(x=loop.iteration), lambda: triple(x=a)),
        condition=lambda loop, out: loop.iteration < 2,
    )
    return {"a": a, "b": b, "c": c, "loop": looped}
"""
    )
    run = run_flow(conductor, source, input={"n": 4, "kind": "y"})
    assert run.status == "COMPLETED", run.reason
    assert run.output == {"a": 8, "b": 12, "c": 200, "loop": [4, 24]}


def test_do_while_over_items_and_an_outer_bound(conductor: ConductorServer) -> None:
    source = (
        HEADER
        + """
@workflow(name="conf_items")
def conf_items(values: list[int], stop: int) -> dict:
    last = flowdsl.do_while(
        lambda loop: double(x=loop.item),
        items=values,
        condition=lambda loop, out: out != stop,
    )
    return {"last": last}
"""
    )
    run = run_flow(conductor, source, input={"values": [1, 2, 3, 4], "stop": 6})
    assert run.status == "COMPLETED", run.reason
    assert run.output == {"last": 6}  # stopped after the item whose double is `stop`
    assert len([t for t in run.tasks if t["taskType"] == "double"]) == 3


def test_dynamic_fork_forms_give_the_join_output(conductor: ConductorServer) -> None:
    source = (
        HEADER
        + """
from pydantic import BaseModel

class Plan(BaseModel):
    dynamicTasks: list[dict]
    dynamicTasksInput: dict

@task(retry_count=0, timeout_seconds=60)
def plan(values: list[int]) -> Plan:
    tasks = [{"name": "triple", "taskReferenceName": f"t{i}", "type": "SIMPLE"}
             for i in range(len(values))]
    return Plan(dynamicTasks=tasks,
                dynamicTasksInput={f"t{i}": {"x": v} for i, v in enumerate(values)})

@workflow(name="conf_child")
def conf_child(x: int, y: int) -> dict:
    return {"sum": double(x=x), "y": y}

@workflow(name="conf_dynamic")
def conf_dynamic(values: list[dict], plain: list[dict], offset: int) -> dict:
    mapped = flowdsl.dynamic_fork(double, values, lambda v: {"x": v.amount})
    direct = flowdsl.dynamic_fork(triple, plain)
    children = flowdsl.dynamic_fork(conf_child, values, lambda v: {"x": v.amount, "y": offset})
    p = plan(values=[5, 6])
    classic = flowdsl.dynamic_fork(tasks=p.dynamicTasks, inputs=p.dynamicTasksInput)
    return {"mapped": mapped, "direct": direct, "children": children, "classic": classic}
"""
    )
    run = run_flow(
        conductor,
        source,
        name="conf_dynamic",
        input={"values": [{"amount": 1}, {"amount": 2}], "plain": [{"x": 7}], "offset": 9},
    )
    assert run.status == "COMPLETED", run.reason
    out = run.output
    assert out["mapped"] == {"_double_0": {"result": 2}, "_double_1": {"result": 4}}
    # ForkJoinDynamicTaskMapper names the forked tasks `_<forkTaskName>_<i>` in the first
    # dynamic fork of a run, `_<dynamic fork ref>_<forkTaskName>_<i>` in every later one.
    assert out["direct"] == {"_dynamic_fork_ref_2_triple_0": {"result": 21}}
    assert {k: {"sum": v["sum"], "y": v["y"]} for k, v in out["children"].items()} == {
        "_dynamic_fork_ref_3_conf_child_0": {"sum": 2, "y": 9},
        "_dynamic_fork_ref_3_conf_child_1": {"sum": 4, "y": 9},
    }
    assert out["classic"] == {"t0": {"result": 15}, "t1": {"result": 18}}


def test_sub_workflows_inline_and_failure_workflow(conductor: ConductorServer) -> None:
    source = (
        HEADER
        + """
from typing import TypedDict

class Doubled(TypedDict):
    value: int

@task(retry_count=0, timeout_seconds=60)
def explode(x: int) -> int:
    raise ValueError(f"no {x}")

@workflow(name="conf_sub_child")
def conf_sub_child(x: int, extra: int = 1) -> Doubled:
    return {"value": double(x=x)}

class Failed(flowdsl.FailureInputs):
    n: int

@workflow(name="conf_on_failure")
def conf_on_failure(inp: Failed) -> dict:
    return {"was": triple(x=inp.n), "reason": inp.reason}

@workflow(name="conf_sub", failure_workflow=conf_on_failure)
def conf_sub(n: int, fail: bool) -> dict:
    registered = flowdsl.sub_workflow(conf_sub_child, x=n)
    inline = flowdsl.sub_workflow(
        conf_sub_child.options(inline=True, ref="inline"), x=registered.value
    )
    flowdsl.when(fail == True, lambda: explode(x=n))
    return {"registered": registered.value, "inline": inline.value}
"""
    )
    run = run_flow(conductor, source, name="conf_sub", input={"n": 3, "fail": False})
    assert run.status == "COMPLETED", run.reason
    assert run.output == {"registered": 6, "inline": 12}
    parent = run.files["workflows/conf_sub.v1.json"]
    inline_task = next(t for t in parent["tasks"] if t["taskReferenceName"] == "inline")
    assert inline_task["subWorkflowParam"]["workflowDefinition"]["name"] == "conf_sub_child"

    failed = run_flow(conductor, source, name="conf_sub", input={"n": 3, "fail": True})
    assert failed.status == "FAILED"
    failure_id = failed.output["conductor.failure_workflow"]
    workers = compile_flow(source).workers
    final = serve_until_done(conductor, failure_id, dict(workers))
    assert final["status"] == "COMPLETED", final.get("reasonForIncompletion")
    assert final["output"]["was"] == 9
    assert "no 3" in final["output"]["reason"]
