"""Smoke tests against the real Conductor server: the behaviour the compiler relies on."""

from __future__ import annotations

from typing import Any

from .conductor_server import CONDUCTOR_VERSION, ConductorServer

OWNER = "flowdsl-tests@example.com"
VALIDATION_FAILED = "Validation failed, check below errors for detail."


def task_def(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "ownerEmail": OWNER,
        "timeoutSeconds": 30,
        "responseTimeoutSeconds": 10,
        **fields,
    }


def workflow_def(name: str, task_name: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "version": 1,
        "schemaVersion": 2,
        "ownerEmail": OWNER,
        "timeoutSeconds": 0,
        "tasks": [{"name": task_name, "taskReferenceName": "step_ref", "type": "SIMPLE"}],
        **fields,
    }


def test_server_runs_the_pinned_version(conductor: ConductorServer) -> None:
    status, config = conductor.request("GET", "/api/admin/config")
    assert status == 200
    assert config["version"] == CONDUCTOR_VERSION
    assert config["conductor.app.ownerEmailMandatory"] == "true"


def test_task_def_round_trips(conductor: ConductorServer) -> None:
    sent = task_def(
        "smoke_roundtrip",
        retryCount=2,
        retryLogic="EXPONENTIAL_BACKOFF",
        inputKeys=["image"],
        description="round trip",
    )

    assert conductor.register_task_defs([sent]) == (200, None)

    status, got = conductor.get_task_def("smoke_roundtrip")
    assert status == 200
    assert {key: got[key] for key in sent} == sent
    assert got["timeoutPolicy"] == "TIME_OUT_WF"  # server-side default


def test_response_timeout_longer_than_timeout_is_rejected(conductor: ConductorServer) -> None:
    status, body = conductor.register_task_defs(
        [task_def("smoke_slow", timeoutSeconds=30, responseTimeoutSeconds=60)]
    )

    assert status == 400
    assert body["message"] == VALIDATION_FAILED
    assert body["validationErrors"] == [
        {
            "path": "registerTaskDef.arg0[0]",
            "message": "TaskDef: smoke_slow responseTimeoutSeconds: 60 must be less than "
            "timeoutSeconds: 30",
        }
    ]
    assert conductor.get_task_def("smoke_slow").status == 404


def test_workflow_without_owner_email_is_rejected(conductor: ConductorServer) -> None:
    conductor.register_task_defs([task_def("smoke_step")])
    definition = workflow_def("smoke_no_owner", "smoke_step")
    del definition["ownerEmail"]

    for response, method in (
        (conductor.register_workflow(definition), "registerWorkflowDef"),
        (conductor.validate_workflow(definition), "validateWorkflowDef"),
    ):
        assert response.status == 400
        assert response.body["validationErrors"] == [
            {"path": f"{method}.arg0.ownerEmail", "message": "ownerEmail cannot be empty"}
        ]
    assert conductor.get_workflow_def("smoke_no_owner").status == 404


def test_validate_accepts_a_minimal_workflow_without_storing_it(
    conductor: ConductorServer,
) -> None:
    conductor.register_task_defs([task_def("smoke_step")])

    assert conductor.validate_workflow(workflow_def("smoke_minimal", "smoke_step")) == (200, None)
    assert conductor.get_workflow_def("smoke_minimal").status == 404


def test_registered_workflow_round_trips(conductor: ConductorServer) -> None:
    conductor.register_task_defs([task_def("smoke_step")])
    sent = workflow_def("smoke_registered", "smoke_step")

    assert conductor.register_workflow(sent) == (200, None)

    status, got = conductor.get_workflow_def("smoke_registered", version=1)
    assert status == 200
    assert {key: got[key] for key in sent if key != "tasks"} == {
        key: value for key, value in sent.items() if key != "tasks"
    }
    assert [(t["name"], t["taskReferenceName"], t["type"]) for t in got["tasks"]] == [
        ("smoke_step", "step_ref", "SIMPLE")
    ]
    assert conductor.register_workflow(sent).status == 409
