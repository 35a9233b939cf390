"""Conditions without raw JavaScript: comparisons and boolean logic on runtime values.

``resized.width > 100``, ``(fmt == "jpg") | (fmt == "png")``, ``~flag.is_null()``,
``fmt.is_in(["jpg", "webp"])`` build a :class:`Condition`; a SWITCH (``flowdsl.when``,
``flowdsl.switch``) or a DO_WHILE (``flowdsl.do_while``) renders it to the JavaScript its
graaljs evaluator runs. Python's ``and``/``or``/``not``/``in`` and ``if`` need a real bool,
so they stay refused (FD001): combine with ``&``, ``|`` and ``~``.

Conductor evaluates a SWITCH ``expression`` and a DO_WHILE ``loopCondition`` against ``$``,
a map of the task's own resolved ``inputParameters`` (plus, for DO_WHILE, its own output and
its body tasks' outputs by reference: core/.../execution/tasks/DoWhile.java
``evaluateCondition``). Neither field is resolved as a ``${...}`` expression, so every
runtime value a condition reads is passed in through an input parameter and read as
``$['name']``; a ``${...}`` is never written into the script
(core/.../execution/mapper/SwitchTaskMapper.java evaluates ``workflowTask.getExpression()``
as written; core/.../events/ScriptEvaluator.java binds ``$``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NoReturn

# _values imports this module for Handle's comparisons; Handle is read from it at call time.
from flowdsl.authoring import _values
from flowdsl.authoring._location import call_site
from flowdsl.diagnostics import RuntimeValueUsedAsPython, UnsupportedValue
from flowdsl.errors import TraceError

Operand = Any  # a Handle, or a JSON scalar constant

_JS_OPS = {"==": "===", "!=": "!==", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class Condition:
    """A boolean computed by Conductor when the workflow runs."""

    __slots__ = ("_fd_node",)

    def __init__(self, node: tuple[Any, ...]) -> None:
        self._fd_node = node

    def __and__(self, other: object) -> Condition:
        return Condition(("and", self, as_condition(other)))

    def __rand__(self, other: object) -> Condition:
        return Condition(("and", as_condition(other), self))

    def __or__(self, other: object) -> Condition:
        return Condition(("or", self, as_condition(other)))

    def __ror__(self, other: object) -> Condition:
        return Condition(("or", as_condition(other), self))

    def __invert__(self) -> Condition:
        return Condition(("not", self))

    def __bool__(self) -> bool:
        raise TraceError(
            RuntimeValueUsedAsPython(
                "A condition on runtime values is only known when the workflow runs; Python's "
                "`if`, `and`, `or` and `not` need it now",
                call_site(),
                hint="branch with `flowdsl.when(condition, then, otherwise)` or "
                "`flowdsl.switch`, and combine conditions with `&`, `|` and `~`",
            )
        )

    def __repr__(self) -> str:
        return f"<condition {render(self, repr)}>"


@dataclass(frozen=True)
class Js:
    """A raw JavaScript expression, with runtime values bound to ``$`` names."""

    expression: str
    bindings: dict[str, Any]


def js(expression: str, **bindings: Any) -> Js:
    """A raw graaljs expression for a SWITCH or DO_WHILE, reading ``$.name`` for each binding.

    ``js("$.size > 1024 ? 'big' : 'small'", size=resized.bytes)``: each keyword becomes an
    input parameter of the task, so ``$.size`` is the resolved value.
    """
    if not isinstance(expression, str):
        raise TraceError(
            UnsupportedValue(
                f"a js() expression must be a string, not {type(expression).__name__}",
                call_site(),
            )
        )
    return Js(expression, bindings)


def compare(left: Operand, op: str, right: Operand) -> Condition:
    _check_operand(right)
    return Condition(("cmp", op, left, right))


def is_in(value: Operand, options: Iterable[Any]) -> Condition:
    values = list(options)
    for item in values:
        _check_operand(item)
    return Condition(("in", value, values))


def is_null(value: Operand) -> Condition:
    return Condition(("null", value))


def as_condition(value: object) -> Condition:
    """A condition, or a runtime value taken as one (JavaScript truthiness)."""
    if isinstance(value, Condition):
        return value
    if isinstance(value, _values.Handle):
        return Condition(("truthy", value))
    if isinstance(value, bool):
        return Condition(("const", value))
    _unsupported(
        f"`{type(value).__name__}` is not a condition",
        "combine conditions (comparisons, `.is_in(...)`, `.is_null()`) with `&`, `|`, `~`",
    )


def _check_operand(value: object) -> None:
    if isinstance(value, _values.Handle | Condition) or value is None:
        return
    if isinstance(value, bool | int | str):
        return
    if isinstance(value, float) and math.isfinite(value):
        return
    _unsupported(
        f"cannot compare a runtime value with {type(value).__name__} {value!r}",
        "compare with a string, number, boolean, None, or another runtime value",
    )


def _unsupported(message: str, hint: str) -> NoReturn:
    raise TraceError(UnsupportedValue(message, call_site(), hint))


def render(condition: Condition | Js, bind: Callable[[Any], str]) -> str:
    """The JavaScript for a condition; ``bind`` gives the JS expression that reads a runtime
    value (a Handle, or text built from one)."""
    if isinstance(condition, Js):
        return condition.expression
    return _render(condition._fd_node, bind)


def _render(node: tuple[Any, ...], bind: Callable[[Any], str]) -> str:
    kind = node[0]
    if kind == "and":
        return f"({_render(node[1]._fd_node, bind)} && {_render(node[2]._fd_node, bind)})"
    if kind == "or":
        return f"({_render(node[1]._fd_node, bind)} || {_render(node[2]._fd_node, bind)})"
    if kind == "not":
        return f"!{_render(node[1]._fd_node, bind)}"
    if kind == "const":
        return "true" if node[1] else "false"
    if kind == "truthy":
        return f"!!{_operand(node[1], bind)}"
    if kind == "null":
        return f"({_operand(node[1], bind)} == null)"
    if kind == "in":
        left = _operand(node[1], bind)
        if not node[2]:
            return "false"
        return "(" + " || ".join(_equals(left, item, bind) for item in node[2]) + ")"
    _, op, left, right = node
    if right is None and op in ("==", "!="):
        return f"({_operand(left, bind)} {op} null)"
    if op == "==":
        return _equals(_operand(left, bind), right, bind)
    return f"({_operand(left, bind)} {_JS_OPS[op]} {_operand(right, bind)})"


def _equals(left: str, right: Operand, bind: Callable[[Any], str]) -> str:
    if right is None:
        return f"({left} == null)"
    return f"({left} === {_operand(right, bind)})"


def _operand(value: Operand, bind: Callable[[Any], str]) -> str:
    if _values.is_runtime(value):
        return bind(value)
    if isinstance(value, Condition):
        return _render(value._fd_node, bind)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def operand_refs(condition: Condition | Js) -> list[Any]:
    """Every runtime value (Handle, or text built from one) a condition reads, in order."""
    if isinstance(condition, Js):
        return []
    found: list[Any] = []
    stack: list[Any] = [condition._fd_node]
    while stack:
        node = stack.pop()
        if isinstance(node, Condition):
            stack.append(node._fd_node)
        elif _values.is_runtime(node):
            found.append(node)
        elif isinstance(node, tuple | list):
            stack.extend(reversed(node))
    return found


def js_key(name: str) -> str:
    """``$['name']``-style member access for any key."""
    return "[" + json.dumps(name) + "]"


__all__ = [
    "Condition",
    "Js",
    "as_condition",
    "compare",
    "is_in",
    "is_null",
    "js",
    "js_key",
    "operand_refs",
    "render",
]
