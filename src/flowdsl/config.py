"""Configuration: ``[tool.flowdsl]`` in the nearest pyproject.toml, overridden by flags."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from flowdsl.conductor.targets import DEFAULT_TARGET, TARGETS
from flowdsl.errors import UsageError


@dataclass(frozen=True)
class Config:
    owner_email: str | None = None
    target: str = DEFAULT_TARGET
    out_dir: str = "build/conductor"
    ignore: tuple[str, ...] = ()
    strict: bool = False
    # Whether the servers the JSON definitions go to reject a definition without an
    # ownerEmail (conductor.app.ownerEmailMandatory). The property's code default is true
    # (ConductorProperties), but the server's bundled application.properties sets it false,
    # and the published server jar and docker images run with that. compile always writes
    # an ownerEmail, so its output registers either way.
    owner_email_required: bool = False
    source: Path | None = field(default=None, compare=False)

    def with_overrides(self, **overrides: Any) -> Config:
        given = {k: v for k, v in overrides.items() if v is not None}
        config = replace(self, **given)
        config.validate()
        return config

    def validate(self) -> None:
        where = f" (in {self.source})" if self.source else ""
        if self.target not in TARGETS:
            known = ", ".join(TARGETS)
            raise UsageError(f"unknown target {self.target!r}{where}; known targets: {known}")
        if self.owner_email is not None and not self.owner_email.strip():
            raise UsageError(f"owner_email is empty{where}")


_TYPES: dict[str, type] = {"ignore": list, "strict": bool, "owner_email_required": bool}


def find_pyproject(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(start: Path | None = None) -> Config:
    """The [tool.flowdsl] table of the nearest pyproject.toml above ``start`` (default: cwd)."""
    path = find_pyproject((start or Path.cwd()).resolve())
    if path is None:
        return Config()
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError, ValueError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    except RecursionError:
        raise UsageError(f"cannot read {path}: nested too deeply") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise UsageError(f"`tool` in {path} must be a table")
    table = tool.get("flowdsl", {})
    if not isinstance(table, dict):
        raise UsageError(f"[tool.flowdsl] in {path} must be a table")
    known = {f.name for f in fields(Config)} - {"source"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise UsageError(
            f"unknown key(s) in [tool.flowdsl] of {path}: {', '.join(unknown)} "
            f"(known: {', '.join(sorted(known))})"
        )
    values: dict[str, Any] = {}
    for key, value in table.items():
        expected = _TYPES.get(key, str)
        if not isinstance(value, expected):
            raise UsageError(f"[tool.flowdsl] {key} in {path} has the wrong type")
        values[key] = tuple(value) if isinstance(value, list) else value
    config = Config(**values, source=path)
    config.validate()
    return config
