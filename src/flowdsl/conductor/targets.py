"""Conductor server versions flowdsl can emit for, and what each of them knows.

A field or task type a target does not know is never emitted: Conductor's Jackson
configuration drops unknown properties silently (``ObjectMapperConfiguration.java``,
``FAIL_ON_UNKNOWN_PROPERTIES`` off), so emitting one would lose the author's intent without
a word. The field lists are checked against the classes in each version's server jar by
``tests/integration/test_field_lists.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowdsl.conductor.models import TaskDef, WorkflowDef, WorkflowTask, json_fields

_NEWER_WORKFLOW_DEF = frozenset({"failureWorkflowVersion"})
_NEWER_WORKFLOW_TASK = frozenset({"items", "joinMode", "metadata"})
_NEWER_TASK_DEF = frozenset(
    {"runtimeMetadata", "maxRetryDelaySeconds", "backoffJitterMs", "taskStatusListenerEnabled"}
)

# common/.../metadata/tasks/TaskType.java (the 3.21 line: 23 constants)
_CORE_TASK_TYPES = frozenset(
    {
        "SIMPLE",
        "DYNAMIC",
        "FORK_JOIN",
        "FORK_JOIN_DYNAMIC",
        "DECISION",
        "SWITCH",
        "JOIN",
        "DO_WHILE",
        "SUB_WORKFLOW",
        "START_WORKFLOW",
        "EVENT",
        "WAIT",
        "HUMAN",
        "USER_DEFINED",
        "HTTP",
        "LAMBDA",
        "INLINE",
        "EXCLUSIVE_JOIN",
        "TERMINATE",
        "KAFKA_PUBLISH",
        "JSON_JQ_TRANSFORM",
        "SET_VARIABLE",
        "NOOP",
    }
)
# ... and the constants the AI module added by 3.32.3.
_AI_TASK_TYPES = frozenset(
    {
        "LLM_TEXT_COMPLETE",
        "LLM_CHAT_COMPLETE",
        "LLM_INDEX_TEXT",
        "LLM_SEARCH_INDEX",
        "LLM_GENERATE_EMBEDDINGS",
        "LLM_STORE_EMBEDDINGS",
        "LLM_GET_EMBEDDINGS",
        "LIST_MCP_TOOLS",
        "CALL_MCP_TOOL",
        "PULL_WORKFLOW_MESSAGES",
        "AGENT",
        "GET_AGENT_CARD",
        "CANCEL_AGENT",
    }
)


# System task types registered by modules of the 3.32.3 server jar outside the TaskType
# enum: ai/src/main/java/org/conductoross/conductor/ai/tasks/mapper/*TaskMapper.java (NAME).
_AI_MODULE_TYPES = frozenset({"GENERATE_AUDIO", "GENERATE_IMAGE", "GENERATE_PDF", "GENERATE_VIDEO"})

# Properties every WorkflowDef and TaskDef inherits from Auditable.java; the server sets them
# and accepts them back, so a definition exported from a server may carry them.
AUDITABLE_FIELDS = frozenset({"ownerApp", "createTime", "updateTime", "createdBy", "updatedBy"})


@dataclass(frozen=True)
class Target:
    """One Conductor server release."""

    version: str
    java: int
    workflow_def_fields: tuple[str, ...]
    workflow_task_fields: tuple[str, ...]
    task_def_fields: tuple[str, ...]
    task_types: frozenset[str]
    # Behaviour that changed after the 3.21 line (conductor-contract.md §1.7):
    # TaskDef.totalTimeoutSeconds gained @Min(0);
    total_timeout_non_negative: bool
    # ParametersUtils resolves ${workflow.env.X} and ${workflow.secrets.X};
    workflow_env_and_secrets: bool
    # WorkflowTaskTypeConstraint accepts HTTP with top-level inputParameters.uri/method,
    http_top_level_uri: bool
    # ... and FORK_JOIN_DYNAMIC with only inputParameters.forkTaskInputs.
    dynamic_fork_inputs_alone: bool

    def __str__(self) -> str:
        return self.version


def _without(fields: tuple[str, ...], dropped: frozenset[str]) -> tuple[str, ...]:
    return tuple(f for f in fields if f not in dropped)


TARGETS: dict[str, Target] = {
    # The last release built for Java 17.
    "3.21.22": Target(
        version="3.21.22",
        java=17,
        workflow_def_fields=_without(json_fields(WorkflowDef), _NEWER_WORKFLOW_DEF),
        workflow_task_fields=_without(json_fields(WorkflowTask), _NEWER_WORKFLOW_TASK),
        task_def_fields=_without(json_fields(TaskDef), _NEWER_TASK_DEF),
        task_types=_CORE_TASK_TYPES,
        total_timeout_non_negative=False,
        workflow_env_and_secrets=False,
        http_top_level_uri=False,
        dynamic_fork_inputs_alone=False,
    ),
    # Source: conductor-oss/conductor b54f0d4ee (the 3.32.3 release); needs Java 21.
    "3.32.3": Target(
        version="3.32.3",
        java=21,
        workflow_def_fields=json_fields(WorkflowDef),
        workflow_task_fields=json_fields(WorkflowTask),
        task_def_fields=json_fields(TaskDef),
        task_types=_CORE_TASK_TYPES | _AI_TASK_TYPES | _AI_MODULE_TYPES,
        total_timeout_non_negative=True,
        workflow_env_and_secrets=True,
        http_top_level_uri=True,
        dynamic_fork_inputs_alone=True,
    ),
}

# The version the integration tests run (tests/integration/conductor_version.txt).
DEFAULT_TARGET = "3.32.3"


def get_target(version: str) -> Target:
    try:
        return TARGETS[version]
    except KeyError:
        known = ", ".join(TARGETS)
        raise KeyError(f"unknown Conductor target {version!r} (known: {known})") from None


# Every task type any supported target knows.
ALL_TASK_TYPES: frozenset[str] = frozenset().union(*(t.task_types for t in TARGETS.values()))
