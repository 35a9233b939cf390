"""`flowdsl register` and `flowdsl diff`: compare definitions with a server, then send them.

Registration order: task definitions, then workflows with sub-workflow children before
their parents, so the server never holds a parent whose child is missing. A definition the
server already holds unchanged is left alone (re-running changes nothing); one whose content
would change is refused unless ``overwrite`` is set, since a running workflow version should
be bumped rather than edited in place.

Requests (``MetadataResource.java``): ``POST /metadata/taskdefs`` creates, ``PUT
/metadata/taskdefs`` replaces one TaskDef; ``POST /metadata/workflow`` creates a version
(409 when it exists), ``PUT /metadata/workflow`` creates or replaces versions;
``POST /metadata/workflow/validate`` checks a workflow without storing it. The server has
no validate endpoint for task definitions: ``--dry-run`` relies on flowdsl's own TaskDef
rules, which follow the server's (``checks/definitions.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from flowdsl.diagnostics import DefinitionDrift, ServerRefused
from flowdsl.jsonsource import resolve_spans
from flowdsl.server.client import ConductorClient, ServerError
from flowdsl.server.definitions import Bundle, Definition, normalized, sub_workflows

State = Literal["new", "unchanged", "changed"]


@dataclass
class Difference:
    path: str  # a JSON pointer inside the definition
    local: Any
    server: Any

    def __str__(self) -> str:
        return f"{self.path or '/'}: server has {_show(self.server)}, local has {_show(self.local)}"


_MISSING = object()


def _show(value: Any) -> str:
    if value is _MISSING:
        return "nothing"
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


def differences(local: Any, server: Any, path: str = "") -> Iterator[Difference]:
    """Every place two JSON values differ, as JSON pointers."""
    if isinstance(local, dict) and isinstance(server, dict):
        for key in sorted(set(local) | set(server)):
            token = str(key).replace("~", "~0").replace("/", "~1")
            yield from differences(
                local.get(key, _MISSING), server.get(key, _MISSING), f"{path}/{token}"
            )
    elif isinstance(local, list) and isinstance(server, list):
        for index in range(max(len(local), len(server))):
            yield from differences(
                local[index] if index < len(local) else _MISSING,
                server[index] if index < len(server) else _MISSING,
                f"{path}/{index}",
            )
    elif local != server or type(local) is not type(server):
        yield Difference(path, local, server)


@dataclass
class Comparison:
    definition: Definition
    state: State
    differences: list[Difference] = field(default_factory=list)


def compare(client: ConductorClient, definition: Definition) -> Comparison:
    """How the server's copy differs from ours, Conductor's defaults filled on both sides."""
    if definition.kind == "task":
        stored = client.get_task_def(definition.name)
    else:
        stored = client.get_workflow_def(definition.name, definition.version)
        if stored is not None and stored.get("version") != definition.version:
            stored = None  # an older server answered with the latest version
    if stored is None:
        return Comparison(definition, "new")
    local = normalized(definition.kind, definition.body)
    server = normalized(definition.kind, stored)
    # Fields the server stores that this flowdsl does not know (a newer server) are not
    # drift: the server filled them with its own defaults.
    server = {k: v for k, v in server.items() if k in local}
    found = list(differences(local, server))
    return Comparison(definition, "changed" if found else "unchanged", found)


@dataclass
class Outcome:
    lines: list[str] = field(default_factory=list)
    findings: list[Any] = field(default_factory=list)


def _refusal(definition: Definition, err: ServerError, action: str) -> ServerRefused:
    return ServerRefused(
        f"the server refused {definition.label} ({action}, HTTP {err.status}): {err.message}",
        definition.span,
        hint="fix the definition; `flowdsl check` reports what flowdsl can see locally",
    )


def _drift(comparison: Comparison) -> DefinitionDrift:
    definition = comparison.definition
    shown = "; ".join(str(d) for d in comparison.differences[:5])
    more = len(comparison.differences) - 5
    if more > 0:
        shown += f"; and {more} more"
    what = "version" if definition.kind == "workflow" else "task definition"
    return DefinitionDrift(
        f"{definition.label} is registered with different content: {shown}",
        definition.span,
        hint=(
            f"bump the {what} (running executions keep the old one), "
            "or pass --overwrite to replace it"
            if definition.kind == "workflow"
            else "pass --overwrite to replace it (it applies to running executions too)"
        ),
    )


def register(
    client: ConductorClient,
    bundle: Bundle,
    *,
    overwrite: bool = False,
    dry_run: bool = False,
) -> Outcome:
    """Register the bundle (or, with ``dry_run``, only validate it); one line per
    definition in ``Outcome.lines``. Refusals and unconfirmed overwrites are findings."""
    outcome = Outcome()
    comparisons = [compare(client, d) for d in bundle]
    refused_first = [c for c in comparisons if c.state == "changed" and not overwrite]
    for comparison in refused_first:
        outcome.findings.append(_drift(comparison))
    if refused_first and not dry_run:
        # Nothing is registered: a half-applied deployment is worse than none.
        outcome.findings = resolve_spans(outcome.findings)
        return outcome

    failed_tasks = False
    failed_workflows: set[tuple[str, int | None]] = set()
    for comparison in comparisons:
        definition = comparison.definition
        verb = {"new": "registered", "changed": "replaced", "unchanged": "unchanged"}[
            comparison.state
        ]
        if dry_run:
            if definition.kind == "workflow":
                try:
                    client.validate_workflow_def(definition.body)
                except ServerError as err:
                    outcome.findings.append(_refusal(definition, err, "validate"))
                    continue
            verb = {
                "new": "would be registered",
                "changed": "would be replaced" if overwrite else "differs",
                "unchanged": "unchanged",
            }[comparison.state]
            outcome.lines.append(f"{definition.label}: {verb}")
            continue
        if comparison.state == "unchanged":
            outcome.lines.append(f"{definition.label}: unchanged")
            continue
        if definition.kind == "workflow" and failed_tasks:
            outcome.lines.append(f"{definition.label}: not registered (a task definition failed)")
            continue
        if definition.kind == "workflow" and _calls_failed(definition, failed_workflows):
            failed_workflows.add((definition.name, definition.version))
            outcome.lines.append(f"{definition.label}: not registered (a sub-workflow failed)")
            continue
        try:
            _send(client, comparison)
        except ServerError as err:
            outcome.findings.append(_refusal(definition, err, verb.replace("ed", "")))
            if definition.kind == "task":
                failed_tasks = True
            else:
                failed_workflows.add((definition.name, definition.version))
            continue
        outcome.lines.append(f"{definition.label}: {verb}")
    outcome.findings = resolve_spans(outcome.findings)
    return outcome


def _calls_failed(definition: Definition, failed: set[tuple[str, int | None]]) -> bool:
    names = {name for name, _ in failed}
    return any(
        (name, version) in failed or (version is None and name in names)
        for name, version in sub_workflows(definition.body.get("tasks") or [])
    )


def _send(client: ConductorClient, comparison: Comparison) -> None:
    definition = comparison.definition
    if definition.kind == "task":
        if comparison.state == "new":
            client.create_task_defs([definition.body])
        else:
            client.update_task_def(definition.body)
    elif comparison.state == "new":
        client.create_workflow_def(definition.body)
    else:
        client.update_workflow_defs([definition.body])


def diff(client: ConductorClient, bundle: Bundle) -> list[Comparison]:
    """The server's copy of every definition, compared; only the ones that differ."""
    return [c for c in (compare(client, d) for d in bundle) if c.state != "unchanged"]
