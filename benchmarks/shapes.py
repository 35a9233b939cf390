"""The benchmark's workflow shapes, written twice: with flowdsl and with the Conductor Python
SDK (conductor-python), so that both build the same definition.

Shapes, for a nominal size N (the definition holds about N tasks, nested ones included):

* ``chain``: N SIMPLE tasks, each reading the output of the one before;
* ``wide_fork``: one FORK_JOIN of N/10 branches, each a chain of 10 tasks, then its JOIN;
* ``nested_fork``: forks of 4 branches nested down to chains of at most 16 tasks;
* ``switch``: N/4 SWITCHes on a workflow input, with cases ``a``, ``b`` and a default of
  one task each;
* ``dynamic_fork``: N/3 times a task preparing the forked tasks, FORK_JOIN_DYNAMIC, JOIN.

The SDK is imported only by the ``sdk_*`` functions: the flowdsl side runs without it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import BaseModel

from flowdsl import WorkflowFunction, dynamic_fork, fork, switch, task, workflow

SHAPES = ("chain", "wide_fork", "nested_fork", "switch", "dynamic_fork")
OWNER = "bench@example.com"


class Out(BaseModel):
    value: str


class Prepared(BaseModel):
    tasks: list[dict[str, Any]]
    inputs: dict[str, Any]


@task(retry_count=3, timeout_seconds=30, owner_email=OWNER)
def step(value: str) -> Out:
    raise NotImplementedError


@task(retry_count=3, timeout_seconds=30, owner_email=OWNER)
def prepare(value: str) -> Prepared:
    raise NotImplementedError


# -- flowdsl ---------------------------------------------------------------------------------


def _chain(value: Any, n: int) -> Any:
    for _ in range(n):
        value = step(value=value).value
    return value


def _nested(value: Any, n: int) -> Any:
    """About n tasks: a chain when small, else a fork of 4 nested shapes and its JOIN."""
    if n <= 16:
        return _chain(value, max(1, n))
    part = (n - 2) // 4
    return fork(*[lambda: _nested(value, part) for _ in range(4)])[0]


def flowdsl_workflow(shape: str, n: int) -> WorkflowFunction[..., Any]:
    """The shape as a flowdsl @workflow named ``<shape>_<n>``."""
    if shape == "chain":

        def body(start: str, k: str) -> dict[str, Any]:
            return {"value": _chain(start, n)}

    elif shape == "wide_fork":

        def body(start: str, k: str) -> dict[str, Any]:
            results = fork(*[lambda: _chain(start, 10) for _ in range(max(1, n // 10))])
            return {"value": results[0]}

    elif shape == "nested_fork":

        def body(start: str, k: str) -> dict[str, Any]:
            return {"value": _nested(start, n)}

    elif shape == "switch":

        def body(start: str, k: str) -> dict[str, Any]:
            def case() -> None:
                step(value=start)

            for _ in range(max(1, n // 4)):
                switch(k, {"a": case, "b": case}, default=case)
            return {"value": start}

    elif shape == "dynamic_fork":

        def body(start: str, k: str) -> dict[str, Any]:
            joined: Any = None
            for _ in range(max(1, n // 3)):
                prepared = prepare(value=start)
                joined = dynamic_fork(tasks=prepared.tasks, inputs=prepared.inputs)
            return {"value": joined}

    else:
        raise ValueError(f"unknown shape {shape!r}")
    body.__name__ = body.__qualname__ = f"{shape}_{n}"
    return workflow(name=f"{shape}_{n}", version=1, owner_email=OWNER)(body)


# -- conductor-python ------------------------------------------------------------------------


class _Refs:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, base: str) -> str:
        self.count += 1
        return f"{base}{self.count}"


def sdk_workflow(shape: str, n: int) -> Any:
    """The shape built with the SDK: a ConductorWorkflow (not yet converted)."""
    from conductor.client.workflow.conductor_workflow import ConductorWorkflow
    from conductor.client.workflow.task.dynamic_fork_task import DynamicForkTask
    from conductor.client.workflow.task.fork_task import ForkTask
    from conductor.client.workflow.task.join_task import JoinTask
    from conductor.client.workflow.task.simple_task import SimpleTask
    from conductor.client.workflow.task.switch_task import SwitchTask

    refs = _Refs()

    def simple(name: str, source: str) -> tuple[Any, str]:
        ref = refs("t")
        made = SimpleTask(task_def_name=name, task_reference_name=ref)
        made.input_parameters.update({"value": source})
        return made, f"${{{ref}.output.value}}"

    def fork_join(ref: str, branches: list[list[Any]], join_on: list[str]) -> list[Any]:
        # ForkTask(join_on=...) converts to a [FORK_JOIN, JOIN] list, which the SDK cannot
        # nest inside another fork's branch: the JOIN is added as a task of its own.
        return [
            ForkTask(task_ref_name=ref, forked_tasks=branches),
            JoinTask(task_ref_name=ref + "_join", join_on=join_on),
        ]

    def chain(source: str, count: int) -> tuple[list[Any], str]:
        tasks = []
        for _ in range(count):
            made, source = simple("step", source)
            tasks.append(made)
        return tasks, source

    def nested(source: str, count: int) -> tuple[list[Any], str, str]:
        """(tasks, the first branch's value, the reference that completes last)."""
        if count <= 16:
            tasks, out = chain(source, max(1, count))
            return tasks, out, tasks[-1].task_reference_name
        part = (count - 2) // 4
        ref = refs("fork")
        branches = [nested(source, part) for _ in range(4)]
        tasks = fork_join(ref, [b[0] for b in branches], [b[2] for b in branches])
        return tasks, branches[0][1], ref + "_join"

    start = "${workflow.input.start}"
    wf = ConductorWorkflow(executor=None, name=f"{shape}_{n}", version=1)  # type: ignore[arg-type]
    wf.owner_email(OWNER)
    wf.input_parameters(["start", "k"])
    out: str = start
    if shape == "chain":
        tasks, out = chain(start, n)
        wf.add(tasks)
    elif shape == "wide_fork":
        branches = [chain(start, 10) for _ in range(max(1, n // 10))]
        lists = [b[0] for b in branches]
        wf.add(fork_join(refs("fork"), lists, [b[-1].task_reference_name for b in lists]))
        out = branches[0][1]
    elif shape == "nested_fork":
        tasks, out, _ = nested(start, n)
        wf.add(tasks)
    elif shape == "switch":
        for _ in range(max(1, n // 4)):
            made = SwitchTask(task_ref_name=refs("switch"), case_expression="${workflow.input.k}")
            made.switch_case("a", [simple("step", start)[0]])
            made.switch_case("b", [simple("step", start)[0]])
            made.default_case([simple("step", start)[0]])
            wf.add(made)
    elif shape == "dynamic_fork":
        for _ in range(max(1, n // 3)):
            prep, _ = simple("prepare", start)
            fork_ref = refs("dynamic_fork")
            made = DynamicForkTask(
                task_ref_name=fork_ref,
                tasks_param="dynamicTasks",
                tasks_input_param_name="dynamicTasksInput",
                join_task=JoinTask(task_ref_name=fork_ref + "_join"),
            )
            prep_ref = prep.task_reference_name
            made.input_parameters.update(
                {
                    "dynamicTasks": f"${{{prep_ref}.output.tasks}}",
                    "dynamicTasksInput": f"${{{prep_ref}.output.inputs}}",
                }
            )
            wf.add([prep, made])
            out = f"${{{fork_ref}_join.output}}"
    else:
        raise ValueError(f"unknown shape {shape!r}")
    wf.output_parameters({"value": out})
    return wf


_API_CLIENT: list[Any] = []


def sdk_serialise(wf: Any) -> bytes:
    """What ``ConductorWorkflow.register()`` does before the HTTP request: the WorkflowDef,
    ApiClient.sanitize_for_serialization of the request body, json.dumps (rest.py)."""
    if not _API_CLIENT:
        from conductor.client.configuration.configuration import Configuration
        from conductor.client.http.api_client import ApiClient

        # No authentication settings: nothing is requested from a server.
        _API_CLIENT.append(ApiClient(Configuration(server_api_url="http://127.0.0.1:9/api")))
    body = _API_CLIENT[0].sanitize_for_serialization([wf.to_workflow_def()])
    return json.dumps(body).encode()


def sdk_build(shape: str, n: int) -> bytes:
    return sdk_serialise(sdk_workflow(shape, n))


# -- equivalence -----------------------------------------------------------------------------

_BLOCKS = ("decisionCases", "defaultCase", "forkTasks", "loopOver")
_COMPARED = (
    "type",
    "evaluatorType",
    "expression",
    "dynamicForkTasksParam",
    "dynamicForkTasksInputParamName",
)
_EXPR = re.compile(r"\$\{([A-Za-z0-9_]+)\.")


def _walk(tasks: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for t in tasks:
        yield t
        for key in _BLOCKS:
            value = t.get(key)
            if isinstance(value, dict):
                for case in value.values():
                    yield from _walk(case)
            elif value and isinstance(value[0], list):
                for branch in value:
                    yield from _walk(branch)
            elif value:
                yield from _walk(value)


def canonical(definition: dict[str, Any]) -> Any:
    """A WorkflowDef as what runs: task types, SIMPLE task names, inputs, nesting, joins,
    switch cases and outputs, with every taskReferenceName replaced by its position (the
    two tools name references differently). Conductor's defaults and the names of system
    tasks (free text) are left out; so is the SDK's ``joinOn`` on FORK_JOIN (ignored)."""
    order = {t["taskReferenceName"]: f"#{i}" for i, t in enumerate(_walk(definition["tasks"]))}

    def value(v: Any) -> Any:
        if isinstance(v, str):
            return _EXPR.sub(lambda m: "${" + order.get(m.group(1), m.group(1)) + ".", v)
        if isinstance(v, dict):
            return {k: value(x) for k, x in sorted(v.items())}
        if isinstance(v, list):
            return [value(x) for x in v]
        return v

    def one(t: dict[str, Any]) -> Any:
        out: dict[str, Any] = {k: t[k] for k in _COMPARED if t.get(k) not in (None, "", [])}
        if t["type"] == "SIMPLE":
            out["name"] = t["name"]
        out["inputParameters"] = value(t.get("inputParameters") or {})
        if t["type"] == "JOIN":
            out["joinOn"] = sorted(order[r] for r in t.get("joinOn") or [])
        if t.get("decisionCases"):
            out["decisionCases"] = {k: [one(x) for x in v] for k, v in t["decisionCases"].items()}
        if t.get("defaultCase"):
            out["defaultCase"] = [one(x) for x in t["defaultCase"]]
        if t.get("forkTasks"):
            out["forkTasks"] = [[one(x) for x in b] for b in t["forkTasks"]]
        return out

    return {
        "name": definition["name"],
        "version": definition["version"],
        "inputParameters": definition.get("inputParameters"),
        "outputParameters": value(definition.get("outputParameters") or {}),
        "ownerEmail": definition.get("ownerEmail"),
        "tasks": [one(t) for t in definition["tasks"]],
    }


def count_tasks(definition: dict[str, Any]) -> int:
    return sum(1 for _ in _walk(definition["tasks"]))


def equivalent(ours: bytes, theirs: bytes) -> bool:
    body = json.loads(theirs)
    return canonical(json.loads(ours)) == canonical(body[0] if isinstance(body, list) else body)


Builder = Callable[[str, int], Any]
