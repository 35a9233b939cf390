"""flowdsl's Conductor models against Conductor's own classes at the pinned version.

The classes are read from the server's boot jar with ``javap``: the declared fields of
each model class, in order (Jackson's property order for these POJOs), and the constants
of its enums. No server process is needed, only the jar and the JDK that runs it.
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest
from pydantic import BaseModel

from flowdsl.conductor import models
from flowdsl.conductor.models import json_fields
from flowdsl.conductor.targets import get_target

from .conductor_server import CONDUCTOR_VERSION, find_jar, find_java

PKG = "com.netflix.conductor.common.metadata"
MODELS: dict[str, type[BaseModel]] = {
    f"{PKG}.workflow.WorkflowDef": models.WorkflowDef,
    f"{PKG}.workflow.WorkflowTask": models.WorkflowTask,
    f"{PKG}.tasks.TaskDef": models.TaskDef,
    f"{PKG}.workflow.SubWorkflowParams": models.SubWorkflowParams,
    f"{PKG}.workflow.RateLimitConfig": models.RateLimitConfig,
    f"{PKG}.workflow.CacheConfig": models.CacheConfig,
    f"{PKG}.workflow.StateChangeEvent": models.StateChangeEvent,
    f"{PKG}.SchemaDef": models.SchemaDef,
}
ENUMS: dict[str, type] = {
    f"{PKG}.tasks.TaskDef$TimeoutPolicy": models.TaskTimeoutPolicy,
    f"{PKG}.tasks.TaskDef$RetryLogic": models.RetryLogic,
    f"{PKG}.workflow.WorkflowDef$TimeoutPolicy": models.WorkflowTimeoutPolicy,
    f"{PKG}.workflow.RateLimitConfig$RateLimitPolicy": models.RateLimitPolicy,
    f"{PKG}.SchemaDef$Type": models.SchemaType,
    f"{PKG}.workflow.IdempotencyStrategy": models.IdempotencyStrategy,
    f"{PKG}.workflow.WorkflowTask$JoinMode": models.JoinMode,
}

# A field line: modifiers, a type (generic types contain spaces, never parentheses), a name.
_FIELD = re.compile(r"^\s+(?:private|protected|public)\s+(?!static\b)(?:final\s+)?[^()=]+\s(\w+);$")
_CONSTANT = re.compile(r"^\s+public static final \S+ (\w+);$")


@pytest.fixture(scope="module")
def javap_output(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """javap -p of every class we compare, from conductor-common inside the boot jar."""
    jar = find_jar()
    with zipfile.ZipFile(jar) as boot:
        inner = [
            n
            for n in boot.namelist()
            if re.fullmatch(r"BOOT-INF/lib/conductor-common-[\d.]+\.jar", n)
        ]
        assert len(inner) == 1, inner
        common = tmp_path_factory.mktemp("jar") / Path(inner[0]).name
        common.write_bytes(boot.read(inner[0]))
    javap = str(Path(find_java()).with_name("javap"))
    classes = [*MODELS, *ENUMS, f"{PKG}.tasks.TaskType"]
    out = subprocess.run(
        [javap, "-p", "-cp", str(common), *classes],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    blocks: dict[str, str] = {}
    for block in out.split("Compiled from ")[1:]:
        header = block.splitlines()[1]
        name = re.search(r"(?:class|enum) ([\w.$]+)", header)
        assert name, header
        blocks[name.group(1)] = block
    return blocks


def declared_fields(block: str) -> list[str]:
    return [m.group(1) for line in block.splitlines() if (m := _FIELD.match(line))]


def constants(block: str) -> list[str]:
    return [m.group(1) for line in block.splitlines() if (m := _CONSTANT.match(line))]


@pytest.mark.parametrize("java_class", sorted(MODELS))
def test_model_fields_are_conductors(javap_output: dict[str, str], java_class: str) -> None:
    assert list(json_fields(MODELS[java_class])) == declared_fields(javap_output[java_class])


@pytest.mark.parametrize("java_class", sorted(ENUMS))
def test_enums_are_conductors(javap_output: dict[str, str], java_class: str) -> None:
    assert [e.value for e in ENUMS[java_class]] == constants(javap_output[java_class])


def test_target_knows_exactly_the_servers_fields_and_types(javap_output: dict[str, str]) -> None:
    target = get_target(CONDUCTOR_VERSION)
    assert list(target.workflow_def_fields) == declared_fields(
        javap_output[f"{PKG}.workflow.WorkflowDef"]
    )
    assert list(target.workflow_task_fields) == declared_fields(
        javap_output[f"{PKG}.workflow.WorkflowTask"]
    )
    assert list(target.task_def_fields) == declared_fields(javap_output[f"{PKG}.tasks.TaskDef"])
    task_types = [
        c
        for c in constants(javap_output[f"{PKG}.tasks.TaskType"])
        if not c.startswith("TASK_TYPE_")
    ]
    assert set(task_types) | module_task_types() == target.task_types


def module_task_types() -> set[str]:
    """System task types the AI module registers outside the enum (its mappers' NAME)."""
    with zipfile.ZipFile(find_jar()) as boot:
        inner = next(
            n for n in boot.namelist() if re.fullmatch(r"BOOT-INF/lib/conductor-ai-[\d.]+\.jar", n)
        )
        data = boot.read(inner)
    with zipfile.ZipFile(io.BytesIO(data)) as ai:
        mappers = [
            n[: -len(".class")].replace("/", ".")
            for n in ai.namelist()
            if re.fullmatch(r"org/conductoross/conductor/ai/tasks/mapper/\w+TaskMapper\.class", n)
        ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ai.jar"
        path.write_bytes(data)
        javap = str(Path(find_java()).with_name("javap"))
        out = subprocess.run(
            [javap, "-constants", "-cp", str(path), *mappers],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return set(re.findall(r'String NAME = "([A-Z_]+)";', out))
