"""Scripts: the JavaScript Conductor evaluates, and the names it binds for them.

Conductor evaluates a script with one binding, ``$``, a map (ScriptEvaluator.java in
core/.../events/, GraalJS ``putMember("$", input)``):

* a DO_WHILE ``loopCondition``: the DO_WHILE's own inputParameters, resolved again for each
  evaluation, plus its own taskReferenceName (its output, with ``iteration``) and each
  body task's reference (its output), and ``loopIndex``/``loopItem`` when it iterates
  ``items`` (DoWhile.evaluateCondition, core/.../execution/tasks/DoWhile.java);
* a SWITCH ``expression`` with the javascript or graaljs evaluator, a DECISION
  ``caseExpression``: the task's resolved inputParameters (SwitchTaskMapper with
  evaluators/JavascriptEvaluator.java; DecisionTaskMapper);
* an INLINE ``expression``, a LAMBDA ``scriptExpression``: the task's whole resolved
  input, the script itself included (tasks/Inline.java, tasks/Lambda.java).

``loopCondition``, ``expression`` and ``caseExpression`` are task *fields*: Conductor's
ParametersUtils resolves ``${...}`` in inputParameters only, so an expression written in
one of them reaches the script as text. INLINE and LAMBDA fail at run time on a blank
script (Inline.checkExpression; Lambda marks the task FAILED).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from flowdsl.conductor.tasktypes import iterates_items
from flowdsl.diagnostics import (
    Diagnostic,
    EmptyScript,
    ExpressionInScriptField,
    UnboundScriptName,
    did_you_mean,
)
from flowdsl.ir.expressions import scan
from flowdsl.ir.nodes import BlockKey, Ref, Span, Task, Template

if TYPE_CHECKING:
    from flowdsl.checks import CheckContext

_JS_EVALUATORS = frozenset({"javascript", "graaljs"})
# String literals and comments, whose text is not code.
_NOT_CODE = re.compile(r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|//[^\n]*|/\*.*?\*/""", re.S)
# `$.name`, `$['name']`, `$["name"]`, and what follows: `.prop`, `['prop']`, `[0]`.
_READ = re.compile(
    r"""(?<![\w$.])\$(?:\.([A-Za-z_$][\w$]*)|\[\s*(['"])([^'"\\]*)\2\s*\])"""
    r"""(?:\s*(?:\.\s*([A-Za-z_$][\w$]*)|\[\s*(?:(['"])([^'"\\]*)\5|(\d+))\s*\]))?"""
)
# `.length`, `.toString()`...: what every JavaScript value has.
_COMMON_MEMBERS = frozenset(
    {"toString", "valueOf", "constructor", "hasOwnProperty", "toFixed", "toLocaleString"}
)


def scripts(ctx: CheckContext) -> Iterator[Diagnostic]:
    for wf in ctx.all_workflows():
        refs = ctx.scope(wf).tasks
        for task in ctx.tasks(wf):
            yield from _task(refs, task)


def _task(refs: dict[str, Task], task: Task) -> Iterator[Diagnostic]:
    kind = task.type
    if kind == "DO_WHILE":
        condition = task.fields.get("loopCondition")
        if isinstance(condition, str):
            where = task.field_spans.get("loopCondition", task.span)
            yield from _in_field(refs, task, "loopCondition", condition, where)
            body = [t.ref for b in _body(task) for t in b.walk()]
            names = {task.ref, *body}
            if iterates_items(task):
                names |= {"loopIndex", "loopItem"}
            yield from _reads(task, "loopCondition", condition, where, names)
    elif kind == "SWITCH":
        expression = task.fields.get("expression")
        evaluator = task.fields.get("evaluatorType")
        if isinstance(expression, str):
            where = task.field_spans.get("expression", task.span)
            yield from _in_field(refs, task, "expression", expression, where)
            if evaluator in _JS_EVALUATORS:
                yield from _reads(task, "expression", expression, where, set())
    elif kind == "DECISION":
        expression = task.fields.get("caseExpression")
        if isinstance(expression, str):
            where = task.field_spans.get("caseExpression", task.span)
            yield from _in_field(refs, task, "caseExpression", expression, where)
            yield from _reads(task, "caseExpression", expression, where, set())
        param = task.fields.get("caseValueParam")
        if isinstance(param, str):
            where = task.field_spans.get("caseValueParam", task.span)
            yield from _in_field(refs, task, "caseValueParam", param, where)
    elif kind in ("INLINE", "LAMBDA"):
        key = "expression" if kind == "INLINE" else "scriptExpression"
        if key not in task.inputs:
            return  # reported by the structure check (FD313)
        script = task.inputs[key]
        where = task.input_spans.get(key, task.span)
        if isinstance(script, str) and not script.strip():
            yield EmptyScript(
                f"{kind} `{task.ref}` has an empty script (inputParameters.{key}); Conductor "
                "fails the task when it runs",
                where,
                hint=f"write the script in inputParameters.{key}",
            )
            return
        evaluator = task.inputs.get("evaluatorType", "javascript")
        if isinstance(script, str) and (kind == "LAMBDA" or evaluator in _JS_EVALUATORS):
            yield from _reads(task, f"inputParameters.{key}", script, where, set())


def _body(task: Task) -> list[Task]:
    return task.blocks.get(BlockKey("loopOver"), [])


def _in_field(
    refs: dict[str, Task], task: Task, field: str, text: str, where: Span | None
) -> Iterator[Diagnostic]:
    """``${...}`` naming the workflow or a task, written in a field Conductor leaves as is."""
    matches, _ = scan(text)
    for start, end in matches:
        inner = text[start + 2 : end - 1]
        head = re.match(r"\s*([A-Za-z_][\w-]*)\s*\.", inner)
        if head is None or (head.group(1) != "workflow" and head.group(1) not in refs):
            continue  # a JavaScript template literal (`${$.x}`) or something else
        tail = re.findall(r"[A-Za-z_]\w*", inner)
        name = tail[-1] if tail else "value"
        yield ExpressionInScriptField(
            f"{task.type} `{task.ref}` has `{text[start:end]}` in its {field}, a task field "
            "Conductor does not resolve (only inputParameters are): the script sees the "
            "literal text",
            where,
            hint=f'bind it in inputParameters (`"{name}": "{text[start:end]}"`) and '
            f"read `$.{name}` in the {field}"
            if field != "caseValueParam"
            else "caseValueParam names an input: give the input in inputParameters and "
            "its name here",
        )


def _code(script: str) -> str:
    """The script with string literals and comments blanked out (offsets kept)."""
    return _NOT_CODE.sub(lambda m: " " * len(m.group()), script)


def _matches(script: str) -> Iterator[re.Match[str]]:
    """``$`` reads in the code of the script (not in its strings and comments), matched on
    the script itself, so that quoted member names are read."""
    code = _code(script)
    at = code.find("$")
    while at != -1:
        match = _READ.match(script, at)
        if match is not None:
            yield match
        at = code.find("$", at + 1)


def _reads(
    task: Task, field: str, script: str, where: Span | None, extra: set[str]
) -> Iterator[Diagnostic]:
    """``$.x`` reads of names nothing binds, and of members of literal inputs."""
    bound = set(task.inputs) | extra
    reported: set[str] = set()
    for match in _matches(script):
        name = match.group(1) if match.group(1) is not None else match.group(3)
        member = match.group(4) or match.group(6) or match.group(7)
        if name in reported:
            continue
        if name not in bound:
            reported.add(name)
            yield UnboundScriptName(
                f"{task.type} `{task.ref}` reads `$.{name}` in its {field}, but nothing binds "
                f"`{name}` there: the script sees undefined",
                where,
                hint=did_you_mean(name, sorted(bound)) or _binds(task, field, bound),
            )
        elif member is not None and name in task.inputs:
            problem = _member_problem(task.inputs[name], member)
            if problem is not None:
                reported.add(name)
                yield UnboundScriptName(
                    f"{task.type} `{task.ref}` reads `{member}` of `$.{name}` in its {field}, "
                    f"but input `{name}` is {problem}: the script sees "
                    + ("an error" if task.inputs[name] is None else "undefined"),
                    where,
                    hint=f"bind the value itself in inputParameters "
                    f'(`"{name}": "${{...}}"`) or read `$.{name}` without `{member}`',
                )


def _binds(task: Task, field: str, bound: set[str]) -> str:
    shown = ", ".join(f"`{n}`" for n in sorted(bound)) or "nothing"
    if field == "loopCondition":
        return (
            f"a loopCondition sees the DO_WHILE's inputParameters, its own reference and its "
            f"body tasks' references: {shown}"
        )
    return f"the script sees the task's inputParameters: {shown}"


def _member_problem(value: Any, member: str) -> str | None:
    """Why reading ``member`` of a literal input gives nothing (None: it may work)."""
    if isinstance(value, Ref | Template) or member in _COMMON_MEMBERS:
        return None
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the literal {'true' if value else 'false'}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, dict):
        if member.isdigit() or member in value:
            return None
        keys = ", ".join(f"`{k}`" for k in value) or "no keys"
        return f"an object with {keys}"
    return None
