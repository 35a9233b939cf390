"""Conductor's metadata schema as pydantic models.

Field names are snake_case in Python and Conductor's exact camelCase in JSON (aliases);
fields are declared in the order of Conductor's Java classes, so a dump is in Conductor's
order. Defaults are Conductor's, so ``model_dump()`` of a parsed definition is the definition
with Conductor's defaults filled in, and ``model_dump(exclude_unset=True)`` is exactly what
was written.

Sources (conductor-oss/conductor, common/src/main/java/com/netflix/conductor/common/):
``metadata/workflow/WorkflowDef.java``, ``metadata/workflow/WorkflowTask.java``,
``metadata/workflow/SubWorkflowParams.java``, ``metadata/tasks/TaskDef.java``, and the
constraints in ``constraints/`` (``TaskTimeoutConstraint.java``: the timeout rules below).
The models hold the union of every supported target's fields; which fields a given server
version knows is :mod:`flowdsl.conductor.targets`' business.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

# Java int / long ranges: Jackson refuses values outside them (HTTP 500 on the server).
INT_MAX = 2**31 - 1
INT_MIN = -(2**31)
LONG_MAX = 2**63 - 1
LONG_MIN = -(2**63)

JavaInt = Field(ge=INT_MIN, le=INT_MAX)


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        validate_default=False,
        use_enum_values=True,
        # Schemas are built on first use (issue 11): most runs validate only the TaskDef
        # and the header models of checks/definitions.py, never the whole WorkflowDef.
        defer_build=True,
    )

    def to_json_dict(self, *, defaults: bool = False) -> dict[str, Any]:
        """Conductor JSON: only what was set, or (``defaults=True``) with defaults filled."""
        return self.model_dump(by_alias=True, exclude_unset=not defaults, mode="json")


class TaskTimeoutPolicy(StrEnum):
    RETRY = "RETRY"
    TIME_OUT_WF = "TIME_OUT_WF"
    ALERT_ONLY = "ALERT_ONLY"


class RetryLogic(StrEnum):
    FIXED = "FIXED"
    EXPONENTIAL_BACKOFF = "EXPONENTIAL_BACKOFF"
    LINEAR_BACKOFF = "LINEAR_BACKOFF"


class WorkflowTimeoutPolicy(StrEnum):
    TIME_OUT_WF = "TIME_OUT_WF"
    ALERT_ONLY = "ALERT_ONLY"


class SchemaType(StrEnum):
    JSON = "JSON"
    AVRO = "AVRO"
    PROTOBUF = "PROTOBUF"


class SchemaDef(_Model):
    name: str
    version: int = Field(1, ge=INT_MIN, le=INT_MAX)
    type: SchemaType
    data: dict[str, Any] | None = None
    external_ref: str | None = None


class RateLimitPolicy(StrEnum):
    QUEUE = "QUEUE"
    REJECT = "REJECT"


class RateLimitConfig(_Model):
    rate_limit_key: str | None = None
    concurrent_exec_limit: int = Field(0, ge=INT_MIN, le=INT_MAX)
    policy: RateLimitPolicy = RateLimitPolicy.QUEUE


class CacheConfig(_Model):
    key: str | None = None
    ttl_in_second: int = Field(0, ge=INT_MIN, le=INT_MAX)


class StateChangeEvent(_Model):
    type: str
    payload: dict[str, Any] | None = None


class TaskDef(_Model):
    """``TaskDef.java``. The rules are those Conductor's server enforces at registration
    (``@Min`` annotations and ``TaskTimeoutConstraint``); field order is 3.32.3's."""

    name: str = Field(min_length=1)
    description: str | None = None
    retry_count: int = Field(3, ge=0, le=INT_MAX)  # @Min(0)
    timeout_seconds: int = Field(0, ge=LONG_MIN, le=LONG_MAX)
    input_keys: list[str] = Field(default_factory=list)
    output_keys: list[str] = Field(default_factory=list)
    runtime_metadata: list[str] = Field(default_factory=list)  # newer than 3.21
    timeout_policy: TaskTimeoutPolicy = TaskTimeoutPolicy.TIME_OUT_WF
    retry_logic: RetryLogic = RetryLogic.FIXED
    retry_delay_seconds: int = Field(60, ge=INT_MIN, le=INT_MAX)
    response_timeout_seconds: int = Field(3600, ge=1, le=LONG_MAX)  # @Min(1)
    concurrent_exec_limit: int | None = Field(None, ge=INT_MIN, le=INT_MAX)
    input_template: dict[str, Any] = Field(default_factory=dict)
    rate_limit_per_frequency: int | None = Field(None, ge=INT_MIN, le=INT_MAX)
    rate_limit_frequency_in_seconds: int | None = Field(None, ge=INT_MIN, le=INT_MAX)
    isolation_group_id: str | None = None
    execution_name_space: str | None = None
    owner_email: str | None = None
    poll_timeout_seconds: int | None = Field(None, ge=0, le=INT_MAX)  # @Min(0)
    backoff_scale_factor: int = Field(1, ge=1, le=INT_MAX)  # @Min(1)
    max_retry_delay_seconds: int = Field(0, ge=0, le=INT_MAX)  # newer than 3.21; @Min(0)
    backoff_jitter_ms: int = Field(0, ge=0, le=INT_MAX)  # newer than 3.21; @Min(0)
    base_type: str | None = None
    # @Min(0) only in the newer line: checked per target (checks/definitions.py).
    total_timeout_seconds: int = Field(0, ge=LONG_MIN, le=LONG_MAX)
    task_status_listener_enabled: bool = True  # newer than 3.21
    input_schema: SchemaDef | None = None
    output_schema: SchemaDef | None = None
    enforce_schema: bool = False

    @model_validator(mode="after")
    def _timeouts(self) -> Self:
        # TaskTimeoutConstraint.java: both rules apply only when timeoutSeconds > 0.
        if self.timeout_seconds > 0:
            if self.response_timeout_seconds > self.timeout_seconds:
                raise PydanticCustomError(
                    "FD401",
                    "responseTimeoutSeconds {response} exceeds timeoutSeconds {timeout}; "
                    "Conductor rejects this task definition",
                    {"response": self.response_timeout_seconds, "timeout": self.timeout_seconds},
                )
            if self.total_timeout_seconds > 0 and self.timeout_seconds > self.total_timeout_seconds:
                raise PydanticCustomError(
                    "FD402",
                    "timeoutSeconds {timeout} exceeds totalTimeoutSeconds {total}; "
                    "Conductor rejects this task definition",
                    {"timeout": self.timeout_seconds, "total": self.total_timeout_seconds},
                )
        return self


class IdempotencyStrategy(StrEnum):
    FAIL = "FAIL"
    RETURN_EXISTING = "RETURN_EXISTING"
    FAIL_ON_RUNNING = "FAIL_ON_RUNNING"


class JoinMode(StrEnum):
    SYNC = "SYNC"
    ASYNC = "ASYNC"


class SubWorkflowParams(_Model):
    """``SubWorkflowParams.java``: no validation annotations at all."""

    name: str | None = None
    version: int | str | None = None  # an Integer, or an expression resolving to one
    task_to_domain: dict[str, str] | None = None
    workflow_definition: Any = None  # an inline WorkflowDef, or a "${...}" string
    idempotency_key: str | None = None
    idempotency_strategy: IdempotencyStrategy | None = None
    priority: Any = None


class WorkflowTask(_Model):
    """``WorkflowTask.java``."""

    name: str = Field(min_length=1)
    task_reference_name: str = Field(min_length=1)
    description: str | None = None
    input_parameters: dict[str, Any] = Field(default_factory=dict)
    type: str = "SIMPLE"
    dynamic_task_name_param: str | None = None
    case_value_param: str | None = None
    case_expression: str | None = None
    script_expression: str | None = None
    decision_cases: dict[str, list[WorkflowTask]] = Field(default_factory=dict)
    dynamic_fork_join_tasks_param: str | None = None
    dynamic_fork_tasks_param: str | None = None
    dynamic_fork_tasks_input_param_name: str | None = None
    default_case: list[WorkflowTask] = Field(default_factory=list)
    fork_tasks: list[list[WorkflowTask]] = Field(default_factory=list)
    start_delay: int = Field(0, ge=0, le=INT_MAX)  # @PositiveOrZero
    sub_workflow_param: SubWorkflowParams | None = None
    join_on: list[str] = Field(default_factory=list)
    sink: str | None = None
    optional: bool = False
    task_definition: TaskDef | None = None
    rate_limited: bool | None = None
    default_exclusive_join_task: list[str] = Field(default_factory=list)
    async_complete: bool = False
    loop_condition: str | None = None
    loop_over: list[WorkflowTask] = Field(default_factory=list)
    items: str | None = None  # newer than 3.21
    retry_count: int | None = Field(None, ge=INT_MIN, le=INT_MAX)
    evaluator_type: str | None = None
    expression: str | None = None
    on_state_change: dict[str, list[StateChangeEvent]] = Field(default_factory=dict)
    join_status: str | None = None
    cache_config: CacheConfig | None = None
    permissive: bool = False
    join_mode: JoinMode | None = None  # newer than 3.21
    metadata: dict[str, Any] = Field(default_factory=dict)  # newer than 3.21


class WorkflowDef(_Model):
    """``WorkflowDef.java``."""

    name: str = Field(min_length=1)
    description: str | None = None
    version: int = Field(1, ge=INT_MIN, le=INT_MAX)
    tasks: list[WorkflowTask] = Field(min_length=1)
    input_parameters: list[str] = Field(default_factory=list)
    output_parameters: dict[str, Any] = Field(default_factory=dict)
    failure_workflow: str | None = None
    schema_version: int = Field(2, ge=2, le=2)  # @Min(2) @Max(2)
    restartable: bool = True
    workflow_status_listener_enabled: bool = False
    owner_email: str | None = None
    timeout_policy: WorkflowTimeoutPolicy = WorkflowTimeoutPolicy.ALERT_ONLY
    timeout_seconds: int = Field(0, ge=LONG_MIN, le=LONG_MAX)
    variables: dict[str, Any] = Field(default_factory=dict)
    input_template: dict[str, Any] = Field(default_factory=dict)
    failure_workflow_version: int | None = Field(None, ge=INT_MIN, le=INT_MAX)  # newer than 3.21
    workflow_status_listener_sink: str | None = None
    rate_limit_config: RateLimitConfig | None = None
    input_schema: SchemaDef | None = None
    output_schema: SchemaDef | None = None
    enforce_schema: bool = True
    metadata: dict[str, Any] = Field(default_factory=dict)
    cache_config: CacheConfig | None = None
    masked_fields: list[str] = Field(default_factory=list)


def json_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """A model's JSON field names, in declaration (= Conductor's) order."""
    return tuple(info.alias or name for name, info in model.model_fields.items())


def snake_fields(model: type[BaseModel]) -> dict[str, str]:
    """snake_case name -> JSON name, for keyword arguments named after Conductor fields."""
    return {name: info.alias or name for name, info in model.model_fields.items()}


_NESTED_TASK_LISTS = {"tasks", "defaultCase", "loopOver"}


def with_defaults(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """A definition with Conductor's defaults filled in, without validating it.

    Used to compare definitions as Conductor sees them. Unknown keys are kept; nested
    WorkflowTask lists (``tasks``, branches, cases, loop bodies) are filled recursively.
    """
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        alias = info.alias or name
        if alias in data:
            out[alias] = data[alias]
        elif info.default_factory is not None:
            out[alias] = info.default_factory()  # type: ignore[call-arg]
        else:
            out[alias] = info.default.value if isinstance(info.default, StrEnum) else info.default
    out.update({k: v for k, v in data.items() if k not in out})
    if model in (WorkflowDef, WorkflowTask):
        for key in _NESTED_TASK_LISTS & set(out):
            out[key] = [with_defaults(WorkflowTask, t) for t in out[key] or []]
        if model is WorkflowTask:
            out["forkTasks"] = [
                [with_defaults(WorkflowTask, t) for t in b] for b in out["forkTasks"]
            ]
            out["decisionCases"] = {
                k: [with_defaults(WorkflowTask, t) for t in v]
                for k, v in out["decisionCases"].items()
            }
    return out
