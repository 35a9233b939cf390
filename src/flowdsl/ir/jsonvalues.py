"""IR values as the JSON Conductor reads: references written back as ``${...}`` text.

Used by the emitter, and by the checks that validate a definition as it will be sent.
"""

from __future__ import annotations

from typing import Any

from flowdsl.ir.nodes import Ref, Template, Value


def escape_literal(text: str) -> str:
    """Literal text for a position Conductor resolves: every ``${`` becomes ``$${``.

    ParametersUtils only matches ``${`` not preceded by ``$`` and afterwards turns every
    ``$${`` back into ``${`` (core/.../utils/ParametersUtils.java).
    """
    return text.replace("${", "$${")


def resolved_value(value: Value) -> Any:
    """An IR value as JSON for a position Conductor resolves (inputParameters, ...)."""
    if isinstance(value, Ref):
        return value.expression
    if isinstance(value, Template):
        return "".join(
            p.expression if isinstance(p, Ref) else escape_literal(p) for p in value.parts
        )
    if isinstance(value, str):
        return escape_literal(value)
    if isinstance(value, dict):
        return {k: resolved_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [resolved_value(v) for v in value]
    return value


def literal_value(value: Value) -> Any:
    """An IR value for a position Conductor copies as is (variables, inputTemplate...)."""
    if isinstance(value, Ref | Template):
        return resolved_value(value)
    if isinstance(value, dict):
        return {k: literal_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [literal_value(v) for v in value]
    return value
