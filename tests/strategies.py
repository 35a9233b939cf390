"""Hypothesis strategies: Conductor programs that are valid in every respect flowdsl checks.

A *program* is ``(workflows, task_defs)``: JSON-ready WorkflowDef dicts and the TaskDef dicts
their SIMPLE tasks use, as ``flowdsl check`` reads them from disk (see :func:`write_program`).
:func:`valid_programs` draws programs for a no-false-positives property test;
:func:`mutate` / :func:`inject` put exactly one defect of a named kind into one, for
mutation tests (:data:`MUTATIONS` maps each kind to the finding code it must produce).

Use::

    import tempfile
    from pathlib import Path

    from hypothesis import given, settings
    from tests.strategies import mutated_programs, valid_programs, write_program

    @settings(max_examples=100, deadline=None)
    @given(valid_programs())
    def test_no_false_positives(program):
        with tempfile.TemporaryDirectory() as d:  # not tmp_path: @given reruns the body
            paths = write_program(Path(d), *program)
            ...  # `flowdsl check --format json *paths` must print []

    @given(mutated_programs())
    def test_finds_the_defect(drawn):
        workflows, task_defs, mutation = drawn
        ...  # mutation.code must be among the codes reported

The oracle in tests/test_strategies_selfcheck.py re-derives every rule below from the JSON
and shows that valid programs break none and each mutation breaks exactly its own.

The rules a generated program keeps (Conductor 3.32.3; see
/work/shared/design/conductor-contract.md §1-§4 and the 3.32.3 source facts):

* Names. Workflow and task names match ``^[a-z][a-z0-9_]*$``. taskReferenceNames are unique
  within a workflow (nested tasks included; an inline sub-workflow is its own namespace),
  match ``^[a-z][a-z0-9_]*[a-z0-9]$``, never contain ``__`` and are never ``workflow``.
* Task definitions. Every SIMPLE task has a TaskDef (name, ownerEmail, non-empty inputKeys and
  outputKeys, retryCount >= 0, responseTimeoutSeconds >= 1 and <= timeoutSeconds when
  timeoutSeconds > 0, timeoutSeconds <= totalTimeoutSeconds when both > 0) and is given exactly
  its inputKeys. No field newer than the 3.21 line is used.
* Structure. FORK_JOIN has 2-3 non-empty branches and is immediately followed by a JOIN whose
  joinOn lists the last task of each branch, in branch order; a branch never ends in a SWITCH or
  DO_WHILE. FORK_JOIN_DYNAMIC comes in both forms (``dynamicForkTasksParam`` +
  ``dynamicForkTasksInputParamName`` whose inputs read an earlier task's declared outputs, or
  ``inputParameters.forkTaskName`` + ``forkTaskInputs`` alone, valid since 3.32) and is
  immediately followed by a JOIN with an empty joinOn. SWITCH uses ``value-param`` (expression =
  a key of its inputParameters) or ``javascript`` (a small, syntactically valid expression whose
  possible results are the case keys), has 1-2 non-empty cases and maybe a non-empty default.
  DO_WHILE has a loopCondition on its own iteration count and a non-empty loopOver with no
  DO_WHILE anywhere below it. SUB_WORKFLOW names an earlier generated workflow by name and
  version (so there is no recursion) or carries an inline ``workflowDefinition``, and passes
  exactly the child's inputParameters. TERMINATE (``COMPLETED``, workflowOutput with the
  workflow's output keys) appears only as the last task of the top-level list or of a SWITCH
  case outside any fork or loop. System tasks carry their required fields: INLINE
  (graaljs + expression), JSON_JQ_TRANSFORM (queryExpression), SET_VARIABLE, WAIT (a literal
  duration), HTTP (http_request with uri and method).
* References. ``${ref.output.key}`` names a task that surely ran before the reader: an earlier
  task of the same list or of an enclosing list before the construct; after a FORK's JOIN, the
  tasks of every branch (those that surely ran there). Never a sibling branch before the JOIN,
  never a task inside a SWITCH case from outside that case, never a loop-body task from outside
  the loop. The key is one the producer declares: the TaskDef's outputKeys for SIMPLE;
  ``result`` for INLINE, ``result``/``resultList`` for JSON_JQ_TRANSFORM, ``response`` for HTTP
  and the child's outputParameters keys for SUB_WORKFLOW (only with ``system_outputs=True``).
  ``${workflow.input.k}`` only for declared inputParameters, ``${workflow.variables.v}`` only
  after a SET_VARIABLE of ``v`` surely ran (or ``v`` is an initial variable), and
  ``${workflow.<field>}`` only for real fields. outputParameters read only what surely ran by
  the end of the top-level list. Literal values never contain ``$`` (only the JavaScript in
  SWITCH/INLINE/loopCondition uses ``$.x``).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

JSON = dict[str, Any]
Program = tuple[list[JSON], list[JSON]]
T = TypeVar("T")

OWNER_EMAIL = "flowdsl-tests@example.com"

# Vocabularies. Keys avoid WorkflowTask field names (forkTaskInputs items are read as
# WorkflowTask JSON), JavaScript reserved words and JsonPath function names.
TASK_NAMES = (
    "fetch_order",
    "charge_card",
    "resize_image",
    "send_email",
    "score_lead",
    "lookup_user",
    "render_pdf",
    "ship_parcel",
    "index_document",
    "notify_team",
)
KEYS = (
    "amount",
    "city",
    "color",
    "count",
    "customer",
    "email",
    "fileUrl",
    "height",
    "item",
    "label",
    "limit",
    "mode",
    "note",
    "orderId",
    "price",
    "query",
    "region",
    "score",
    "sku",
    "width",
)
WORKFLOW_NAMES = ("orders", "billing", "media", "onboarding", "reports", "shipping")
WORKFLOW_INPUTS = ("accountId", "batchSize", "country", "currency", "dryRun", "locale", "userId")
WORKFLOW_OUTPUTS = ("receipt", "summary", "total", "url", "verdict")
VARIABLES = ("attempts", "phase", "lastStatus", "progress")
CASE_VALUES = ("alpha", "beta", "gamma", "delta")
WORDS = ("north", "blue", "small", "ready", "draft", "express", "hello world", "retry later")
PREFIXES = ("order", "item", "run", "report")

# ParametersUtils.getTaskInputV2: every ${workflow.<field>} Conductor provides.
WORKFLOW_FIELDS = (
    "input",
    "output",
    "status",
    "workflowId",
    "parentWorkflowId",
    "parentWorkflowTaskId",
    "workflowType",
    "version",
    "correlationId",
    "reasonForIncompletion",
    "schemaVersion",
    "variables",
)
SCALAR_WORKFLOW_FIELDS = ("workflowId", "correlationId", "workflowType", "version")

# Every template is checked with node in tests/test_strategies_selfcheck.py.
SWITCH_JS = (
    "$.{k} == '{a}' ? '{a}' : '{b}'",
    "($.{k} != null && $.{k} != '{b}') ? '{a}' : '{b}'",
    "(function () {{ if ($.{k} == '{a}') {{ return '{a}'; }} return '{b}'; }})()",
)
INLINE_JS = (
    "(function () {{ return $.{k}; }})();",
    "$.{k}",
    "(function () {{ return {{ value: $.{k} }}; }})();",
)
JQ_QUERIES = (".{k}", "{{ value: .{k} }}", "[.{k}] | length")
WAIT_DURATIONS = ("5s", "1m 30s", "10 secs", "2 mins")

REF_RE = re.compile(r"^[a-z][a-z0-9_]*[a-z0-9]$")
# What later tasks may read from system tasks (contract §2 table, "Output" column).
SYSTEM_OUTPUTS = {
    "INLINE": ("result",),
    "JSON_JQ_TRANSFORM": ("result", "resultList"),
    "HTTP": ("response",),
}


# --- generation state ----------------------------------------------------------------------


@dataclass
class _Budget:
    """Tasks left for the whole program. ``reserved`` is kept back for task lists that are
    promised but not generated yet, so every list gets its one mandatory task."""

    left: int
    reserved: int = 0

    def available(self) -> int:
        return self.left - self.reserved


@dataclass
class _Ctx:
    pool: list[JSON]
    used: set[str]
    budget: _Budget
    max_depth: int
    system_outputs: bool
    inline_count: int = 0


@dataclass
class _Flow:
    """The workflow being generated."""

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    callees: tuple[JSON, ...]
    inline_ok: bool
    counter: int = 0

    def ref(self, base: str) -> str:
        self.counter += 1
        return f"{base}_{self.counter}"


@dataclass(frozen=True)
class _Scope:
    """What surely ran: readable task outputs and set workflow variables."""

    outputs: tuple[tuple[str, tuple[str, ...]], ...] = ()
    variables: tuple[str, ...] = ()

    def __add__(self, other: _Scope) -> _Scope:
        return _Scope(
            self.outputs + other.outputs,
            tuple(dict.fromkeys(self.variables + other.variables)),
        )


_Made = tuple[list[JSON], _Scope]


class _TaskMaker(Protocol):
    def __call__(
        self,
        draw: DrawFn,
        ctx: _Ctx,
        flow: _Flow,
        scope: _Scope,
        *,
        depth: int,
        in_loop: bool,
        terminate_ok: bool,
    ) -> _Made: ...


# --- values ----------------------------------------------------------------------------------

_BOOLS = st.booleans()
_literals: SearchStrategy[Any] = st.one_of(st.sampled_from(WORDS), st.integers(0, 1000), _BOOLS)


@functools.cache
def _ints(lo: int, hi: int) -> SearchStrategy[int]:
    return st.integers(lo, hi)


def _choice(draw: DrawFn, items: Sequence[T]) -> T:
    """``draw(st.sampled_from(items))``, but through a cached ``st.integers``: building a
    strategy per draw is most of the generation time otherwise."""
    return items[draw(_ints(0, len(items) - 1))]


def _subset(draw: DrawFn, items: Sequence[T], lo: int, hi: int) -> list[T]:
    """Up to ``hi`` (at least ``lo``) distinct items, in a drawn order."""
    pool = list(items)
    out: list[T] = []
    n = draw(_ints(lo, min(hi, len(pool))))
    for _ in range(n):
        out.append(pool.pop(draw(_ints(0, len(pool) - 1))))
    return out


def _output_path(draw: DrawFn, scope: _Scope) -> str:
    ref, keys = _choice(draw, scope.outputs)
    return f"{ref}.output.{_choice(draw, keys)}"


def _expression_path(draw: DrawFn, flow: _Flow, scope: _Scope) -> str:
    paths: list[str] = []
    if scope.outputs:
        paths.append("output")
    if flow.inputs:
        paths.append("input")
    if scope.variables:
        paths.append("variable")
    paths.append("field")
    kind = _choice(draw, paths)
    if kind == "output":
        return _output_path(draw, scope)
    if kind == "input":
        return f"workflow.input.{_choice(draw, flow.inputs)}"
    if kind == "variable":
        return f"workflow.variables.{_choice(draw, scope.variables)}"
    return f"workflow.{_choice(draw, SCALAR_WORKFLOW_FIELDS)}"


def _value(draw: DrawFn, flow: _Flow, scope: _Scope, *, nested: bool = True) -> Any:
    """A task input value: a literal, one expression, text around one expression, or (when
    ``nested``) a small object or array of those."""
    kinds = ["literal", "expression", "expression", "text"]
    if nested:
        kinds += ["object", "array"]
    kind = _choice(draw, kinds)
    if kind == "literal":
        return draw(_literals)
    if kind == "expression":
        return "${" + _expression_path(draw, flow, scope) + "}"
    if kind == "text":
        return f"{_choice(draw, PREFIXES)}-${{{_expression_path(draw, flow, scope)}}}"
    if kind == "object":
        keys = _subset(draw, KEYS, 1, 2)
        return {k: _value(draw, flow, scope, nested=False) for k in keys}
    return [_value(draw, flow, scope, nested=False) for _ in range(draw(_ints(1, 2)))]


# --- task definitions ------------------------------------------------------------------------


@st.composite
def task_def(draw: DrawFn, name: str) -> JSON:
    """A TaskDef Conductor accepts, with non-empty inputKeys and outputKeys."""
    return _task_def(draw, name)


def _task_def(draw: DrawFn, name: str) -> JSON:
    timeout = _choice(draw, (0, 0, 60, 300, 3600))
    response = draw(_ints(1, timeout)) if timeout else _choice(draw, (1, 60, 3600))
    td: JSON = {
        "name": name,
        "description": f"{name.replace('_', ' ')} worker",
        "ownerEmail": OWNER_EMAIL,
        "retryCount": draw(_ints(0, 3)),
        "retryLogic": _choice(draw, ("FIXED", "EXPONENTIAL_BACKOFF", "LINEAR_BACKOFF")),
        "retryDelaySeconds": draw(_ints(0, 60)),
        "timeoutPolicy": _choice(draw, ("TIME_OUT_WF", "RETRY", "ALERT_ONLY")),
        "timeoutSeconds": timeout,
        "responseTimeoutSeconds": response,
        "inputKeys": _subset(draw, KEYS, 1, 3),
        "outputKeys": _subset(draw, KEYS, 1, 3),
    }
    if draw(_BOOLS):
        td["totalTimeoutSeconds"] = draw(
            st.integers(timeout, timeout + 3600) if timeout else st.integers(0, 7200)
        )
    if draw(_BOOLS):
        td["backoffScaleFactor"] = draw(_ints(1, 3))
    if draw(_BOOLS):
        td["pollTimeoutSeconds"] = draw(_ints(0, 60))
    if draw(_BOOLS):
        td["concurrentExecLimit"] = draw(_ints(1, 10))
        td["rateLimitPerFrequency"] = draw(_ints(0, 100))
        td["rateLimitFrequencyInSeconds"] = draw(_ints(1, 60))
    return td


@st.composite
def task_def_pools(draw: DrawFn, min_size: int = 2, max_size: int = 5) -> list[JSON]:
    names = _subset(draw, TASK_NAMES, min_size, max_size)
    return [_task_def(draw, name) for name in names]


# --- tasks -------------------------------------------------------------------------------------


def _simple(draw: DrawFn, ctx: _Ctx, flow: _Flow, scope: _Scope, **_: Any) -> _Made:
    ctx.budget.left -= 1
    td = _choice(draw, ctx.pool)
    ctx.used.add(td["name"])
    ref = flow.ref(td["name"])
    task: JSON = {
        "name": td["name"],
        "taskReferenceName": ref,
        "type": "SIMPLE",
        "inputParameters": {k: _value(draw, flow, scope) for k in td["inputKeys"]},
    }
    if draw(_ints(0, 5)) == 0:
        task["description"] = f"{td['name'].replace('_', ' ')} step"
    if draw(_ints(0, 7)) == 0:
        task["optional"] = True
    return [task], _Scope(((ref, tuple(td["outputKeys"])),))


def _system_exports(ctx: _Ctx, ref: str, keys: tuple[str, ...]) -> _Scope:
    return _Scope(((ref, keys),)) if ctx.system_outputs and keys else _Scope()


def _inline(draw: DrawFn, ctx: _Ctx, flow: _Flow, scope: _Scope, **_: Any) -> _Made:
    ctx.budget.left -= 1
    ref = flow.ref("inline")
    k = _choice(draw, KEYS)
    inputs: JSON = {
        "evaluatorType": "graaljs",
        "expression": _choice(draw, INLINE_JS).format(k=k),
        k: _value(draw, flow, scope),
    }
    task = {"name": ref, "taskReferenceName": ref, "type": "INLINE", "inputParameters": inputs}
    return [task], _system_exports(ctx, ref, SYSTEM_OUTPUTS["INLINE"])


def _jq(draw: DrawFn, ctx: _Ctx, flow: _Flow, scope: _Scope, **_: Any) -> _Made:
    ctx.budget.left -= 1
    ref = flow.ref("transform")
    k = _choice(draw, KEYS)
    inputs: JSON = {
        "queryExpression": _choice(draw, JQ_QUERIES).format(k=k),
        k: _value(draw, flow, scope),
    }
    task = {
        "name": ref,
        "taskReferenceName": ref,
        "type": "JSON_JQ_TRANSFORM",
        "inputParameters": inputs,
    }
    return [task], _system_exports(ctx, ref, SYSTEM_OUTPUTS["JSON_JQ_TRANSFORM"])


def _set_variable(draw: DrawFn, ctx: _Ctx, flow: _Flow, scope: _Scope, **_: Any) -> _Made:
    ctx.budget.left -= 1
    ref = flow.ref("set_vars")
    names = _subset(draw, VARIABLES, 1, 2)
    inputs = {v: _value(draw, flow, scope, nested=False) for v in names}
    task = {
        "name": ref,
        "taskReferenceName": ref,
        "type": "SET_VARIABLE",
        "inputParameters": inputs,
    }
    return [task], _Scope(variables=tuple(names))


def _wait(draw: DrawFn, ctx: _Ctx, flow: _Flow, scope: _Scope, **_: Any) -> _Made:
    ctx.budget.left -= 1
    ref = flow.ref("wait")
    duration = _choice(draw, WAIT_DURATIONS)
    task = {
        "name": ref,
        "taskReferenceName": ref,
        "type": "WAIT",
        "inputParameters": {"duration": duration},
    }
    return [task], _Scope()


def _http(draw: DrawFn, ctx: _Ctx, flow: _Flow, scope: _Scope, **_: Any) -> _Made:
    ctx.budget.left -= 1
    ref = flow.ref("http")
    method = _choice(draw, ("GET", "POST"))
    path = _choice(draw, KEYS).lower()
    uri = f"https://example.com/api/{path}"
    if flow.inputs and draw(_BOOLS):
        uri += "/${workflow.input." + _choice(draw, flow.inputs) + "}"
    request: JSON = {"uri": uri, "method": method}
    if method == "POST":
        request["body"] = _value(draw, flow, scope)
    if draw(_BOOLS):
        request["headers"] = {"X-Request-Id": "${workflow.workflowId}"}
    task = {
        "name": ref,
        "taskReferenceName": ref,
        "type": "HTTP",
        "inputParameters": {"http_request": request},
    }
    return [task], _system_exports(ctx, ref, SYSTEM_OUTPUTS["HTTP"])


def _sub_workflow(
    draw: DrawFn, ctx: _Ctx, flow: _Flow, scope: _Scope, *, depth: int, **_: Any
) -> _Made:
    ctx.budget.left -= 1
    ref = flow.ref("subflow")
    inline = flow.inline_ok and ctx.budget.available() >= 1 and (not flow.callees or draw(_BOOLS))
    if inline:
        ctx.inline_count += 1
        name = f"{flow.name}_inline_{ctx.inline_count}"
        ctx.budget.reserved += 1
        child = _workflow(draw, ctx, name, callees=(), inline_ok=False, depth=depth + 1)
        param: JSON = {"name": name, "version": child["version"], "workflowDefinition": child}
    else:
        child = _choice(draw, flow.callees)
        param = {"name": child["name"], "version": child["version"]}
    task = {
        "name": child["name"],
        "taskReferenceName": ref,
        "type": "SUB_WORKFLOW",
        "subWorkflowParam": param,
        "inputParameters": {k: _value(draw, flow, scope) for k in child["inputParameters"]},
    }
    return [task], _system_exports(ctx, ref, tuple(child["outputParameters"]))


def _terminate(draw: DrawFn, ctx: _Ctx, flow: _Flow, scope: _Scope) -> JSON:
    ctx.budget.left -= 1
    ref = flow.ref("terminate")
    inputs: JSON = {
        "terminationStatus": "COMPLETED",
        "workflowOutput": {k: _value(draw, flow, scope, nested=False) for k in flow.outputs},
    }
    if draw(_BOOLS):
        inputs["terminationReason"] = "finished early"
    return {"name": ref, "taskReferenceName": ref, "type": "TERMINATE", "inputParameters": inputs}


def _fork_join(
    draw: DrawFn, ctx: _Ctx, flow: _Flow, scope: _Scope, *, depth: int, in_loop: bool, **_: Any
) -> _Made:
    ctx.budget.left -= 2
    fork_ref = flow.ref("fork")
    n = 2 if ctx.budget.available() < 3 else draw(_ints(2, 3))
    ctx.budget.reserved += n
    branches: list[list[JSON]] = []
    exported = _Scope()
    for _ in range(n):
        tasks, made = _task_list(
            draw,
            ctx,
            flow,
            scope,
            depth=depth + 1,
            in_loop=in_loop,
            terminate_ok=False,
            tail_leaf=True,
            max_len=3,
        )
        branches.append(tasks)
        exported = exported + made
    join_ref = flow.ref("join")
    fork = {
        "name": fork_ref,
        "taskReferenceName": fork_ref,
        "type": "FORK_JOIN",
        "inputParameters": {},
        "forkTasks": branches,
    }
    join = {
        "name": join_ref,
        "taskReferenceName": join_ref,
        "type": "JOIN",
        "inputParameters": {},
        "joinOn": [branch[-1]["taskReferenceName"] for branch in branches],
    }
    return [fork, join], exported


def _dynamic_fork(draw: DrawFn, ctx: _Ctx, flow: _Flow, scope: _Scope, **_: Any) -> _Made:
    made: list[JSON] = []
    exported = _Scope()
    if draw(_BOOLS):
        # Classic form: the task list and the inputs come from an earlier task's outputs.
        wide = [(ref, keys) for ref, keys in scope.outputs if len(keys) >= 2]
        if wide:
            ref, keys = _choice(draw, wide)
        else:
            prepared, exported = _preparer(draw, ctx, flow, scope)
            made.extend(prepared)
            ref, keys = exported.outputs[0]
        tasks_key, inputs_key = _subset(draw, keys, 2, 2)
        tasks_param, inputs_param = _choice(
            draw, (("dynamicTasks", "dynamicTasksInput"), ("forkedTasks", "forkedTasksInputs"))
        )
        ctx.budget.left -= 1
        fork_ref = flow.ref("dynamic_fork")
        fork: JSON = {
            "name": fork_ref,
            "taskReferenceName": fork_ref,
            "type": "FORK_JOIN_DYNAMIC",
            "inputParameters": {
                tasks_param: f"${{{ref}.output.{tasks_key}}}",
                inputs_param: f"${{{ref}.output.{inputs_key}}}",
            },
            "dynamicForkTasksParam": tasks_param,
            "dynamicForkTasksInputParamName": inputs_param,
        }
    else:
        # 3.32 form: forkTaskName + forkTaskInputs (a list, one branch per element).
        ctx.budget.left -= 1
        fork_ref = flow.ref("dynamic_fork")
        td = _choice(draw, ctx.pool)
        ctx.used.add(td["name"])
        inputs: Any
        if scope.outputs and draw(_BOOLS):
            inputs = "${" + _output_path(draw, scope) + "}"
        else:
            inputs = [
                {k: _value(draw, flow, scope, nested=False) for k in td["inputKeys"]}
                for _ in range(draw(_ints(1, 3)))
            ]
        fork = {
            "name": fork_ref,
            "taskReferenceName": fork_ref,
            "type": "FORK_JOIN_DYNAMIC",
            "inputParameters": {"forkTaskName": td["name"], "forkTaskInputs": inputs},
        }
    ctx.budget.left -= 1
    join_ref = flow.ref("join")
    join = {
        "name": join_ref,
        "taskReferenceName": join_ref,
        "type": "JOIN",
        "inputParameters": {},
        "joinOn": [],
    }
    return [*made, fork, join], exported


def _preparer(draw: DrawFn, ctx: _Ctx, flow: _Flow, scope: _Scope) -> _Made:
    """A SIMPLE task whose TaskDef declares at least two outputs (made if the pool has none)."""
    wide = [td for td in ctx.pool if len(td["outputKeys"]) >= 2]
    if not wide:
        td = {
            "name": "plan_fanout",
            "description": "plans a dynamic fork",
            "ownerEmail": OWNER_EMAIL,
            "retryCount": 0,
            "timeoutSeconds": 0,
            "responseTimeoutSeconds": 60,
            "inputKeys": ["query"],
            "outputKeys": ["dynamicTasks", "dynamicTasksInput"],
        }
        ctx.pool.append(td)
        wide = [td]
    td = _choice(draw, wide)
    ctx.used.add(td["name"])
    ctx.budget.left -= 1
    ref = flow.ref(td["name"])
    task = {
        "name": td["name"],
        "taskReferenceName": ref,
        "type": "SIMPLE",
        "inputParameters": {k: _value(draw, flow, scope) for k in td["inputKeys"]},
    }
    return [task], _Scope(((ref, tuple(td["outputKeys"])),))


def _switch(
    draw: DrawFn,
    ctx: _Ctx,
    flow: _Flow,
    scope: _Scope,
    *,
    depth: int,
    in_loop: bool,
    terminate_ok: bool,
) -> _Made:
    ctx.budget.left -= 1
    ref = flow.ref("switch")
    task: JSON = {"name": ref, "taskReferenceName": ref, "type": "SWITCH"}
    if draw(_BOOLS):
        param = _choice(draw, ("caseValue", "switchCaseValue", "decision"))
        task["evaluatorType"] = "value-param"
        task["expression"] = param
        task["inputParameters"] = {param: _value(draw, flow, scope, nested=False)}
        outcomes: Sequence[str] = CASE_VALUES
    else:
        k = _choice(draw, KEYS)
        a, b = _subset(draw, CASE_VALUES, 2, 2)
        task["evaluatorType"] = "javascript"
        task["expression"] = _choice(draw, SWITCH_JS).format(k=k, a=a, b=b)
        task["inputParameters"] = {k: _value(draw, flow, scope, nested=False)}
        outcomes = (a, b)
    room = ctx.budget.available()
    n_cases = min(draw(_ints(1, 2)), room)
    with_default = room > n_cases and draw(_BOOLS)
    keys = _subset(draw, outcomes, n_cases, n_cases)
    ctx.budget.reserved += n_cases + with_default
    cases = {}
    for key in keys:
        cases[key] = _task_list(
            draw,
            ctx,
            flow,
            scope,
            depth=depth + 1,
            in_loop=in_loop,
            terminate_ok=terminate_ok,
            tail_leaf=False,
            max_len=3,
        )[0]
    task["decisionCases"] = cases
    if with_default:
        task["defaultCase"] = _task_list(
            draw,
            ctx,
            flow,
            scope,
            depth=depth + 1,
            in_loop=in_loop,
            terminate_ok=terminate_ok,
            tail_leaf=False,
            max_len=3,
        )[0]
    return [task], _Scope()


def _do_while(
    draw: DrawFn, ctx: _Ctx, flow: _Flow, scope: _Scope, *, depth: int, **_: Any
) -> _Made:
    ctx.budget.left -= 1
    ref = flow.ref("loop")
    n = draw(_ints(2, 4))
    task: JSON = {"name": ref, "taskReferenceName": ref, "type": "DO_WHILE", "inputParameters": {}}
    form = draw(_ints(0, 2))
    if form == 0:
        task["loopCondition"] = f"$.{ref}['iteration'] < {n}"
    elif form == 1:
        task["loopCondition"] = f"if ($.{ref}['iteration'] < {n}) {{ true; }} else {{ false; }}"
    else:
        task["inputParameters"] = {"maxIterations": n}
        task["loopCondition"] = f"$.{ref}['iteration'] < $.maxIterations"
    ctx.budget.reserved += 1
    task["loopOver"] = _task_list(
        draw,
        ctx,
        flow,
        scope,
        depth=depth + 1,
        in_loop=True,
        terminate_ok=False,
        tail_leaf=False,
        max_len=3,
    )[0]
    return [task], _Scope()


_LEAVES: dict[str, _TaskMaker] = {
    "SIMPLE": _simple,
    "INLINE": _inline,
    "JSON_JQ_TRANSFORM": _jq,
    "SET_VARIABLE": _set_variable,
    "WAIT": _wait,
    "HTTP": _http,
    "SUB_WORKFLOW": _sub_workflow,
}
_CONSTRUCTS: dict[str, tuple[int, _TaskMaker]] = {
    # kind: (the fewest tasks it can be made of, maker)
    "FORK_JOIN": (4, _fork_join),
    "FORK_JOIN_DYNAMIC": (3, _dynamic_fork),
    "SWITCH": (2, _switch),
    "DO_WHILE": (2, _do_while),
}
# A fork branch may not end in these: JOIN would not wait for what runs inside them.
_NO_TAIL = ("SWITCH", "DO_WHILE")


def _task_list(
    draw: DrawFn,
    ctx: _Ctx,
    flow: _Flow,
    scope: _Scope,
    *,
    depth: int,
    in_loop: bool,
    terminate_ok: bool,
    tail_leaf: bool,
    max_len: int,
) -> _Made:
    """A non-empty task list. The caller reserved one task of budget for it."""
    ctx.budget.reserved -= 1
    target = draw(_ints(1, max_len))
    tasks: list[JSON] = []
    local = _Scope()
    while len(tasks) < target and (not tasks or ctx.budget.available() >= 1):
        room = ctx.budget.available()
        kinds = ["SIMPLE", "SIMPLE", "INLINE", "JSON_JQ_TRANSFORM", "SET_VARIABLE", "WAIT", "HTTP"]
        if flow.callees or (flow.inline_ok and room >= 2):
            kinds.append("SUB_WORKFLOW")
        if depth < ctx.max_depth:
            for kind, (cost, _maker) in _CONSTRUCTS.items():
                extra = 1 if tail_leaf and kind in _NO_TAIL else 0
                if room >= cost + extra and not (kind == "DO_WHILE" and in_loop):
                    kinds += [kind, kind]
        kind = _choice(draw, kinds)
        maker = _LEAVES[kind] if kind in _LEAVES else _CONSTRUCTS[kind][1]
        hold = 1 if tail_leaf and kind in _NO_TAIL else 0
        ctx.budget.reserved += hold
        made, exported = maker(
            draw, ctx, flow, scope + local, depth=depth, in_loop=in_loop, terminate_ok=terminate_ok
        )
        ctx.budget.reserved -= hold
        tasks.extend(made)
        local = local + exported
    if tail_leaf and tasks[-1]["type"] in _NO_TAIL:
        kind = _choice(draw, ("SIMPLE", "INLINE", "WAIT"))
        made, exported = _LEAVES[kind](
            draw, ctx, flow, scope + local, depth=depth, in_loop=in_loop, terminate_ok=False
        )
        tasks.extend(made)
        local = local + exported
    if terminate_ok and ctx.budget.available() >= 1 and draw(_ints(0, 3)) == 0:
        tasks.append(_terminate(draw, ctx, flow, scope + local))
    return tasks, local


def _workflow(
    draw: DrawFn,
    ctx: _Ctx,
    name: str,
    *,
    callees: tuple[JSON, ...],
    inline_ok: bool,
    depth: int = 0,
) -> JSON:
    """One WorkflowDef. The caller reserved one task of budget for its task list."""
    inputs = tuple(_subset(draw, WORKFLOW_INPUTS, 0, 3))
    outputs = tuple(_subset(draw, WORKFLOW_OUTPUTS, 1, 2))
    initial = tuple(_subset(draw, VARIABLES, 0, 1))
    flow = _Flow(name, inputs, outputs, callees, inline_ok)
    start = _Scope(variables=initial)
    tasks, exported = _task_list(
        draw,
        ctx,
        flow,
        start,
        depth=depth,
        in_loop=False,
        terminate_ok=True,
        tail_leaf=False,
        max_len=5,
    )
    done = start + exported
    wf: JSON = {
        "name": name,
        "description": f"generated workflow {name}",
        "version": draw(_ints(1, 3)),
        "schemaVersion": 2,
        "ownerEmail": OWNER_EMAIL,
        "inputParameters": list(inputs),
        "outputParameters": {k: _value(draw, flow, done, nested=False) for k in outputs},
        "tasks": tasks,
        "timeoutPolicy": "ALERT_ONLY",
        "timeoutSeconds": 0,
        "restartable": True,
    }
    if initial:
        wf["variables"] = {v: 0 for v in initial}
    return wf


@st.composite
def valid_programs(
    draw: DrawFn,
    *,
    max_workflows: int = 3,
    max_depth: int = 3,
    max_tasks: int = 25,
    system_outputs: bool = True,
) -> Program:
    """``(workflows, task_defs)``: 1..max_workflows workflows with at most ``max_tasks`` tasks in
    all (nested and inline ones included) and constructs nested at most ``max_depth`` deep.

    Valid for Conductor 3.32.3 in every respect described in the module docstring.
    ``system_outputs=False`` limits ``${ref.output.key}`` to SIMPLE tasks (TaskDef outputKeys).
    """
    pool = draw(task_def_pools())
    n_wf = draw(_ints(1, max(1, min(max_workflows, max_tasks))))
    names = [f"{w}_flow" for w in _subset(draw, WORKFLOW_NAMES, n_wf, n_wf)]
    ctx = _Ctx(pool, set(), _Budget(max_tasks, reserved=n_wf), max_depth, system_outputs)
    workflows: list[JSON] = []
    for name in names:
        workflows.append(_workflow(draw, ctx, name, callees=tuple(workflows), inline_ok=True))
    order = _subset(draw, range(n_wf), n_wf, n_wf)
    task_defs = [td for td in ctx.pool if td["name"] in ctx.used]
    return [workflows[i] for i in order], task_defs


# --- walking generated JSON ----------------------------------------------------------------------


def child_lists(task: JSON) -> list[list[JSON]]:
    """The task lists directly inside a task (fork branches, cases, default, loop body)."""
    lists: list[list[JSON]] = list(task.get("forkTasks", []))
    lists += list(task.get("decisionCases", {}).values())
    if "defaultCase" in task:
        lists.append(task["defaultCase"])
    if "loopOver" in task:
        lists.append(task["loopOver"])
    return lists


def task_lists(tasks: list[JSON]) -> Iterator[list[JSON]]:
    """``tasks`` and every list nested in it (not inline sub-workflow definitions)."""
    yield tasks
    for task in tasks:
        for sub in child_lists(task):
            yield from task_lists(sub)


def all_tasks(tasks: list[JSON]) -> Iterator[JSON]:
    for lst in task_lists(tasks):
        yield from lst


def _tasks_with_inline(workflows: Iterable[JSON]) -> Iterator[JSON]:
    for wf in workflows:
        for task in all_tasks(wf["tasks"]):
            yield task
            inline = task.get("subWorkflowParam", {}).get("workflowDefinition")
            if isinstance(inline, dict):
                yield from _tasks_with_inline([inline])


def count_tasks(workflows: Iterable[JSON]) -> int:
    """Tasks in all the workflows, inline sub-workflow definitions included."""
    return sum(1 for _ in _tasks_with_inline(workflows))


_EXPR_HEAD = re.compile(r"\$\{\s*([A-Za-z0-9_]+)")
_JS_REF = re.compile(r"\$\.([A-Za-z_][A-Za-z0-9_]*)|\$\['([^']+)'\]")


def _strings(obj: Any) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


def _task_reads(task: JSON) -> set[str]:
    """Refs a task names itself (inputs, joinOn, loopCondition), not its nested tasks'."""
    reads = {
        m.group(1)
        for s in _strings(task.get("inputParameters", {}))
        for m in _EXPR_HEAD.finditer(s)
    }
    reads.update(task.get("joinOn", []))
    for m in _JS_REF.finditer(task.get("loopCondition", "")):
        reads.add(m.group(1) or m.group(2))
    inline = task.get("subWorkflowParam", {})
    reads.update(m.group(1) for s in _strings(inline) for m in _EXPR_HEAD.finditer(s))
    return reads


def referenced_refs(wf: JSON, *, skip: Sequence[JSON] = ()) -> set[str]:
    """Every ref named anywhere in a workflow, except by the tasks in ``skip`` (by identity)
    and their nested tasks."""
    skipped: set[int] = set()
    for task in skip:
        skipped.update(id(t) for t in all_tasks([task]))
    reads = {
        m.group(1) for s in _strings(wf.get("outputParameters", {})) for m in _EXPR_HEAD.finditer(s)
    }
    for task in all_tasks(wf["tasks"]):
        if id(task) not in skipped:
            reads |= _task_reads(task)
    return reads


def refs_of(wf: JSON) -> set[str]:
    return {t["taskReferenceName"] for t in all_tasks(wf["tasks"])}


def write_program(
    directory: Path, workflows: list[JSON], task_defs: list[JSON], *, bundle: bool = False
) -> list[Path]:
    """Write a program the way ``flowdsl check`` reads it: one ``<name>.json`` per workflow (or,
    with ``bundle``, all of them as a list in ``workflows.json``) and ``taskdefs.json``."""
    directory.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    if bundle:
        paths.append(directory / "workflows.json")
        paths[-1].write_text(json.dumps(workflows, indent=2) + "\n")
    else:
        for wf in workflows:
            paths.append(directory / f"{wf['name']}.json")
            paths[-1].write_text(json.dumps(wf, indent=2) + "\n")
    if task_defs:
        paths.append(directory / "taskdefs.json")
        paths[-1].write_text(json.dumps(task_defs, indent=2) + "\n")
    return paths


# --- mutations ---------------------------------------------------------------------------------


class Drawer(Protocol):
    """Anything with hypothesis' ``data.draw``: ``st.data()`` objects, or :class:`FnDrawer`."""

    def draw(self, strategy: SearchStrategy[T], label: Any = None) -> T: ...


@dataclass
class FnDrawer:
    """Adapts the ``draw`` function of an ``@st.composite`` to :class:`Drawer`."""

    fn: DrawFn

    def draw(self, strategy: SearchStrategy[T], label: Any = None) -> T:
        return self.fn(strategy)


@dataclass(frozen=True)
class Mutation:
    kind: str
    code: str
    target: str  # the changed workflow's name, or "taskdefs"
    detail: str


MUTATIONS: dict[str, str] = {
    "unknown_ref": "FD101",
    "unknown_workflow_field": "FD102",
    "undeclared_output": "FD103",
    "unknown_workflow_input": "FD104",
    "undeclared_task_input": "FD106",
    "read_later_task": "FD201",
    "read_sibling_branch": "FD202",
    "read_switch_branch": "FD203",
    "duplicate_ref": "FD301",
    "fork_without_join": "FD305",
    "empty_fork_branch": "FD306",
    "join_mismatch": "FD307",
    "task_after_terminate": "FD308",
    "switch_without_cases": "FD309",
    "subworkflow_recursion": "FD310",
    "response_timeout": "FD401",
    "missing_taskdef": "FD405",
    "double_underscore_ref": "FD501",
    "unbalanced_expression": "FD504",
}
WARNING_KINDS = frozenset({"read_switch_branch", "missing_taskdef"})


def _pick(data: Drawer, items: Sequence[T]) -> T:
    return items[data.draw(_ints(0, len(items) - 1))]


class _Fresh:
    """Hands out refs no task of ``wf`` has, nor any ref handed out before."""

    def __init__(self, wf: JSON) -> None:
        self.taken = refs_of(wf)

    def __call__(self, base: str) -> str:
        i = 1
        while f"{base}_{i}" in self.taken:
            i += 1
        self.taken.add(f"{base}_{i}")
        return f"{base}_{i}"


def _a_task_def(task_defs: list[JSON], data: Drawer) -> JSON:
    if not task_defs:
        task_defs.append(
            {
                "name": "probe_step",
                "description": "added by a mutation",
                "ownerEmail": OWNER_EMAIL,
                "retryCount": 0,
                "timeoutSeconds": 0,
                "responseTimeoutSeconds": 60,
                "inputKeys": ["query"],
                "outputKeys": ["result"],
            }
        )
    return _pick(data, task_defs)


def _new_simple(fresh: _Fresh, td: JSON, base: str = "probe") -> JSON:
    """A SIMPLE task of ``td`` with literal inputs and a fresh ref."""
    return {
        "name": td["name"],
        "taskReferenceName": fresh(base),
        "type": "SIMPLE",
        "inputParameters": {k: "sample" for k in td["inputKeys"]},
    }


def _new_wait(fresh: _Fresh, ref: str | None = None) -> JSON:
    ref = ref or fresh("pause")
    return {
        "name": ref,
        "taskReferenceName": ref,
        "type": "WAIT",
        "inputParameters": {"duration": "5s"},
    }


def _value_slots(wf: JSON) -> list[tuple[JSON, str]]:
    """(container, key) of every plain input value: SIMPLE, SUB_WORKFLOW and SET_VARIABLE
    inputs, INLINE/JSON_JQ_TRANSFORM data inputs, and outputParameters."""
    slots: list[tuple[JSON, str]] = [(wf["outputParameters"], k) for k in wf["outputParameters"]]
    for task in all_tasks(wf["tasks"]):
        inputs = task.get("inputParameters", {})
        if task["type"] in ("SIMPLE", "SUB_WORKFLOW", "SET_VARIABLE"):
            slots += [(inputs, k) for k in inputs]
        elif task["type"] in ("INLINE", "JSON_JQ_TRANSFORM"):
            slots += [
                (inputs, k)
                for k in inputs
                if k not in ("evaluatorType", "expression", "queryExpression")
            ]
    return slots


def _simple_with_def(wf: JSON, task_defs: list[JSON]) -> list[tuple[JSON, JSON]]:
    defs = {td["name"]: td for td in task_defs}
    return [
        (t, defs[t["name"]])
        for t in all_tasks(wf["tasks"])
        if t["type"] == "SIMPLE" and t["name"] in defs
    ]


def _set_slot(data: Drawer, wf: JSON, value: Any) -> None:
    container, key = _pick(data, _value_slots(wf))
    container[key] = value


def _mut_unknown_ref(workflows: list[JSON], task_defs: list[JSON], data: Drawer) -> Mutation:
    """FD101: one input value (or output parameter) becomes ``${<ref>x.output.value}``, a near
    miss of an existing ref that no task has."""
    wf = _pick(data, workflows)
    refs = sorted(refs_of(wf))
    ghost = _pick(data, refs) + "x"
    while ghost in refs:
        ghost += "x"
    _set_slot(data, wf, "${" + ghost + ".output.value}")
    return Mutation("unknown_ref", "FD101", wf["name"], f"reads unknown ref {ghost}")


def _mut_unknown_workflow_field(
    workflows: list[JSON], task_defs: list[JSON], data: Drawer
) -> Mutation:
    """FD102: one input value (or output parameter) becomes ``${workflow.inptu.<name>}``."""
    wf = _pick(data, workflows)
    name = _pick(data, wf["inputParameters"] or ["x"])
    _set_slot(data, wf, "${workflow.inptu." + name + "}")
    return Mutation("unknown_workflow_field", "FD102", wf["name"], "reads workflow.inptu")


def _mut_undeclared_output(workflows: list[JSON], task_defs: list[JSON], data: Drawer) -> Mutation:
    """FD103: an existing ``${ref.output.key}`` read of a SIMPLE task gets a key its TaskDef
    does not declare (``<key>x``). If the program has no such read, a SIMPLE task is put first
    in a workflow and one output parameter reads an undeclared key of it."""
    defs = {td["name"]: td for td in task_defs}
    sites: list[tuple[JSON, JSON, str | int, re.Match[str], JSON]] = []
    pattern = re.compile(r"\$\{([a-z][a-z0-9_]*)\.output\.([A-Za-z0-9_]+)\}")
    for wf in workflows:
        by_ref = {t["taskReferenceName"]: t for t in all_tasks(wf["tasks"])}
        for container, key in _string_slots(wf):
            for m in pattern.finditer(container[key]):
                producer = by_ref.get(m.group(1))
                if producer and producer["type"] == "SIMPLE" and producer["name"] in defs:
                    sites.append((wf, container, key, m, defs[producer["name"]]))
    if sites:
        wf, container, key, m, td = _pick(data, sites)
        bogus = m.group(2) + "x"
        while bogus in td["outputKeys"]:
            bogus += "x"
        s = container[key]
        container[key] = s[: m.start(2)] + bogus + s[m.end(2) :]
        return Mutation(
            "undeclared_output", "FD103", wf["name"], f"reads {m.group(1)}.output.{bogus}"
        )
    wf = _pick(data, workflows)
    td = _a_task_def(task_defs, data)
    producer = _new_simple(_Fresh(wf), td)
    wf["tasks"].insert(0, producer)
    bogus = td["outputKeys"][0] + "x"
    out = _pick(data, sorted(wf["outputParameters"]))
    wf["outputParameters"][out] = "${" + producer["taskReferenceName"] + ".output." + bogus + "}"
    return Mutation("undeclared_output", "FD103", wf["name"], f"output reads undeclared {bogus}")


def _string_slots(wf: JSON) -> list[tuple[Any, str | int]]:
    """(container, key) of every string under inputParameters (any depth) and outputParameters."""
    slots: list[tuple[Any, str | int]] = []

    def walk(obj: Any) -> None:
        items: Iterable[tuple[Any, Any]] = (
            obj.items()
            if isinstance(obj, dict)
            else enumerate(obj)
            if isinstance(obj, list)
            else ()
        )
        for k, v in items:
            if isinstance(v, str):
                slots.append((obj, k))
            else:
                walk(v)

    walk(wf["outputParameters"])
    for task in all_tasks(wf["tasks"]):
        walk(task.get("inputParameters", {}))
    return slots


def _mut_unknown_workflow_input(
    workflows: list[JSON], task_defs: list[JSON], data: Drawer
) -> Mutation:
    """FD104: one input value (or output parameter) of a workflow that declares inputs reads
    ``${workflow.input.<declared>Typo}``. If no workflow declares any (a checker may take an
    empty inputParameters for "not declared" and skip the check), a workflow that no other
    calls by name first gets the input ``accountId`` declared."""
    declaring = [wf for wf in workflows if wf["inputParameters"]]
    if declaring:
        wf = _pick(data, declaring)
    else:
        called = {
            t["subWorkflowParam"]["name"]
            for w in workflows
            for t in all_tasks(w["tasks"])
            if t["type"] == "SUB_WORKFLOW"
        }
        wf = _pick(data, [w for w in workflows if w["name"] not in called])
        wf["inputParameters"] = ["accountId"]
    name = _pick(data, wf["inputParameters"]) + "Typo"
    _set_slot(data, wf, "${workflow.input." + name + "}")
    return Mutation("unknown_workflow_input", "FD104", wf["name"], f"reads workflow.input.{name}")


def _mut_undeclared_task_input(
    workflows: list[JSON], task_defs: list[JSON], data: Drawer
) -> Mutation:
    """FD106: a SIMPLE task gets one literal input its TaskDef's inputKeys do not list. If no
    SIMPLE task has a TaskDef, one (with the extra input) is put first in a workflow."""
    sites = [(wf, t, td) for wf in workflows for t, td in _simple_with_def(wf, task_defs)]
    if sites:
        wf, task, td = _pick(data, sites)
    else:
        wf = _pick(data, workflows)
        td = _a_task_def(task_defs, data)
        task = _new_simple(_Fresh(wf), td)
        wf["tasks"].insert(0, task)
    extra = _pick(data, [k for k in (*KEYS, "unexpectedInput") if k not in td["inputKeys"]])
    task["inputParameters"][extra] = "sample"
    return Mutation(
        "undeclared_task_input", "FD106", wf["name"], f"{task['taskReferenceName']} gets {extra}"
    )


def _mut_read_later_task(workflows: list[JSON], task_defs: list[JSON], data: Drawer) -> Mutation:
    """FD201: a top-level SIMPLE task reads the output of a top-level SIMPLE task that comes
    after it. If no workflow has such a pair, two SIMPLE tasks are put first in a workflow, the
    first reading the second."""
    defs = {td["name"]: td for td in task_defs}
    sites = []
    for wf in workflows:
        top = [t for t in wf["tasks"] if t["type"] == "SIMPLE" and t["name"] in defs]
        sites += [(wf, a, b, defs[b["name"]]) for i, a in enumerate(top) for b in top[i + 1 :]]
    if sites:
        wf, consumer, producer, td = _pick(data, sites)
    else:
        wf = _pick(data, workflows)
        fresh = _Fresh(wf)
        consumer = _new_simple(fresh, _a_task_def(task_defs, data))
        td = _a_task_def(task_defs, data)
        producer = _new_simple(fresh, td)
        wf["tasks"][0:0] = [consumer, producer]
    key = _pick(data, sorted(consumer["inputParameters"]))
    path = f"{producer['taskReferenceName']}.output.{_pick(data, td['outputKeys'])}"
    consumer["inputParameters"][key] = "${" + path + "}"
    return Mutation(
        "read_later_task", "FD201", wf["name"], f"{consumer['taskReferenceName']} reads {path}"
    )


def _new_fork(fresh: _Fresh, branches: list[list[JSON]], *, join: bool = True) -> list[JSON]:
    """A FORK_JOIN of ``branches`` and (with ``join``) its JOIN on the non-empty branches' tails."""
    fork_ref = fresh("probe_fork")
    fork = {
        "name": fork_ref,
        "taskReferenceName": fork_ref,
        "type": "FORK_JOIN",
        "inputParameters": {},
        "forkTasks": branches,
    }
    if not join:
        return [fork]
    join_ref = fresh("probe_join")
    tails = [b[-1]["taskReferenceName"] for b in branches if b]
    return [
        fork,
        {
            "name": join_ref,
            "taskReferenceName": join_ref,
            "type": "JOIN",
            "inputParameters": {},
            "joinOn": tails,
        },
    ]


def _mut_read_sibling_branch(
    workflows: list[JSON], task_defs: list[JSON], data: Drawer
) -> Mutation:
    """FD202: a SIMPLE task anywhere in one FORK_JOIN branch reads a SIMPLE task at the top of
    another branch of the same fork. If no fork has such a pair, a fork with two SIMPLE
    branches (and its JOIN) is put first in a workflow, one branch reading the other."""
    defs = {td["name"]: td for td in task_defs}
    sites = []
    for wf in workflows:
        for fork in all_tasks(wf["tasks"]):
            if fork["type"] != "FORK_JOIN":
                continue
            for i, bi in enumerate(fork["forkTasks"]):
                for j, bj in enumerate(fork["forkTasks"]):
                    if i == j:
                        continue
                    for c in all_tasks(bi):
                        for p in bj:
                            if (
                                c["type"] == p["type"] == "SIMPLE"
                                and c["name"] in defs
                                and p["name"] in defs
                            ):
                                sites.append((wf, c, p))
    if sites:
        wf, consumer, producer = _pick(data, sites)
    else:
        wf = _pick(data, workflows)
        fresh = _Fresh(wf)
        consumer = _new_simple(fresh, _a_task_def(task_defs, data), "probe_left")
        producer = _new_simple(fresh, _a_task_def(task_defs, data), "probe_right")
        wf["tasks"][0:0] = _new_fork(fresh, [[consumer], [producer]])
        defs = {td["name"]: td for td in task_defs}
    key = _pick(data, sorted(consumer["inputParameters"]))
    path = f"{producer['taskReferenceName']}.output.{_pick(data, defs[producer['name']]['outputKeys'])}"
    consumer["inputParameters"][key] = "${" + path + "}"
    return Mutation(
        "read_sibling_branch", "FD202", wf["name"], f"{consumer['taskReferenceName']} reads {path}"
    )


def _mut_read_switch_branch(workflows: list[JSON], task_defs: list[JSON], data: Drawer) -> Mutation:
    """FD203 (warning): after a SWITCH, a SIMPLE task later in the same list, at any depth (or,
    for a top-level SWITCH, an output parameter) reads a SIMPLE task at the top of one of its
    cases. If there
    is no such pair, a SWITCH with one case holding a SIMPLE task, followed by a SIMPLE task
    reading it, is put first in a workflow."""
    defs = {td["name"]: td for td in task_defs}
    sites: list[tuple[JSON, Any, str, JSON]] = []
    for wf in workflows:
        for lst in task_lists(wf["tasks"]):
            for i, sw in enumerate(lst):
                if sw["type"] != "SWITCH":
                    continue
                producers = [
                    p
                    for case in [*sw["decisionCases"].values(), sw.get("defaultCase", [])]
                    for p in case
                    if p["type"] == "SIMPLE" and p["name"] in defs
                ]
                consumers: list[tuple[Any, str]] = [
                    (c["inputParameters"], k)
                    for c in all_tasks(lst[i + 1 :])
                    if c["type"] == "SIMPLE" and c["name"] in defs
                    for k in c["inputParameters"]
                ]
                if lst is wf["tasks"]:
                    consumers += [(wf["outputParameters"], k) for k in wf["outputParameters"]]
                sites += [(wf, container, k, p) for p in producers for container, k in consumers]
    if sites:
        wf, container, key, producer = _pick(data, sites)
    else:
        wf = _pick(data, workflows)
        fresh = _Fresh(wf)
        producer = _new_simple(fresh, _a_task_def(task_defs, data), "probe_case")
        consumer = _new_simple(fresh, _a_task_def(task_defs, data), "probe_after")
        sw_ref = fresh("probe_switch")
        wf["tasks"][0:0] = [
            {
                "name": sw_ref,
                "taskReferenceName": sw_ref,
                "type": "SWITCH",
                "evaluatorType": "value-param",
                "expression": "caseValue",
                "inputParameters": {"caseValue": "alpha"},
                "decisionCases": {"alpha": [producer]},
            },
            consumer,
        ]
        defs = {td["name"]: td for td in task_defs}
        container, key = (
            consumer["inputParameters"],
            _pick(data, sorted(consumer["inputParameters"])),
        )
    path = f"{producer['taskReferenceName']}.output.{_pick(data, defs[producer['name']]['outputKeys'])}"
    container[key] = "${" + path + "}"
    return Mutation("read_switch_branch", "FD203", wf["name"], f"reads {path} after its SWITCH")


def _quiet_leaves(wf: JSON) -> list[JSON]:
    """Tasks nothing refers to that refer to nothing themselves and hold no tasks."""
    named = referenced_refs(wf)
    return [
        t
        for t in all_tasks(wf["tasks"])
        if t["taskReferenceName"] not in named and not _task_reads(t) and not child_lists(t)
    ]


def _mut_duplicate_ref(workflows: list[JSON], task_defs: list[JSON], data: Drawer) -> Mutation:
    """FD301: a WAIT task whose ref is that of an existing task is put first in some task list
    of the same workflow (top level, a branch, a case or a loop body). The existing task is
    one nothing refers to, that reads nothing and holds no tasks, so a checker that places a
    reader by its ref has nothing else to trip over. Without one, two WAIT tasks with one new
    ref are put first in a workflow."""
    sites = [(wf, t["taskReferenceName"]) for wf in workflows for t in _quiet_leaves(wf)]
    if sites:
        wf, ref = _pick(data, sites)
        _pick(data, list(task_lists(wf["tasks"]))).insert(0, _new_wait(_Fresh(wf), ref))
    else:
        wf = _pick(data, workflows)
        fresh = _Fresh(wf)
        ref = fresh("pause")
        wf["tasks"][0:0] = [_new_wait(fresh, ref), _new_wait(fresh, ref)]
    return Mutation("duplicate_ref", "FD301", wf["name"], f"two tasks are {ref}")


def _fork_sites(wf: JSON, types: Sequence[str]) -> list[tuple[list[JSON], int]]:
    """(list, index) of forks of ``types`` that are followed by a JOIN, where nothing outside
    the fork reads a task of its branches and nothing names the JOIN."""
    sites = []
    for lst in task_lists(wf["tasks"]):
        for i, fork in enumerate(lst):
            if fork["type"] not in types or i + 1 >= len(lst) or lst[i + 1]["type"] != "JOIN":
                continue
            join = lst[i + 1]
            inside = {
                t["taskReferenceName"] for b in fork.get("forkTasks", []) for t in all_tasks(b)
            }
            outside = referenced_refs(wf, skip=[fork, join])
            if not (inside | {join["taskReferenceName"]}) & outside:
                sites.append((lst, i))
    return sites


def _mut_fork_without_join(workflows: list[JSON], task_defs: list[JSON], data: Drawer) -> Mutation:
    """FD305: the JOIN after a FORK_JOIN or FORK_JOIN_DYNAMIC is removed (only where nothing
    names the JOIN and nothing outside the fork reads its branches). Without such a fork, a
    FORK_JOIN of two WAIT branches and no JOIN is put first in a workflow."""
    sites = [
        (wf, lst, i)
        for wf in workflows
        for lst, i in _fork_sites(wf, ("FORK_JOIN", "FORK_JOIN_DYNAMIC"))
    ]
    if sites:
        wf, lst, i = _pick(data, sites)
        del lst[i + 1]
        return Mutation(
            "fork_without_join", "FD305", wf["name"], f"{lst[i]['taskReferenceName']} has no JOIN"
        )
    wf = _pick(data, workflows)
    fresh = _Fresh(wf)
    wf["tasks"][0:0] = _new_fork(fresh, [[_new_wait(fresh)], [_new_wait(fresh)]], join=False)
    return Mutation("fork_without_join", "FD305", wf["name"], "a fork first, with no JOIN")


def _mut_empty_fork_branch(workflows: list[JSON], task_defs: list[JSON], data: Drawer) -> Mutation:
    """FD306: a FORK_JOIN gets an extra, empty branch (its JOIN is unchanged). Without a
    FORK_JOIN, one with two WAIT branches and an empty one (and its JOIN) is put first."""
    forks = [
        (wf, t) for wf in workflows for t in all_tasks(wf["tasks"]) if t["type"] == "FORK_JOIN"
    ]
    if forks:
        wf, fork = _pick(data, forks)
        fork["forkTasks"].insert(data.draw(_ints(0, len(fork["forkTasks"]))), [])
    else:
        wf = _pick(data, workflows)
        fresh = _Fresh(wf)
        wf["tasks"][0:0] = _new_fork(fresh, [[_new_wait(fresh)], [_new_wait(fresh)], []])
    return Mutation("empty_fork_branch", "FD306", wf["name"], "a fork with an empty branch")


def _mut_join_mismatch(workflows: list[JSON], task_defs: list[JSON], data: Drawer) -> Mutation:
    """FD307: a JOIN after a FORK_JOIN (whose branches nothing outside reads) names a non-tail
    task of a branch instead of its tail, or drops one branch's tail. Without such a fork, a
    fork of branches [WAIT, WAIT] and [WAIT] whose JOIN names the first WAIT is put first."""
    sites = [(wf, lst, i) for wf in workflows for lst, i in _fork_sites(wf, ("FORK_JOIN",))]
    if sites:
        wf, lst, i = _pick(data, sites)
        branches, join_on = lst[i]["forkTasks"], lst[i + 1]["joinOn"]
        long = [b for b in branches if len(b) >= 2]
        if long:
            branch = _pick(data, long)
            at = join_on.index(branch[-1]["taskReferenceName"])
            join_on[at] = _pick(data, branch[:-1])["taskReferenceName"]
        else:
            del join_on[data.draw(_ints(0, len(join_on) - 1))]
        return Mutation("join_mismatch", "FD307", wf["name"], f"joinOn is {join_on}")
    wf = _pick(data, workflows)
    fresh = _Fresh(wf)
    first, second, third = _new_wait(fresh), _new_wait(fresh), _new_wait(fresh)
    made = _new_fork(fresh, [[first, second], [third]])
    made[1]["joinOn"] = [first["taskReferenceName"], third["taskReferenceName"]]
    wf["tasks"][0:0] = made
    return Mutation("join_mismatch", "FD307", wf["name"], "joinOn names a non-tail task")


def _mut_task_after_terminate(
    workflows: list[JSON], task_defs: list[JSON], data: Drawer
) -> Mutation:
    """FD308: a WAIT task is appended after a TERMINATE. Without a TERMINATE, a TERMINATE and a
    WAIT are appended to a workflow's top-level list."""
    sites = [
        (wf, lst)
        for wf in workflows
        for lst in task_lists(wf["tasks"])
        if lst and lst[-1]["type"] == "TERMINATE"
    ]
    if sites:
        wf, lst = _pick(data, sites)
        lst.append(_new_wait(_Fresh(wf)))
    else:
        wf = _pick(data, workflows)
        fresh = _Fresh(wf)
        ref = fresh("probe_terminate")
        terminate = {
            "name": ref,
            "taskReferenceName": ref,
            "type": "TERMINATE",
            "inputParameters": {"terminationStatus": "COMPLETED"},
        }
        wf["tasks"] += [terminate, _new_wait(fresh)]
    return Mutation("task_after_terminate", "FD308", wf["name"], "a task after TERMINATE")


def _mut_switch_without_cases(
    workflows: list[JSON], task_defs: list[JSON], data: Drawer
) -> Mutation:
    """FD309: a SWITCH loses all its decisionCases (nothing outside a case reads into it; the
    defaultCase stays). Without a SWITCH, one with no cases and a WAIT default is put first."""
    switches = [
        (wf, t) for wf in workflows for t in all_tasks(wf["tasks"]) if t["type"] == "SWITCH"
    ]
    if switches:
        wf, sw = _pick(data, switches)
        sw["decisionCases"] = {}
    else:
        wf = _pick(data, workflows)
        fresh = _Fresh(wf)
        default = _new_wait(fresh)
        ref = fresh("probe_switch")
        switch = {
            "name": ref,
            "taskReferenceName": ref,
            "type": "SWITCH",
            "evaluatorType": "value-param",
            "expression": "caseValue",
            "inputParameters": {"caseValue": "alpha"},
            "decisionCases": {},
            "defaultCase": [default],
        }
        wf["tasks"].insert(0, switch)
    return Mutation("switch_without_cases", "FD309", wf["name"], "a SWITCH without cases")


def _mut_subworkflow_recursion(
    workflows: list[JSON], task_defs: list[JSON], data: Drawer
) -> Mutation:
    """FD310: where workflow P calls workflow C by name, C gets a SUB_WORKFLOW task (first, with
    literal inputs) calling P back. Without such a call, a workflow gets one calling itself."""
    by_name = {wf["name"]: wf for wf in workflows}
    calls = [
        (wf, by_name[t["subWorkflowParam"]["name"]])
        for wf in workflows
        for t in all_tasks(wf["tasks"])
        if t["type"] == "SUB_WORKFLOW"
        and "workflowDefinition" not in t["subWorkflowParam"]
        and t["subWorkflowParam"]["name"] in by_name
    ]
    if calls:
        parent, child = _pick(data, calls)
    else:
        parent = child = _pick(data, workflows)
    ref = _Fresh(child)("probe_call")
    child["tasks"].insert(
        0,
        {
            "name": parent["name"],
            "taskReferenceName": ref,
            "type": "SUB_WORKFLOW",
            "subWorkflowParam": {"name": parent["name"], "version": parent["version"]},
            "inputParameters": {k: "sample" for k in parent["inputParameters"]},
        },
    )
    return Mutation(
        "subworkflow_recursion", "FD310", child["name"], f"{child['name']} calls {parent['name']}"
    )


def _mut_response_timeout(workflows: list[JSON], task_defs: list[JSON], data: Drawer) -> Mutation:
    """FD401: a TaskDef gets responseTimeoutSeconds > timeoutSeconds > 0 (timeoutSeconds is
    set when it was 0, keeping it within totalTimeoutSeconds). With no TaskDefs, one is made
    and used by a SIMPLE task put first in a workflow."""
    target = "taskdefs"
    if not task_defs:
        wf = _pick(data, workflows)
        wf["tasks"].insert(0, _new_simple(_Fresh(wf), _a_task_def(task_defs, data)))
        target = wf["name"]
    td = _pick(data, task_defs)
    if td["timeoutSeconds"] <= 0:
        total = td.get("totalTimeoutSeconds", 0)
        td["timeoutSeconds"] = min(60, total) if total > 0 else 60
    td["responseTimeoutSeconds"] = td["timeoutSeconds"] + data.draw(_ints(1, 600))
    return Mutation("response_timeout", "FD401", target, f"{td['name']} response timeout too long")


def _mut_missing_taskdef(workflows: list[JSON], task_defs: list[JSON], data: Drawer) -> Mutation:
    """FD405 (warning): the TaskDef of a SIMPLE task is removed (never one named as a dynamic
    fork's forkTaskName). Without a candidate, a SIMPLE task with no TaskDef is put first."""
    fork_names = {
        t["inputParameters"].get("forkTaskName")
        for t in _tasks_with_inline(workflows)
        if t["type"] == "FORK_JOIN_DYNAMIC"
    }
    used = sorted(
        {t["name"] for wf in workflows for t in all_tasks(wf["tasks"]) if t["type"] == "SIMPLE"}
        & {td["name"] for td in task_defs} - fork_names
    )
    if used:
        name = _pick(data, used)
        task_defs[:] = [td for td in task_defs if td["name"] != name]
        return Mutation("missing_taskdef", "FD405", "taskdefs", f"no TaskDef {name}")
    wf = _pick(data, workflows)
    ref = _Fresh(wf)("unregistered_step")
    task = {
        "name": "unregistered_step",
        "taskReferenceName": ref,
        "type": "SIMPLE",
        "inputParameters": {},
    }
    wf["tasks"].insert(0, task)
    return Mutation("missing_taskdef", "FD405", wf["name"], "SIMPLE task without TaskDef")


def _mut_double_underscore_ref(
    workflows: list[JSON], task_defs: list[JSON], data: Drawer
) -> Mutation:
    """FD501: a task nothing refers to gets ``__`` in its ref (``wait_3`` → ``wait__3``).
    If every task is referred to, a WAIT task with ref ``pause__<n>`` is put first."""
    sites = []
    for wf in workflows:
        named = referenced_refs(wf)
        sites += [(wf, t) for t in all_tasks(wf["tasks"]) if t["taskReferenceName"] not in named]
    if sites:
        wf, task = _pick(data, sites)
        base, n = task["taskReferenceName"].rsplit("_", 1)
        task["taskReferenceName"] = f"{base}__{n}"
    else:
        wf = _pick(data, workflows)
        task = _new_wait(_Fresh(wf))
        task["taskReferenceName"] = task["taskReferenceName"].replace("_", "__")
        wf["tasks"].insert(0, task)
    return Mutation(
        "double_underscore_ref", "FD501", wf["name"], f"ref {task['taskReferenceName']}"
    )


def _mut_unbalanced_expression(
    workflows: list[JSON], task_defs: list[JSON], data: Drawer
) -> Mutation:
    """FD504: one input value (or output parameter) loses the closing brace of its expression:
    ``${x.output.k}`` → ``${x.output.k``; a value without an expression becomes
    ``${workflow.workflowId``."""
    wf = _pick(data, workflows)
    container, key = _pick(data, _value_slots(wf))
    value = container[key]
    if isinstance(value, str) and "${" in value:
        container[key] = value[: value.rindex("}")] + value[value.rindex("}") + 1 :]
    else:
        container[key] = "${workflow.workflowId"
    return Mutation("unbalanced_expression", "FD504", wf["name"], f"unbalanced {container[key]!r}")


_MUTATORS: dict[str, Callable[[list[JSON], list[JSON], Drawer], Mutation]] = {
    "unknown_ref": _mut_unknown_ref,
    "unknown_workflow_field": _mut_unknown_workflow_field,
    "undeclared_output": _mut_undeclared_output,
    "unknown_workflow_input": _mut_unknown_workflow_input,
    "undeclared_task_input": _mut_undeclared_task_input,
    "read_later_task": _mut_read_later_task,
    "read_sibling_branch": _mut_read_sibling_branch,
    "read_switch_branch": _mut_read_switch_branch,
    "duplicate_ref": _mut_duplicate_ref,
    "fork_without_join": _mut_fork_without_join,
    "empty_fork_branch": _mut_empty_fork_branch,
    "join_mismatch": _mut_join_mismatch,
    "task_after_terminate": _mut_task_after_terminate,
    "switch_without_cases": _mut_switch_without_cases,
    "subworkflow_recursion": _mut_subworkflow_recursion,
    "response_timeout": _mut_response_timeout,
    "missing_taskdef": _mut_missing_taskdef,
    "double_underscore_ref": _mut_double_underscore_ref,
    "unbalanced_expression": _mut_unbalanced_expression,
}
assert _MUTATORS.keys() == MUTATIONS.keys()


def inject(workflows: list[JSON], task_defs: list[JSON], kind: str, data: Drawer) -> Mutation:
    """Put exactly one defect of ``kind`` into the program, in place (mutators never touch
    inline sub-workflow definitions). ``data`` chooses the site. See each ``_mut_*`` docstring."""
    mutation = _MUTATORS[kind](workflows, task_defs, data)
    assert mutation.code == MUTATIONS[kind]
    return mutation


def mutate(workflows: list[JSON], task_defs: list[JSON], kind: str, data: Drawer) -> str:
    """:func:`inject`, returning only the finding code the defect must produce."""
    return inject(workflows, task_defs, kind, data).code


@st.composite
def mutated_programs(
    draw: DrawFn, kinds: Sequence[str] | None = None, **program_options: Any
) -> tuple[list[JSON], list[JSON], Mutation]:
    """A valid program with one defect of one of ``kinds`` (default: all of them)."""
    workflows, task_defs = draw(valid_programs(**program_options))
    workflows, task_defs = copy.deepcopy(workflows), copy.deepcopy(task_defs)
    kind = _choice(draw, sorted(kinds or MUTATIONS))
    return workflows, task_defs, inject(workflows, task_defs, kind, FnDrawer(draw))


def warning_programs(
    **program_options: Any,
) -> SearchStrategy[tuple[list[JSON], list[JSON], Mutation]]:
    """Programs whose only finding is a warning: a read into a SWITCH case from after the
    SWITCH (FD203), or a SIMPLE task without TaskDef (FD405)."""
    return mutated_programs(sorted(WARNING_KINDS), **program_options)
