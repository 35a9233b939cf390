"""Conductor's control-flow constructs as Python calls made inside a ``@workflow``.

Each construct records its node through :meth:`Trace.record` and traces the callables it
is given (a fork's branches, a switch's cases, a loop's body) into the node's blocks, so
they may hold any construct in turn. The JSON shapes follow conductor-oss/conductor at the
pinned release (3.32.3):

* ``fork``: FORK_JOIN with ``forkTasks``, immediately followed by a JOIN whose ``joinOn``
  names the task that surely completes last in each branch
  (core/.../execution/mapper/ForkJoinTaskMapper.java, JoinTaskMapper.java, tasks/Join.java);
* ``switch``/``when``: SWITCH with the ``value-param`` or ``graaljs`` evaluator
  (mapper/SwitchTaskMapper.java: the case is ``"" + evaluate(expression, taskInput)``,
  the default case runs when no key matches; the SWITCH task itself completes at once);
* ``do_while``: DO_WHILE with ``loopOver``, ``loopCondition`` and ``items``
  (tasks/DoWhile.java ``evaluateCondition``/``evaluateItemsList``);
* ``dynamic_fork``: FORK_JOIN_DYNAMIC + JOIN, in both input forms the mapper reads
  (mapper/ForkJoinDynamicTaskMapper.java: ``dynamicForkTasksParam`` +
  ``dynamicForkTasksInputParamName``, or ``forkTaskName``/``forkTaskWorkflow`` +
  ``forkTaskInputs``);
* ``sub_workflow``: SUB_WORKFLOW with ``subWorkflowParam``
  (mapper/SubWorkflowTaskMapper.java, tasks/SubWorkflow.java).
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable, Mapping
from typing import Any, Generic, NoReturn, ParamSpec, TypeVar, overload

from flowdsl.authoring._conditions import Condition, Js, js_key, operand_refs, render
from flowdsl.authoring._location import call_site
from flowdsl.authoring._task import TaskFunction
from flowdsl.authoring._trace import Trace, current_trace
from flowdsl.authoring._values import Handle, is_runtime, ref_of, type_of
from flowdsl.authoring._workflow import WorkflowFunction
from flowdsl.conductor.tasktypes import Flow, task_type
from flowdsl.diagnostics import (
    BadConstruct,
    MissingTaskInput,
    RuntimeValueUsedAsPython,
    UnknownTaskInput,
    did_you_mean,
)
from flowdsl.errors import TraceError
from flowdsl.ir.nodes import BlockKey, Ref, Span, Task

T = TypeVar("T")
T1 = TypeVar("T1")
T2 = TypeVar("T2")
T3 = TypeVar("T3")
T4 = TypeVar("T4")
T5 = TypeVar("T5")
T6 = TypeVar("T6")
I = TypeVar("I")  # noqa: E741
R = TypeVar("R")
P = ParamSpec("P")


def _trace(what: str) -> Trace:
    trace = current_trace()
    if trace is None:
        raise TraceError(
            RuntimeValueUsedAsPython(
                f"`flowdsl.{what}` records a Conductor task and only works inside a @workflow "
                "function being compiled",
                call_site(),
                hint="call it from the body of a @workflow function",
            )
        )
    return trace


def _bad(message: str, span: Span | None, hint: str | None = None) -> NoReturn:
    raise TraceError(BadConstruct(message, span, hint))


def _check_ref(ref: object, span: Span | None) -> str | None:
    if ref is None or isinstance(ref, str):
        return ref
    _bad(f"`ref` must be a string, not {type(ref).__name__} {ref!r}", span)


def _callable(obj: object, what: str, span: Span | None) -> Callable[..., Any]:
    if not callable(obj) or isinstance(obj, Handle):
        _bad(
            f"{what} must be a function (or lambda) that records its tasks, not "
            f"{type(obj).__name__}",
            span,
            hint="wrap the calls in `lambda: ...`",
        )
    return obj


def _trace_block(trace: Trace, tasks: list[Task], fn: Callable[..., T], *args: Any) -> T:
    return trace.run_in(tasks, fn, *args)


def _completes_last(trace: Trace, tasks: list[Task], span: Span | None) -> None:
    """Make sure the last task of a block completes only after everything in the block.

    A SWITCH (or DECISION) completes as soon as it picks its case, before the case's tasks
    run (tasks/Switch.java sets COMPLETED in ``execute``): a JOIN waiting for it would go on
    while the case still runs, and a JOIN waiting for a task inside a case waits forever
    when another case is taken. So a block ending in one gets a NOOP after it, which
    Conductor schedules only once the chosen case is done.
    """
    if tasks and task_type(tasks[-1].type).flow is Flow.CONDITIONAL:
        last = tasks[-1]
        with trace.block(tasks):
            trace.record(type="NOOP", name="noop", ref=None, span=span, ref_base=f"{last.ref}_done")


# -- fork ---------------------------------------------------------------------------------


@overload
def fork(b1: Callable[[], T1], /, *, ref: str | None = None) -> tuple[T1]: ...
@overload
def fork(
    b1: Callable[[], T1], b2: Callable[[], T2], /, *, ref: str | None = None
) -> tuple[T1, T2]: ...
@overload
def fork(
    b1: Callable[[], T1],
    b2: Callable[[], T2],
    b3: Callable[[], T3],
    /,
    *,
    ref: str | None = None,
) -> tuple[T1, T2, T3]: ...
@overload
def fork(
    b1: Callable[[], T1],
    b2: Callable[[], T2],
    b3: Callable[[], T3],
    b4: Callable[[], T4],
    /,
    *,
    ref: str | None = None,
) -> tuple[T1, T2, T3, T4]: ...
@overload
def fork(
    b1: Callable[[], T1],
    b2: Callable[[], T2],
    b3: Callable[[], T3],
    b4: Callable[[], T4],
    b5: Callable[[], T5],
    /,
    *,
    ref: str | None = None,
) -> tuple[T1, T2, T3, T4, T5]: ...
@overload
def fork(
    b1: Callable[[], T1],
    b2: Callable[[], T2],
    b3: Callable[[], T3],
    b4: Callable[[], T4],
    b5: Callable[[], T5],
    b6: Callable[[], T6],
    /,
    *,
    ref: str | None = None,
) -> tuple[T1, T2, T3, T4, T5, T6]: ...
@overload
def fork(*branches: Callable[[], T], ref: str | None = None) -> tuple[T, ...]: ...


def fork(*branches: Callable[[], Any], ref: str | None = None) -> tuple[Any, ...]:
    """Run branches in parallel (FORK_JOIN) and wait for all of them (JOIN).

    Each branch is a function of no arguments that records its tasks; ``fork`` returns what
    each branch returns, in order, usable after the join::

        jpg, webp = fork(lambda: convert(fmt="jpg"), lambda: convert(fmt="webp"))

    ``ref`` names the FORK_JOIN task (its JOIN is ``<ref>_join``).
    """
    span = call_site()
    trace = _trace("fork")
    ref = _check_ref(ref, span)
    if not branches:
        _bad("fork() needs at least one branch", span, hint="pass one function per branch")
    fns = [_callable(b, f"branch {i} of fork()", span) for i, b in enumerate(branches)]
    fork_task = trace.record(type="FORK_JOIN", name="fork", ref=ref, span=span)
    results: list[Any] = []
    for index, fn in enumerate(fns):
        tasks: list[Task] = []
        fork_task.blocks[BlockKey("forkTasks", index)] = tasks
        results.append(_trace_block(trace, tasks, fn))
        if not tasks:
            _bad(
                f"branch {index} of fork `{fork_task.ref}` records no task; Conductor fails a "
                "fork with an empty branch",
                span,
                hint="give every branch at least one task, or drop the branch",
            )
        _completes_last(trace, tasks, span)
    join_on = [tasks[-1].ref for tasks in fork_task.blocks.values()]
    trace.record(
        type="JOIN",
        name="join",
        ref=None,
        ref_base=f"{fork_task.ref}_join",
        span=span,
        fields={"joinOn": join_on},
    )
    return tuple(results)


# -- switch -------------------------------------------------------------------------------

CaseKey = str | int | bool


def _case_key(key: object, span: Span | None) -> str:
    # SwitchTaskMapper compares the evaluation's Java string form ("" + value) with the keys.
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int | str):
        return str(key)
    _bad(
        f"a switch case key must be a string, an integer or a boolean, not "
        f"{type(key).__name__} {key!r}",
        span,
        hint="Conductor matches the value's text form; floats print differently in Java",
    )


def switch(
    value: Any,
    cases: Mapping[CaseKey, Callable[[], T]],
    default: Callable[[], T] | None = None,
    *,
    ref: str | None = None,
) -> T:
    """Run the case whose key equals ``value`` when the workflow runs (SWITCH).

    ``value`` is a runtime value (the ``value-param`` evaluator), a condition such as
    ``resized.width > 100`` (cases ``True``/``False``), or ``flowdsl.js(...)`` (the
    ``graaljs`` evaluator). ``default`` runs when no key matches. When the cases return
    values, ``switch`` returns one value: the chosen case's (None when no case ran), through
    an INLINE task after the SWITCH, since Conductor has no merge of its own.
    """
    span = call_site()
    trace = _trace("switch")
    ref = _check_ref(ref, span)
    if not isinstance(cases, Mapping) or not cases:
        _bad(
            "switch() needs a non-empty dict of cases: {value: function, ...}",
            span,
            hint="pass at least one case",
        )
    keyed: dict[str, Callable[[], Any]] = {}
    for key, fn in cases.items():
        text = _case_key(key, span)
        if text in keyed:
            _bad(f"switch case {key!r} is given twice (as text: {text!r})", span)
        keyed[text] = _callable(fn, f"switch case {key!r}", span)
    if default is not None:
        default = _callable(default, "the switch default", span)
    return typing.cast(T, _switch(trace, value, keyed, default, ref, span))


def when(
    condition: Condition | Js | bool,
    then: Callable[[], T],
    otherwise: Callable[[], T] | None = None,
    *,
    ref: str | None = None,
) -> T:
    """Run ``then`` when the condition holds at run time, else ``otherwise`` (SWITCH).

    ``when(resized.width > 100, lambda: shrink(...), lambda: copy(...))``.
    """
    span = call_site()
    trace = _trace("when")
    ref = _check_ref(ref, span)
    if not isinstance(condition, Condition | Js):
        _bad(
            f"when() needs a condition on runtime values, not {type(condition).__name__}",
            span,
            hint="compare a runtime value (`x > 5`, `x == 'jpg'`), or use `flowdsl.js(...)`; "
            "a value known now needs no SWITCH: use a Python `if`",
        )
    keyed = {"true": _callable(then, "when()'s then", span)}
    if otherwise is not None:
        otherwise = _callable(otherwise, "when()'s otherwise", span)
    return typing.cast(T, _switch(trace, condition, keyed, otherwise, ref, span))


def _switch(
    trace: Trace,
    value: Any,
    cases: dict[str, Callable[[], Any]],
    default: Callable[[], Any] | None,
    ref: str | None,
    span: Span | None,
) -> Any:
    inputs: dict[str, Any]
    if isinstance(value, Condition | Js):
        inputs, expression = _bind_condition(value, taken=set())
        if isinstance(value, Condition):
            expression = f"({expression}) ? 'true' : 'false'"
        fields: dict[str, Any] = {"evaluatorType": "graaljs", "expression": expression}
    else:
        inputs = {"switchCaseValue": value}
        fields = {"evaluatorType": "value-param", "expression": "switchCaseValue"}
    switch_task = trace.record(
        type="SWITCH", name="switch", ref=ref, span=span, inputs=inputs, fields=fields
    )
    results: dict[str, Any] = {}
    for key, fn in cases.items():
        tasks: list[Task] = []
        switch_task.blocks[BlockKey("decisionCases", key)] = tasks
        results[key] = _trace_block(trace, tasks, fn)
    default_result: Any = None
    if default is not None:
        tasks = []
        switch_task.blocks[BlockKey("defaultCase")] = tasks
        default_result = _trace_block(trace, tasks, default)
    if all(r is None for r in results.values()) and default_result is None:
        return None
    return _merge(trace, switch_task, results, default_result, span)


def _merge(
    trace: Trace,
    switch_task: Task,
    results: dict[str, Any],
    default_result: Any,
    span: Span | None,
) -> Any:
    """One value after a SWITCH: an INLINE task returning the chosen case's value."""
    values = [*results.values(), default_result]
    if all(isinstance(v, tuple) for v in values if v is not None):
        lengths = {len(v) for v in values if v is not None}
        if len(lengths) == 1:
            (size,) = lengths
            merged = _merge(
                trace,
                switch_task,
                {k: list(v) if v is not None else None for k, v in results.items()},
                list(default_result) if default_result is not None else None,
                span,
            )
            return tuple(merged[i] for i in range(size))
    inputs: dict[str, Any] = {"selectedCase": _selected_case(trace, switch_task, span)}
    lines: list[str] = []
    for index, (key, result) in enumerate(results.items()):
        inputs[f"case{index}"] = result
        lines.append(f"if (c === {json.dumps(key)}) return $.case{index};")
    inputs["otherwise"] = default_result
    script = (
        "(function () { var c = $.selectedCase; " + " ".join(lines) + " return $.otherwise; })()"
    )
    merge = trace.record(
        type="INLINE",
        name="switch_value",
        ref=None,
        ref_base=f"{switch_task.ref}_value",
        span=span,
        inputs={"evaluatorType": "graaljs", "expression": script, **inputs},
    )
    merge.generated = "switch-merge"
    types = {_annotation(v) for v in values if v is not None}
    annotation = types.pop() if len(types) == 1 else Any
    return trace.handle(Ref(merge.ref, "output", ("result",), span=span), annotation)


def _selected_case(trace: Trace, switch_task: Task, span: Span | None) -> Handle:
    return trace.handle(Ref(switch_task.ref, "output", ("selectedCase",), span=span), str)


def _annotation(value: Any) -> Any:
    if isinstance(value, Handle):
        return type_of(value)
    return Any


def _bind_condition(condition: Condition | Js, taken: set[str]) -> tuple[dict[str, Any], str]:
    """A condition's script, with each runtime value it reads passed in as an input."""
    if isinstance(condition, Js):
        for name in condition.bindings:
            if not name.isidentifier():
                _bad(f"js() binding `{name}` is not a name `$.{name}` can read", call_site())
        return dict(condition.bindings), condition.expression
    inputs: dict[str, Any] = {}
    names: dict[int, str] = {}
    for operand in operand_refs(condition):
        if id(operand) not in names:
            name = _fresh(f"v{len(inputs)}", taken | set(inputs))
            names[id(operand)] = name
            inputs[name] = operand
    return inputs, render(condition, lambda value: "$" + js_key(names[id(value)]))


def _fresh(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    return candidate


# -- do_while -----------------------------------------------------------------------------


class Loop(Generic[I]):
    """What a ``do_while`` body can read about the loop it runs in."""

    def __init__(self, trace: Trace, ref: str, item_type: Any) -> None:
        self._trace = trace
        self._ref = ref
        self._item_type = item_type

    @property
    def ref(self) -> str:
        """The DO_WHILE's taskReferenceName."""
        return self._ref

    @property
    def iteration(self) -> int:
        """The iteration running, from 1 (``${<loop>.output.iteration}``)."""
        return typing.cast(int, self._trace.handle(Ref(self._ref, "output", ("iteration",)), int))

    @property
    def index(self) -> int:
        """With ``items``: the position of the item this iteration runs for, from 0."""
        return typing.cast(int, self._trace.handle(Ref(self._ref, "output", ("loopIndex",)), int))

    @property
    def item(self) -> I:
        """With ``items``: the item this iteration runs for."""
        return typing.cast(
            I, self._trace.handle(Ref(self._ref, "output", ("loopItem",)), self._item_type)
        )


@overload
def do_while(
    body: Callable[[Loop[Any]], T],
    *,
    condition: Callable[[Loop[Any], T], Condition | Js | bool],
    keep_last_n: int | None = None,
    ref: str | None = None,
) -> T: ...
@overload
def do_while(
    body: Callable[[Loop[I]], T],
    *,
    items: list[I],
    condition: Callable[[Loop[I], T], Condition | Js | bool] | None = None,
    keep_last_n: int | None = None,
    ref: str | None = None,
) -> T: ...


def do_while(
    body: Callable[[Loop[Any]], Any],
    *,
    condition: Callable[[Loop[Any], Any], Condition | Js | bool] | None = None,
    items: Any = None,
    keep_last_n: int | None = None,
    ref: str | None = None,
) -> Any:
    """Run ``body`` once, then again while ``condition`` holds (DO_WHILE).

    ``body(loop)`` records the loop's tasks; ``loop.iteration`` is the iteration number
    (from 1). ``condition(loop, result)`` gets what the body returned and gives a condition
    (``loop.iteration < 3``, ``result.more == True``), evaluated after each iteration. With
    ``items`` (a runtime list), the body runs once per item (``loop.item``,
    ``loop.index``), and stops early when a condition is given and fails. After the loop,
    the body's values read its last iteration.
    """
    span = call_site()
    trace = _trace("do_while")
    ref = _check_ref(ref, span)
    body = _callable(body, "the do_while body", span)
    if condition is None and items is None:
        _bad(
            "do_while() needs a condition, items, or both",
            span,
            hint="condition=lambda loop, result: loop.iteration < 3",
        )
    if condition is not None:
        condition = _callable(condition, "the do_while condition", span)
    if keep_last_n is not None and (
        isinstance(keep_last_n, bool) or not isinstance(keep_last_n, int) or keep_last_n < 1
    ):
        _bad(f"keep_last_n must be a positive integer, not {keep_last_n!r}", span)
    fields: dict[str, Any] = {"loopCondition": ""}
    if items is not None:
        fields["items"] = items
    loop_task = trace.record(type="DO_WHILE", name="loop", ref=ref, span=span, fields=fields)
    if keep_last_n is not None:
        loop_task.inputs["keepLastN"] = keep_last_n
    item_type = Any
    if isinstance(items, Handle):
        args = typing.get_args(type_of(items))
        item_type = args[0] if args else Any
    loop = Loop[Any](trace, loop_task.ref, item_type)
    tasks: list[Task] = []
    loop_task.blocks[BlockKey("loopOver")] = tasks
    result = _trace_block(trace, tasks, body, loop)
    if not tasks:
        _bad(
            f"the body of do_while `{loop_task.ref}` records no task; Conductor rejects a "
            "DO_WHILE with an empty loopOver",
            span,
        )
    if condition is not None:
        cond = condition(loop, result)
        if isinstance(cond, bool) or not isinstance(cond, Condition | Js):
            _bad(
                "the do_while condition must be a condition on runtime values "
                f"(`loop.iteration < 3`), not {type(cond).__name__}",
                span,
            )
        body_refs = {t.ref for t in loop_task.walk()}
        script, bound = _loop_condition(cond, loop_task.ref, body_refs, set(loop_task.inputs))
        loop_task.fields["loopCondition"] = script
        for name, value in bound.items():
            ok, converted = trace.convert(value, span)
            if ok:
                loop_task.inputs[name] = converted
    return result


def _loop_condition(
    cond: Condition | Js, loop_ref: str, body_refs: set[str], taken: set[str]
) -> tuple[str, dict[str, Any]]:
    """The loopCondition script: the loop's own output and its body tasks' outputs are read
    from ``$`` by reference (DoWhile.evaluateCondition puts them there); anything else is
    passed in through the DO_WHILE's inputParameters."""
    if isinstance(cond, Js):
        return cond.expression, dict(cond.bindings)
    bound: dict[str, Any] = {}
    names: dict[int, str] = {}

    def bind(value: Any) -> str:
        if isinstance(value, Handle):
            ref = ref_of(value)
            if (
                ref.source in body_refs
                and ref.root == "output"
                and not ref.tail
                and ref.source not in taken
            ):
                return "$" + js_key(ref.source) + "".join(_js_index(p) for p in ref.path)
        if id(value) not in names:
            name = _fresh(f"v{len(bound)}", taken | body_refs | set(bound))
            names[id(value)] = name
            bound[name] = value
        return "$" + js_key(names[id(value)])

    return render(cond, bind), bound


def _js_index(item: str | int) -> str:
    return f"[{item}]" if isinstance(item, int) else js_key(item)


# -- dynamic fork -------------------------------------------------------------------------


class Item:
    """One element of the list a ``dynamic_fork`` maps over, inside its ``each`` mapping."""

    __slots__ = ("_fd_path",)

    def __init__(self, path: tuple[str | int, ...] = ()) -> None:
        self._fd_path = path

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return Item((*self._fd_path, name))

    def __getitem__(self, key: str | int) -> Any:
        if isinstance(key, bool) or not isinstance(key, str | int):
            _bad(f"an item is indexed by a string or an integer, not {key!r}", call_site())
        return Item((*self._fd_path, key))

    def __bool__(self) -> bool:
        raise TraceError(
            RuntimeValueUsedAsPython(
                "an item of a dynamic fork's list is only known when the workflow runs",
                call_site(),
                hint="map it to inputs as it is (`item.width`); compute in the task",
            )
        )


# ``over`` types the item ``each`` receives, so mypy checks ``item.field`` reads against the
# list's element type (``recipes: list[Recipe]`` -> ``r.format``).
@overload
def dynamic_fork(
    target: TaskFunction[..., R] | WorkflowFunction[..., R],
    over: list[I],
    each: Callable[[I], Mapping[str, Any]] | None = None,
    *,
    ref: str | None = None,
) -> dict[str, R]: ...
@overload
def dynamic_fork(*, tasks: Any, inputs: Any, ref: str | None = None) -> dict[str, Any]: ...


def dynamic_fork(
    target: Any = None,
    over: Any = None,
    each: Callable[[Any], Mapping[str, Any]] | None = None,
    *,
    tasks: Any = None,
    inputs: Any = None,
    ref: str | None = None,
) -> Any:
    """Fork over a list known only at run time (FORK_JOIN_DYNAMIC + JOIN).

    ``dynamic_fork(resize, recipes, lambda r: {"fileLocation": loc, "outputFormat": r.format})``
    runs the ``@task`` (or ``@workflow``, as sub-workflows) once per element of ``recipes``;
    ``each`` maps an element to the task's inputs (omit it when the elements already are
    the inputs). ``dynamic_fork(tasks=..., inputs=...)`` is Conductor's classic form, where
    an earlier task returns the list of WorkflowTasks and the map of their inputs.

    Returns the JOIN's output: each forked task's output, keyed by its reference name.
    """
    span = call_site()
    trace = _trace("dynamic_fork")
    ref = _check_ref(ref, span)
    fields: dict[str, Any] = {}
    fork_inputs: dict[str, Any]
    output_type: Any = Any
    fork_ref = trace.new_ref("dynamic_fork", ref)
    if target is None:
        if tasks is None or inputs is None:
            _bad(
                "dynamic_fork() needs a task (or workflow) and a list, or tasks= and inputs=",
                span,
            )
        fork_inputs = {"dynamicTasks": tasks, "dynamicTasksInput": inputs}
        fields = {
            "dynamicForkTasksParam": "dynamicTasks",
            "dynamicForkTasksInputParamName": "dynamicTasksInput",
        }
    else:
        if tasks is not None or inputs is not None:
            _bad("dynamic_fork() takes either a task and a list, or tasks= and inputs=", span)
        if over is None:
            _bad("dynamic_fork() needs the list to fork over", span)
        fork_inputs, output_type = _fork_target(trace, target, span)
        items = over
        if each is not None:
            _callable(each, "dynamic_fork's `each` mapping", span)
            items = _mapped_items(trace, target, over, each, fork_ref, span)
        fork_inputs["forkTaskInputs"] = items
    fork_task = trace.record(
        type="FORK_JOIN_DYNAMIC",
        name="dynamic_fork",
        ref=fork_ref,
        span=span,
        inputs=fork_inputs,
        fields=fields,
    )
    join = trace.record(
        type="JOIN", name="join", ref=None, ref_base=f"{fork_task.ref}_join", span=span
    )
    return trace.handle(Ref(join.ref, "output", span=span), dict[str, output_type])


def _fork_target(trace: Trace, target: Any, span: Span | None) -> tuple[dict[str, Any], Any]:
    if isinstance(target, TaskFunction):
        trace.add_task_def(target.task_def())
        return {"forkTaskName": target.name}, target.return_type
    if isinstance(target, WorkflowFunction):
        trace.children.append(target)
        # The mapper reads the version as a string (ForkJoinDynamicTaskMapper).
        return {
            "forkTaskName": target.name,
            "forkTaskWorkflow": target.name,
            "forkTaskWorkflowVersion": str(target.version),
        }, target.return_annotation
    _bad(
        f"dynamic_fork() forks a @task or a @workflow function, not {type(target).__name__}",
        span,
        hint="decorate the function with @task or @workflow",
    )


def _mapped_items(
    trace: Trace,
    target: Any,
    over: Any,
    each: Callable[[Any], Mapping[str, Any]],
    fork_ref: str,
    span: Span | None,
) -> Handle:
    """A JSON_JQ_TRANSFORM step that maps every element of ``over`` to the target's inputs."""
    mapping = each(Item())
    if not isinstance(mapping, Mapping):
        _bad(
            f"dynamic_fork's `each` must return a dict of inputs, not {type(mapping).__name__}",
            span,
        )
    _check_item_inputs(target, mapping, span)
    outer: dict[str, Any] = {}
    fields: list[str] = []
    for key, value in mapping.items():
        if not isinstance(key, str):
            _bad(f"input name {key!r} is not a string", span)
        fields.append(f"{json.dumps(key)}: {_jq(value, outer, span)}")
    bindings = "".join(f".{name} as ${name} | " for name in outer)
    query = f"{bindings}[.items[] as $it | {{{', '.join(fields)}}}]"
    step = trace.record(
        type="JSON_JQ_TRANSFORM",
        name="dynamic_fork_inputs",
        ref=None,
        ref_base=f"{fork_ref}_inputs",
        span=span,
        inputs={"queryExpression": query, "items": over, **outer},
    )
    return trace.handle(Ref(step.ref, "output", ("result",), span=span), list[dict[str, Any]])


def _check_item_inputs(target: Any, mapping: Mapping[str, Any], span: Span | None) -> None:
    if isinstance(target, TaskFunction):
        known, required, takes_any = (
            set(target.input_types),
            set(target.task_def().required_inputs),
            target.takes_any_input,
        )
    elif isinstance(target, WorkflowFunction):
        known, required, takes_any = target.input_names(), set(), False
    else:
        return
    if not takes_any:
        for key in mapping:
            if isinstance(key, str) and key not in known:
                raise TraceError(
                    UnknownTaskInput(
                        f"`{target.name}` has no input `{key}`", span, did_you_mean(key, known)
                    )
                )
    missing = sorted(required - set(mapping))
    if missing:
        raise TraceError(
            MissingTaskInput(
                f"`{target.name}` is missing required input(s) "
                + ", ".join(f"`{m}`" for m in missing)
                + " in dynamic_fork's `each` mapping",
                span,
            )
        )


def _jq(value: Any, outer: dict[str, Any], span: Span | None) -> str:
    """A jq expression building ``value``: item paths read ``$it``, runtime values from
    before the fork are bound as ``$o<n>`` from the step's inputs."""
    if isinstance(value, Item):
        return "$it" + "".join(
            f"[{p}]" if isinstance(p, int) else f"[{json.dumps(p)}]" for p in value._fd_path
        )
    if is_runtime(value):
        name = f"o{len(outer)}"
        outer[name] = value
        return f"${name}"
    if isinstance(value, Mapping):
        parts = []
        for key, item in value.items():
            if not isinstance(key, str):
                _bad(f"key {key!r} is not a string", span)
            parts.append(f"{json.dumps(key)}: {_jq(item, outer, span)}")
        return "{" + ", ".join(parts) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_jq(v, outer, span) for v in value) + "]"
    if value is None or isinstance(value, bool | int | float | str):
        return json.dumps(value)
    _bad(f"a {type(value).__name__} cannot be an input in dynamic_fork's `each` mapping", span)


# -- sub-workflows ------------------------------------------------------------------------


@overload
def sub_workflow(child: WorkflowFunction[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R: ...
@overload
def sub_workflow(
    child: str,
    /,
    *,
    version: int | None = None,
    inputs: Mapping[str, Any] | None = None,
    ref: str | None = None,
    task_to_domain: Mapping[str, str] | None = None,
) -> Any: ...


def sub_workflow(child: Any, /, *args: Any, **inputs: Any) -> Any:
    """Run another workflow as a step (SUB_WORKFLOW) and return its outputs.

    ``sub_workflow(resize_one, fileLocation=loc, width=100)`` runs the ``@workflow``
    function ``resize_one`` (compiled too; its inputs are checked against its parameters,
    its outputs typed by its return annotation). ``sub_workflow(resize_one.options(ref=...,
    inline=True, task_to_domain=...), ...)`` sets how it is called.
    ``sub_workflow("name", version=2, inputs={...})`` runs a workflow registered by name.
    """
    span = call_site()
    trace = _trace("sub_workflow")
    if isinstance(child, str):
        if args:
            _bad("sub_workflow(name, ...) takes its inputs as inputs={...}", span)
        return _named_sub_workflow(trace, child, span, **inputs)
    if not isinstance(child, WorkflowFunction):
        _bad(
            f"sub_workflow() runs a @workflow function or a workflow name, not "
            f"{type(child).__name__}",
            span,
        )
    return child._sub_workflow_call(trace, args, inputs, span)


def _named_sub_workflow(
    trace: Trace,
    name: str,
    span: Span | None,
    *,
    version: Any = None,
    inputs: Mapping[str, Any] | None = None,
    ref: str | None = None,
    task_to_domain: Mapping[str, str] | None = None,
    **unexpected: Any,
) -> Handle:
    if unexpected:
        _bad(
            f"sub_workflow(name) got unexpected keyword(s) {', '.join(sorted(unexpected))}",
            span,
            hint="pass the child's inputs as inputs={...}",
        )
    ref = _check_ref(ref, span)
    if (
        version is not None
        and not isinstance(version, Handle | str)
        and (isinstance(version, bool) or not isinstance(version, int))
    ):
        _bad(f"a sub-workflow version is an integer, not {version!r}", span)
    if inputs is not None and not isinstance(inputs, Mapping):
        _bad("sub_workflow inputs must be a dict", span)
    param: dict[str, Any] = {"name": name}
    if version is not None:
        param["version"] = version
    if task_to_domain is not None:
        param["taskToDomain"] = dict(task_to_domain)
    task = trace.record(
        type="SUB_WORKFLOW",
        name=name,
        ref=ref,
        span=span,
        inputs=dict(inputs or {}),
        fields={"subWorkflowParam": param},
    )
    return trace.handle(Ref(task.ref, "output", span=span), Any)


__all__ = [
    "Item",
    "Loop",
    "do_while",
    "dynamic_fork",
    "fork",
    "sub_workflow",
    "switch",
    "when",
]
