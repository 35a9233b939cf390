"""The conformance harness itself: a workflow given as a function (not source text) runs,
its worker bodies are called with their typed inputs, and a worker's exception fails the
task with its message."""

from __future__ import annotations

from pydantic import BaseModel

import flowdsl
from flowdsl import task, workflow

from .conductor_server import ConductorServer
from .harness import call_worker, run_flow


class Size(BaseModel):
    width: int
    height: int


class Area(BaseModel):
    area: int
    label: str


@task(retry_count=0, timeout_seconds=60)
def harness_area(size: Size, label: str = "box") -> Area:
    return Area(area=size.width * size.height, label=label)


@task(retry_count=0, timeout_seconds=60)
def harness_fail(reason: str) -> None:
    raise ValueError(reason)


@workflow(name="harness_function_flow")
def harness_function_flow(size: Size) -> dict[str, object]:
    computed = harness_area(size=size)
    flowdsl.noop()
    return {"area": computed.area, "label": computed.label}


@workflow(name="harness_failing_flow")
def harness_failing_flow(reason: str) -> dict[str, object]:
    harness_fail(reason=reason)
    return {}


def test_call_worker_validates_inputs_into_their_annotations() -> None:
    out = call_worker(harness_area, {"size": {"width": 2, "height": 3}, "extra": 1})
    assert out == {"area": 6, "label": "box"}


def test_a_workflow_function_runs(conductor: ConductorServer) -> None:
    size = Size(width=4, height=5)
    run = run_flow(conductor, harness_function_flow, input={"size": size.model_dump()})
    assert run.status == "COMPLETED", run.reason
    expected = harness_area.fn(size=size)
    assert run.output == {"area": expected.area, "label": expected.label}


def test_a_worker_exception_fails_the_task(conductor: ConductorServer) -> None:
    run = run_flow(conductor, harness_failing_flow, input={"reason": "no disk"})
    assert run.status == "FAILED"
    failed = run.task("harness_fail_ref")
    assert failed["status"] == "FAILED"
    assert failed["reasonForIncompletion"] == "ValueError: no disk"


def test_a_worker_can_be_replaced_by_a_fake(conductor: ConductorServer) -> None:
    def fake_area(input_data: dict[str, object]) -> dict[str, object]:
        return {"area": -1, "label": f"fake {input_data.get('label', '')}"}

    run = run_flow(
        conductor,
        harness_function_flow,
        input={"size": {"width": 1, "height": 1}},
        workers={"harness_area": fake_area},
    )
    assert run.status == "COMPLETED", run.reason
    assert run.output == {"area": -1, "label": "fake "}
