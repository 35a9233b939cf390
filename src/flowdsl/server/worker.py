"""`flowdsl worker`: the bodies of ``@task`` functions, run as Conductor workers.

This module holds what does not need the SDK: finding the tasks, validating a task's input
into the function's typed parameters, and turning the return value or the exception into a
result. :mod:`flowdsl.server._sdk` plugs that into conductor-python's ``TaskHandler`` (the
``flowdsl[worker]`` extra), imported only when workers start.

- Inputs are validated with pydantic into the parameters' types; a bad or missing input
  fails the task with FAILED_WITH_TERMINAL_ERROR (retrying the same input cannot help) and a
  reason naming the input.
- The return value becomes the output: a model is dumped by its field names, a mapping is
  the output itself, ``None`` is no output, and any other value is ``{"result": value}``
  (as conductor-python's worker does, and as ``@task`` declares it).
- An exception fails the task (FAILED) with ``Type: message`` as reasonForIncompletion, so
  the TaskDef's retry policy applies.
"""

from __future__ import annotations

import inspect
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, create_model

from flowdsl.authoring._task import TaskFunction
from flowdsl.errors import LoadError
from flowdsl.loader import load_modules, members

COMPLETED = "COMPLETED"
FAILED = "FAILED"
FAILED_WITH_TERMINAL_ERROR = "FAILED_WITH_TERMINAL_ERROR"


def discover_tasks(targets: Sequence[str]) -> dict[str, TaskFunction[..., Any]]:
    """Every ``@task`` the targets' modules hold (defined or imported there), by task name."""
    found: dict[str, TaskFunction[..., Any]] = {}
    for target in targets:
        modules, _attr = load_modules(target)
        for value in members(modules, TaskFunction):
            known = found.setdefault(value.name, value)
            if known is not value and known.fn is not value.fn:
                raise LoadError(
                    f"two different @task functions are named `{value.name}` "
                    f"({known.span} and {value.span})"
                )
    return dict(sorted(found.items()))


@dataclass
class Outcome:
    status: str
    output: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    log: str | None = None


class TaskBody:
    """One ``@task`` function, callable with a Conductor task's inputData."""

    def __init__(self, task: TaskFunction[..., Any]) -> None:
        self.task = task

    @cached_property
    def _input_model(self) -> type[BaseModel]:
        fields: dict[str, Any] = {}
        for name, param in self.task.signature.parameters.items():
            if param.kind in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL):
                continue
            default = ... if param.default is inspect.Parameter.empty else param.default
            fields[name] = (self.task.input_types.get(name, Any), default)
        extra: Literal["allow", "ignore"] = "allow" if self.task.takes_any_input else "ignore"
        model: type[BaseModel] = create_model(
            f"{self.task.name}_input",
            __config__=ConfigDict(extra=extra, arbitrary_types_allowed=True),
            **fields,
        )
        return model

    def validate(self, input_data: Mapping[str, Any]) -> dict[str, Any]:
        """The keyword arguments; raises ValidationError naming the inputs at fault."""
        parsed = self._input_model.model_validate(dict(input_data))
        kwargs = {name: getattr(parsed, name) for name in type(parsed).model_fields}
        if parsed.model_extra:
            kwargs.update(parsed.model_extra)
        return kwargs

    def output(self, value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if isinstance(value, BaseModel):
            dumped: dict[str, Any] = value.model_dump(mode="json")
            return dumped
        jsonable = TypeAdapter(Any).dump_python(value, mode="json")
        if isinstance(jsonable, dict) and not isinstance(value, list | tuple):
            return jsonable
        return {"result": jsonable}

    def __call__(self, input_data: Mapping[str, Any]) -> Outcome:
        try:
            kwargs = self.validate(input_data)
        except ValidationError as exc:
            return Outcome(FAILED_WITH_TERMINAL_ERROR, reason=input_errors(self.task.name, exc))
        try:
            value = self.task.fn(**kwargs)
            output = self.output(value)
        except Exception as exc:
            return Outcome(
                FAILED,
                reason=f"{type(exc).__name__}: {exc}",
                log=traceback.format_exc(),
            )
        return Outcome(COMPLETED, output)


def input_errors(task_name: str, exc: ValidationError) -> str:
    """``task `x`: input `outputWidth`: Input should be a valid integer (got 'wide')``."""
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error.get("loc", ())) or "(input)"
        text = f"input `{where}`: {error.get('msg')}"
        if error.get("type") != "missing":
            text += f" (got {error.get('input')!r})"
        parts.append(text)
    return f"task `{task_name}`: " + "; ".join(parts)
