"""The generator in tests/strategies.py checked on its own, without flowdsl's checker.

``audit`` below is an independent oracle: it re-derives, from the JSON alone, every rule the
generator promises (module docstring of tests/strategies.py) and names each broken rule by the
flowdsl finding code a checker should report, or by a ``GEN-...`` label for generator
invariants that have no finding code. Valid programs must audit clean; each mutation must
audit to exactly its own code, which shows it injects one defect and nothing else.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import strategies as S

JSON = dict[str, Any]

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORKFLOW_FIELDS = {
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
}
SYSTEM_KEYS = {
    "INLINE": {"result"},
    "JSON_JQ_TRANSFORM": {"result", "resultList"},
    "HTTP": {"response"},
}
KNOWN_TYPES = {
    "SIMPLE",
    "INLINE",
    "JSON_JQ_TRANSFORM",
    "SET_VARIABLE",
    "WAIT",
    "HTTP",
    "SUB_WORKFLOW",
    "TERMINATE",
    "FORK_JOIN",
    "FORK_JOIN_DYNAMIC",
    "JOIN",
    "SWITCH",
    "DO_WHILE",
}
FORKS = ("FORK_JOIN", "FORK_JOIN_DYNAMIC")
REF = re.compile(r"^[a-z][a-z0-9_]*[a-z0-9]$")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
PATH = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")
# core/src/main/java/com/netflix/conductor/core/utils/DateTimeUtils.java
DURATION = re.compile(
    r"\s*(?:(\d+)\s*(?:days?|d))?\s*(?:(\d+)\s*(?:hours?|hrs?|h))?"
    r"\s*(?:(\d+)\s*(?:minutes?|mins?|m))?\s*(?:(\d+)\s*(?:seconds?|secs?|s))?\s*",
    re.IGNORECASE,
)


# --- the oracle ----------------------------------------------------------------------------------


@dataclass
class Visible:
    """Readable outputs (ref -> keys, None = any key) and set variables."""

    outputs: dict[str, set[str] | None] = field(default_factory=dict)
    variables: set[str] = field(default_factory=set)

    def __add__(self, other: Visible) -> Visible:
        return Visible({**self.outputs, **other.outputs}, self.variables | other.variables)


Segment = tuple[Any, ...]  # ("fork", ref, i) | ("case", ref, key) | ("loop", ref)


@dataclass
class WorkflowAudit:
    wf: JSON
    order: dict[str, int] = field(default_factory=dict)
    path: dict[str, tuple[Segment, ...]] = field(default_factory=dict)


def expressions(s: str) -> list[str] | None:
    """The paths inside each ``${...}`` of ``s``; None when a ``${`` is never closed."""
    out: list[str] = []
    i = 0
    while (start := s.find("${", i)) != -1:
        depth = 0
        for k in range(start + 1, len(s)):
            depth += {"{": 1, "}": -1}.get(s[k], 0)
            if depth == 0:
                break
        else:
            return None
        out.append(s[start + 2 : k])
        i = k + 1
    return out


def strings(obj: Any) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from strings(v)


def nested_lists(task: JSON) -> Iterator[tuple[Segment, list[JSON]]]:
    ref = task["taskReferenceName"]
    if task["type"] == "FORK_JOIN":
        for i, branch in enumerate(task.get("forkTasks", [])):
            yield ("fork", ref, i), branch
    if task["type"] == "SWITCH":
        for key, case in task.get("decisionCases", {}).items():
            yield ("case", ref, key), case
        if "defaultCase" in task:
            yield ("case", ref, None), task["defaultCase"]
    if task["type"] == "DO_WHILE":
        yield ("loop", ref), task.get("loopOver", [])


def walk(
    tasks: list[JSON], path: tuple[Segment, ...] = ()
) -> Iterator[tuple[JSON, tuple[Segment, ...], list[JSON], int]]:
    """Every task in execution (pre-)order with its path, its list and its index there."""
    for i, task in enumerate(tasks):
        yield task, path, tasks, i
        for seg, sub in nested_lists(task):
            yield from walk(sub, (*path, seg))


class Audit:
    def __init__(self, workflows: list[JSON], task_defs: list[JSON]) -> None:
        self.found: list[tuple[str, str]] = []
        self.defs: dict[str, JSON] = {}
        for td in task_defs:
            if td["name"] in self.defs:
                self.add("FD302", td["name"])
            self.defs[td["name"]] = td
            self.task_def(td)
        self.by_key: dict[tuple[str, int], JSON] = {}
        for wf in workflows:
            if (wf["name"], wf["version"]) in self.by_key:
                self.add("FD303", wf["name"])
            self.by_key[(wf["name"], wf["version"])] = wf
        for wf in workflows:
            self.workflow(wf)
        self.recursion(workflows)

    def add(self, code: str, detail: str) -> None:
        self.found.append((code, detail))

    @property
    def codes(self) -> set[str]:
        return {code for code, _ in self.found}

    # task definitions ------------------------------------------------------------------

    def task_def(self, td: JSON) -> None:
        name = td.get("name", "")
        if not NAME.match(name) or not td.get("ownerEmail"):
            self.add("GEN-taskdef", name)
        if not td.get("inputKeys") or not td.get("outputKeys"):
            self.add("GEN-taskdef-keys", name)
        timeout = td.get("timeoutSeconds", 0)
        response = td.get("responseTimeoutSeconds", 3600)
        total = td.get("totalTimeoutSeconds", 0)
        if timeout > 0 and response > timeout:
            self.add("FD401", name)
        if timeout > 0 and total > 0 and timeout > total:
            self.add("FD402", name)
        if (
            td.get("retryCount", 3) < 0
            or response < 1
            or total < 0
            or td.get("backoffScaleFactor", 1) < 1
            or td.get("pollTimeoutSeconds", 0) < 0
        ):
            self.add("FD403", name)

    # workflows ------------------------------------------------------------------------

    def workflow(self, wf: JSON) -> None:
        name = wf.get("name", "")
        if not NAME.match(name) or wf.get("schemaVersion") != 2 or not wf.get("ownerEmail"):
            self.add("GEN-workflow", name)
        if not isinstance(wf.get("version"), int) or not wf.get("outputParameters"):
            self.add("GEN-workflow", name)
        if not wf.get("tasks"):
            self.add("FD304", name)
            return
        wa = WorkflowAudit(wf)
        seen: set[str] = set()
        for n, (task, path, lst, i) in enumerate(walk(wf["tasks"])):
            ref = task.get("taskReferenceName", "")
            if ref in seen:
                self.add("FD301", ref)
            seen.add(ref)
            wa.order.setdefault(ref, n)
            wa.path.setdefault(ref, path)
            if not REF.match(ref) or "__" in ref or ref == "workflow":
                self.add("FD501", ref)
            self.structure(wf, task, path, lst, i)
        variables = set(wf.get("variables", {}))
        done = self.run_list(wa, wf["tasks"], Visible(variables=variables))
        for s in strings(wf.get("outputParameters", {})):
            self.reads(wa, s, Visible(variables=variables) + done, len(wa.order), ())

    def structure(
        self, wf: JSON, task: JSON, path: tuple[Segment, ...], lst: list[JSON], i: int
    ) -> None:
        kind, ref = task.get("type"), task.get("taskReferenceName", "")
        inputs = task.get("inputParameters", {})
        if kind not in KNOWN_TYPES or not task.get("name"):
            self.add("GEN-type", ref)
            return
        if kind != "SIMPLE" and not NAME.match(task["name"]):
            self.add("GEN-name", ref)
        if kind == "TERMINATE":
            if i != len(lst) - 1:
                self.add("FD308", ref)
            if any(seg[0] in ("fork", "loop") for seg in path):
                self.add("GEN-terminate-place", ref)
            if inputs.get("terminationStatus") != "COMPLETED":
                self.add("FD313", ref)
            output = inputs.get("workflowOutput")
            if output is not None and set(output) != set(wf["outputParameters"]):
                self.add("GEN-terminate-output", ref)
        if kind in FORKS:
            follower = lst[i + 1] if i + 1 < len(lst) else None
            if follower is None or follower["type"] != "JOIN":
                self.add("FD305", ref)
            elif kind == "FORK_JOIN":
                branches = task.get("forkTasks", [])
                tails = [b[-1]["taskReferenceName"] for b in branches if b]
                if follower.get("joinOn") != tails:
                    self.add("FD307", ref)
            elif follower.get("joinOn") != []:
                self.add("FD307", ref)
        if kind == "JOIN" and (i == 0 or lst[i - 1]["type"] not in FORKS):
            self.add("GEN-orphan-join", ref)
        if kind == "FORK_JOIN":
            branches = task.get("forkTasks", [])
            if not branches or any(not b for b in branches):
                self.add("FD306", ref)
            if sum(1 for b in branches if b) < 2:
                self.add("GEN-fork-width", ref)
            if any(b and b[-1]["type"] in ("SWITCH", "DO_WHILE", "TERMINATE") for b in branches):
                self.add("GEN-branch-tail", ref)
        if kind == "FORK_JOIN_DYNAMIC":
            classic = task.get("dynamicForkTasksParam"), task.get("dynamicForkTasksInputParamName")
            if all(classic):
                if not all(p in inputs for p in classic) or "forkTaskInputs" in inputs:
                    self.add("FD313", ref)
            elif any(classic) or "forkTaskInputs" not in inputs:
                self.add("FD313", ref)
            elif inputs.get("forkTaskName") not in self.defs:
                self.add("GEN-fork-task-def", ref)
            elif isinstance(inputs["forkTaskInputs"], list):
                keys = set(self.defs[inputs["forkTaskName"]]["inputKeys"])
                if any(set(item) != keys for item in inputs["forkTaskInputs"]):
                    self.add("GEN-fork-inputs", ref)
        if kind == "SWITCH":
            self.switch(task)
        if kind == "DO_WHILE":
            condition = task.get("loopCondition", "")
            if f"$.{ref}[" not in condition or not task.get("loopOver"):
                self.add("FD313", ref)
            if "$.maxIterations" in condition and "maxIterations" not in inputs:
                self.add("GEN-loop-input", ref)
            if any(t["type"] == "DO_WHILE" for t, *_ in walk(task.get("loopOver", []))):
                self.add("GEN-nested-loop", ref)
        if kind == "WAIT" and not DURATION.fullmatch(str(inputs.get("duration", "x"))):
            self.add("FD313", ref)
        if kind == "HTTP":
            request = inputs.get("http_request", {})
            if not request.get("uri") or request.get("method") not in ("GET", "POST"):
                self.add("FD313", ref)
        if kind == "INLINE" and (
            inputs.get("evaluatorType") != "graaljs" or not inputs.get("expression")
        ):
            self.add("FD313", ref)
        if kind == "JSON_JQ_TRANSFORM" and not inputs.get("queryExpression"):
            self.add("FD313", ref)
        if kind == "SET_VARIABLE" and not inputs:
            self.add("GEN-set-variable", ref)
        if kind == "SUB_WORKFLOW":
            child = self.child(task)
            if child is None:
                self.add("GEN-unknown-child", ref)
            elif set(inputs) != set(child["inputParameters"]):
                self.add("GEN-child-inputs", ref)
        if kind == "SIMPLE":
            td = self.defs.get(task["name"])
            if td is None:
                self.add("FD405", ref)
            else:
                if set(inputs) - set(td["inputKeys"]):
                    self.add("FD106", ref)
                if set(td["inputKeys"]) - set(inputs):
                    self.add("FD107", ref)

    def switch(self, task: JSON) -> None:
        ref, inputs = task["taskReferenceName"], task.get("inputParameters", {})
        evaluator, expression = task.get("evaluatorType"), task.get("expression", "")
        cases = task.get("decisionCases", {})
        if not cases:
            self.add("FD309", ref)
        if any(not case for case in cases.values()) or task.get("defaultCase", [None]) == []:
            self.add("GEN-empty-case", ref)
        if evaluator == "value-param":
            if expression not in inputs:
                self.add("FD313", ref)
        elif evaluator == "javascript":
            if any(f"'{key}'" not in expression for key in cases):
                self.add("GEN-js-cases", ref)
            if any(f"$.{k}" not in expression for k in inputs):
                self.add("GEN-js-inputs", ref)
        else:
            self.add("FD313", ref)

    def child(self, task: JSON) -> JSON | None:
        param = task.get("subWorkflowParam", {})
        inline = param.get("workflowDefinition")
        if isinstance(inline, dict):
            if inline.get("name") != param.get("name") or inline.get("version") != param.get(
                "version"
            ):
                self.add("GEN-inline-param", task["taskReferenceName"])
            return inline
        return self.by_key.get((param.get("name"), param.get("version")))

    # references -----------------------------------------------------------------------

    def run_list(self, wa: WorkflowAudit, tasks: list[JSON], before: Visible) -> Visible:
        """Checks the reads of each task; returns what the list makes readable after it."""
        local = Visible()
        for task in tasks:
            visible = before + local
            ref = task["taskReferenceName"]
            for s in strings(task.get("inputParameters", {})):
                self.reads(wa, s, visible, wa.order.get(ref, 0), wa.path.get(ref, ()))
            local = local + self.exports(wa, task, visible)
        return local

    def exports(self, wa: WorkflowAudit, task: JSON, visible: Visible) -> Visible:
        kind, ref = task["type"], task["taskReferenceName"]
        if kind == "SIMPLE":
            td = self.defs.get(task["name"])
            return Visible({ref: set(td["outputKeys"]) if td else None})
        if kind in SYSTEM_KEYS:
            return Visible({ref: SYSTEM_KEYS[kind]})
        if kind == "SUB_WORKFLOW":
            child = self.child(task)
            if isinstance(task["subWorkflowParam"].get("workflowDefinition"), dict):
                self.workflow(task["subWorkflowParam"]["workflowDefinition"])
            return Visible({ref: set(child["outputParameters"]) if child else None})
        if kind == "SET_VARIABLE":
            return Visible(variables=set(task.get("inputParameters", {})))
        made = Visible()
        for seg, sub in nested_lists(task):
            out = self.run_list(wa, sub, visible)
            if seg[0] == "fork":
                made = made + out
        return made

    def reads(
        self, wa: WorkflowAudit, s: str, visible: Visible, order: int, path: tuple[Segment, ...]
    ) -> None:
        if "$${" in s:
            self.add("GEN-dollar", s)
        paths = expressions(s)
        if paths is None:
            self.add("FD504", s)
            return
        for p in paths:
            if not PATH.match(p):
                self.add("GEN-path", p)
                continue
            parts = p.split(".")
            if parts[0] == "workflow":
                self.workflow_read(wa.wf, parts, visible)
                continue
            ref = parts[0]
            if len(parts) != 3 or parts[1] != "output":
                self.add("GEN-path", p)
            elif ref in visible.outputs:
                keys = visible.outputs[ref]
                if keys is not None and parts[2] not in keys:
                    self.add("FD103", p)
            else:
                self.add(self.why_unreadable(wa, ref, order, path), p)

    def workflow_read(self, wf: JSON, parts: list[str], visible: Visible) -> None:
        text = ".".join(parts)
        if len(parts) < 2 or parts[1] not in WORKFLOW_FIELDS:
            self.add("FD102", text)
        elif parts[1] == "input" and (len(parts) != 3 or parts[2] not in wf["inputParameters"]):
            self.add("FD104", text)
        elif parts[1] == "variables" and (len(parts) != 3 or parts[2] not in visible.variables):
            self.add("GEN-variable", text)
        elif parts[1] not in ("input", "variables") and len(parts) != 2:
            self.add("GEN-path", text)

    @staticmethod
    def why_unreadable(wa: WorkflowAudit, ref: str, order: int, path: tuple[Segment, ...]) -> str:
        if ref not in wa.order:
            return "FD101"
        producer = wa.path[ref]
        for seg in producer:
            if seg[0] == "fork" and any(c[:2] == seg[:2] and c[2] != seg[2] for c in path):
                return "FD202"
        if wa.order[ref] >= order:
            return "FD201"
        if any(seg[0] == "case" and seg not in path for seg in producer):
            return "FD203"
        if any(seg[0] == "loop" and seg not in path for seg in producer):
            return "GEN-loop-read"
        return "GEN-scope"

    def recursion(self, workflows: list[JSON]) -> None:
        calls: dict[str, set[str]] = {}
        for wf in workflows:
            calls[wf["name"]] = {
                t["subWorkflowParam"]["name"]
                for t, *_ in walk(wf["tasks"])
                if t["type"] == "SUB_WORKFLOW" and "workflowDefinition" not in t["subWorkflowParam"]
            }

        def reaches(start: str, goal: str, seen: set[str]) -> bool:
            for callee in calls.get(start, ()):
                if callee == goal or (
                    callee not in seen and reaches(callee, goal, seen | {callee})
                ):
                    return True
            return False

        for name in calls:
            if reaches(name, name, set()):
                self.add("FD310", name)


def audit(workflows: list[JSON], task_defs: list[JSON]) -> Audit:
    return Audit(workflows, task_defs)


# --- valid programs --------------------------------------------------------------------------


@FAST
@given(S.valid_programs())
def test_valid_programs_audit_clean(program: S.Program) -> None:
    workflows, task_defs = program
    assert audit(workflows, task_defs).found == []


@FAST
@given(S.valid_programs(system_outputs=False))
def test_without_system_outputs_only_simple_tasks_are_read(program: S.Program) -> None:
    workflows, task_defs = program
    assert audit(workflows, task_defs).found == []
    simple = {
        t["taskReferenceName"]
        for wf in workflows
        for t in S.all_tasks(wf["tasks"])
        if t["type"] == "SIMPLE"
    }
    for wf in workflows:
        for s in strings(
            [wf["outputParameters"], [t.get("inputParameters") for t in S.all_tasks(wf["tasks"])]]
        ):
            for p in expressions(s) or []:
                assert p.startswith("workflow.") or p.split(".")[0] in simple


@FAST
@given(S.valid_programs(max_workflows=2, max_depth=2, max_tasks=12))
def test_sizes_are_bounded(program: S.Program) -> None:
    workflows, _ = program
    assert 1 <= len(workflows) <= 2
    assert S.count_tasks(workflows) <= 12
    for wf in workflows:
        assert all(len(path) <= 2 for _, path, _, _ in walk(wf["tasks"]))


@FAST
@given(S.valid_programs())
def test_programs_are_plain_json_and_task_defs_are_used(program: S.Program) -> None:
    workflows, task_defs = program
    assert json.loads(json.dumps(program)) == [workflows, task_defs]
    names = {
        t["name"] for wf in workflows for t in _all_tasks_with_inline(wf) if t["type"] == "SIMPLE"
    }
    names |= {
        t["inputParameters"]["forkTaskName"]
        for wf in workflows
        for t in _all_tasks_with_inline(wf)
        if "forkTaskName" in t.get("inputParameters", {})
    }
    assert {td["name"] for td in task_defs} == names


def _all_tasks_with_inline(wf: JSON) -> Iterator[JSON]:
    for task in S.all_tasks(wf["tasks"]):
        yield task
        inline = task.get("subWorkflowParam", {}).get("workflowDefinition")
        if isinstance(inline, dict):
            yield from _all_tasks_with_inline(inline)


# --- coverage: every feature a no-false-positives test should exercise ----------------------


def _tasks(program: S.Program) -> Iterator[JSON]:
    for wf in program[0]:
        yield from _all_tasks_with_inline(wf)


def _reads_after_join(program: S.Program) -> bool:
    """A task after a FORK_JOIN's JOIN reads a task of one of its branches."""
    for wf in program[0]:
        for lst in S.task_lists(wf["tasks"]):
            for i, task in enumerate(lst):
                if task["type"] != "FORK_JOIN":
                    continue
                inside = {t["taskReferenceName"] for b in task["forkTasks"] for t in S.all_tasks(b)}
                later = [t for t in lst[i + 2 :]]
                read = {
                    p.split(".")[0]
                    for t in later
                    for s in strings(t.get("inputParameters"))
                    for p in expressions(s) or []
                }
                if lst is wf["tasks"]:
                    read |= {
                        p.split(".")[0]
                        for s in strings(wf["outputParameters"])
                        for p in expressions(s) or []
                    }
                if inside & read:
                    return True
    return False


def _reads_in_loop_body(program: S.Program) -> bool:
    """A loop-body task reads an earlier task of the same body."""
    for task in _tasks(program):
        if task["type"] == "DO_WHILE":
            body = {t["taskReferenceName"] for t in task["loopOver"]}
            for t in task["loopOver"]:
                for s in strings(t.get("inputParameters")):
                    if any(p.split(".")[0] in body for p in expressions(s) or []):
                        return True
    return False


def _terminate_in_case(program: S.Program) -> bool:
    return any(
        case and case[-1]["type"] == "TERMINATE"
        for t in _tasks(program)
        if t["type"] == "SWITCH"
        for case in [*t["decisionCases"].values(), t.get("defaultCase", [])]
    )


def _depth(program: S.Program) -> int:
    return max(len(path) for wf in program[0] for _, path, _, _ in walk(wf["tasks"]))


def _has_type(kind: str) -> Callable[[S.Program], bool]:
    return lambda p: any(t["type"] == kind for t in _tasks(p))


FEATURES = {
    **{f"type {kind}": _has_type(kind) for kind in sorted(KNOWN_TYPES)},
    "classic dynamic fork": lambda p: any("dynamicForkTasksParam" in t for t in _tasks(p)),
    "forkTaskInputs dynamic fork": lambda p: any(
        "forkTaskInputs" in t.get("inputParameters", {}) for t in _tasks(p)
    ),
    "forkTaskInputs from an output": lambda p: any(
        isinstance(t.get("inputParameters", {}).get("forkTaskInputs"), str) for t in _tasks(p)
    ),
    "inline sub-workflow": lambda p: any(
        "workflowDefinition" in t.get("subWorkflowParam", {}) for t in _tasks(p)
    ),
    "named sub-workflow": lambda p: any(
        t["type"] == "SUB_WORKFLOW" and "workflowDefinition" not in t["subWorkflowParam"]
        for t in _tasks(p)
    ),
    "javascript switch": lambda p: any(t.get("evaluatorType") == "javascript" for t in _tasks(p)),
    "value-param switch": lambda p: any(t.get("evaluatorType") == "value-param" for t in _tasks(p)),
    "switch default case": lambda p: any("defaultCase" in t for t in _tasks(p)),
    "three-way fork": lambda p: any(len(t.get("forkTasks", [])) == 3 for t in _tasks(p)),
    "fork inside a loop": lambda p: any(
        t["type"] == "DO_WHILE"
        and any(x["type"] == "FORK_JOIN" for x in S.all_tasks(t["loopOver"]))
        for t in _tasks(p)
    ),
    "terminate in a case": _terminate_in_case,
    "read after join": _reads_after_join,
    "read in loop body": _reads_in_loop_body,
    "read workflow input": lambda p: any("${workflow.input." in s for s in strings(p[0])),
    "read variable": lambda p: any("${workflow.variables." in s for s in strings(p[0])),
    "read INLINE result": lambda p: any(
        re.search(r"\$\{inline_\d+\.output\.result\}", s) for s in strings(p[0])
    ),
    "read sub-workflow output": lambda p: any(
        re.search(r"\$\{subflow_\d+\.output\.", s) for s in strings(p[0])
    ),
    "text around an expression": lambda p: any(
        re.search(r"^[a-z]+-\$\{", s) for s in strings(p[0])
    ),
    "three workflows": lambda p: len(p[0]) == 3,
    "depth 3": lambda p: _depth(p) == 3,
    "timeoutSeconds > 0": lambda p: any(td["timeoutSeconds"] > 0 for td in p[1]),
}


@pytest.fixture(scope="module")
def batch() -> list[S.Program]:
    """300 programs drawn the way a property test draws them (derandomized: the same ones on
    every run). ``find`` would shrink each hit, which costs far more than drawing these."""
    programs: list[S.Program] = []

    @settings(max_examples=300, database=None, deadline=None, derandomize=True)
    @given(S.valid_programs())
    def collect(program: S.Program) -> None:
        programs.append(program)

    collect()
    return programs


@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_generator_reaches(batch: list[S.Program], feature: str) -> None:
    assert any(FEATURES[feature](p) for p in batch)


def test_default_sizes_stay_small(batch: list[S.Program]) -> None:
    assert max(S.count_tasks(p[0]) for p in batch) <= 25


# --- the embedded code fragments are well-formed -------------------------------------------------


def _js_samples() -> list[str]:
    samples = [t.format(k="amount", a="alpha", b="beta") for t in S.SWITCH_JS]
    samples += [t.format(k="amount") for t in S.INLINE_JS]
    samples += [
        "$.loop_1['iteration'] < 3",
        "if ($.loop_1['iteration'] < 3) { true; } else { false; }",
    ]
    samples.append("$.loop_1['iteration'] < $.maxIterations")
    return samples


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_javascript_parses() -> None:
    script = (
        "const xs = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "for (const x of xs) { try { new Function('$', x); } catch (e) { console.log(x + ' :: ' + e); } }"
    )
    done = subprocess.run(
        ["node", "-e", script],
        input=json.dumps(_js_samples()),
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == ""


@pytest.mark.skipif(shutil.which("jq") is None, reason="needs jq")
@pytest.mark.parametrize("query", S.JQ_QUERIES)
def test_jq_queries_compile(query: str) -> None:
    done = subprocess.run(
        ["jq", "-n", "{amount: 1} | " + query.format(k="amount")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_ref_pattern_and_wait_durations() -> None:
    assert all(DURATION.fullmatch(d) for d in S.WAIT_DURATIONS)
    assert S.REF_RE.pattern == REF.pattern


# --- mutations -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(S.valid_programs(), st.sampled_from(sorted(S.MUTATIONS)), st.data())
def test_each_mutation_adds_exactly_its_own_finding(
    program: S.Program, kind: str, data: st.DataObject
) -> None:
    workflows, task_defs = copy.deepcopy(program)
    code = S.mutate(workflows, task_defs, kind, data)
    assert code == S.MUTATIONS[kind]
    assert audit(workflows, task_defs).codes == {code}, audit(workflows, task_defs).found
    assert (workflows, task_defs) != program


@pytest.mark.parametrize("kind", sorted(S.MUTATIONS))
def test_each_mutation_on_a_minimal_program(kind: str) -> None:
    """The fallback paths: a one-task workflow has no site for most mutations."""
    workflows: list[JSON] = [
        {
            "name": "tiny_flow",
            "version": 1,
            "schemaVersion": 2,
            "ownerEmail": S.OWNER_EMAIL,
            "inputParameters": [],
            "outputParameters": {"summary": "${workflow.workflowId}"},
            "tasks": [
                {
                    "name": "wait_1",
                    "taskReferenceName": "wait_1",
                    "type": "WAIT",
                    "inputParameters": {"duration": "5s"},
                }
            ],
        }
    ]
    task_defs: list[JSON] = []
    assert audit(workflows, task_defs).found == []

    @settings(max_examples=5, deadline=None, database=None)
    @given(st.data())
    def run(data: st.DataObject) -> None:
        wfs, tds = copy.deepcopy(workflows), copy.deepcopy(task_defs)
        code = S.mutate(wfs, tds, kind, data)
        assert audit(wfs, tds).codes == {code}, audit(wfs, tds).found

    run()


@FAST
@given(S.mutated_programs())
def test_mutated_programs_strategy(drawn: tuple[list[JSON], list[JSON], S.Mutation]) -> None:
    workflows, task_defs, mutation = drawn
    assert audit(workflows, task_defs).codes == {mutation.code}
    assert mutation.target in {wf["name"] for wf in workflows} | {"taskdefs"}


@FAST
@given(S.warning_programs())
def test_warning_programs_have_only_warnings(
    drawn: tuple[list[JSON], list[JSON], S.Mutation],
) -> None:
    workflows, task_defs, mutation = drawn
    assert audit(workflows, task_defs).codes == {mutation.code} <= {"FD203", "FD405"}


def test_every_mutation_is_documented() -> None:
    for kind, mutator in S._MUTATORS.items():
        assert mutator.__doc__ and mutator.__doc__.startswith(S.MUTATIONS[kind]), kind


def test_write_program(batch: list[S.Program], tmp_path: Any) -> None:
    workflows, task_defs = next(p for p in batch if len(p[0]) >= 2 and p[1])
    paths = S.write_program(tmp_path / "each", workflows, task_defs)
    assert sorted(p.name for p in paths) == sorted(
        [f"{wf['name']}.json" for wf in workflows] + ["taskdefs.json"]
    )
    assert [json.loads(p.read_text()) for p in paths] == [*workflows, task_defs]
    bundled = S.write_program(tmp_path / "bundle", workflows, task_defs, bundle=True)
    assert json.loads(bundled[0].read_text()) == workflows
