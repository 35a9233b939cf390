"""Rewrites of the IR before it is checked and emitted (new values, never in place)."""

from __future__ import annotations

import dataclasses

from flowdsl.ir.nodes import Program, TaskDef, Workflow


def fill_owner_email(program: Program, owner_email: str | None) -> Program:
    """Give the configured ownerEmail to every definition that does not set its own."""
    if not owner_email:
        return program
    workflows: list[Workflow] = []
    for wf in program.workflows:
        if wf.fields.get("ownerEmail"):
            workflows.append(wf)
        else:
            workflows.append(
                dataclasses.replace(wf, fields={**wf.fields, "ownerEmail": owner_email})
            )
    task_defs: dict[str, TaskDef] = {}
    for name, td in program.task_defs.items():
        if td.fields.get("ownerEmail"):
            task_defs[name] = td
        else:
            task_defs[name] = dataclasses.replace(
                td, fields={**td.fields, "ownerEmail": owner_email}
            )
    return Program(workflows, task_defs, list(program.files))
