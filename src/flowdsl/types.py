"""Python types as flowdsl reads them: the keys a model declares, and whether one declared
type fits where another is expected. Used by the tracer and by the type check."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel


def declared_fields(annotation: Any) -> dict[str, Any] | None:
    """Field name -> annotation for a model-like type (pydantic, TypedDict, dataclass).

    None when the type declares no fixed set of keys (dict, Any, scalars...).
    """
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return {
                info.alias or name: info.annotation
                for name, info in annotation.model_fields.items()
            }
        if typing.is_typeddict(annotation):
            return dict(typing.get_type_hints(annotation))
        if dataclasses.is_dataclass(annotation):
            hints = typing.get_type_hints(annotation)
            return {f.name: hints.get(f.name, Any) for f in dataclasses.fields(annotation)}
    return None


_MEMBER_TYPES: dict[tuple[Any, type, str | int], Any] = {}


def member_type(annotation: Any, item: str | int) -> Any:
    """The type of ``value[item]`` / ``value.item`` for a value of type ``annotation``."""
    # Memoized: a traced workflow asks the same few (type, key) questions many times.
    key = (annotation, type(item), item)
    try:
        return _MEMBER_TYPES[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable annotation
        return _member_type(annotation, item)
    if len(_MEMBER_TYPES) > 4096:
        _MEMBER_TYPES.clear()
    found = _MEMBER_TYPES[key] = _member_type(annotation, item)
    return found


def _member_type(annotation: Any, item: str | int) -> Any:
    annotation = strip_optional(annotation)
    if isinstance(item, str):
        fields = declared_fields(annotation)
        if fields is not None:
            return fields.get(item, Any)
        if typing.get_origin(annotation) in (dict, Mapping):
            args = typing.get_args(annotation)
            return args[1] if len(args) == 2 else Any
        return Any
    origin = typing.get_origin(annotation)
    if origin in (list, Sequence):
        args = typing.get_args(annotation)
        return args[0] if args else Any
    if origin is tuple:
        args = typing.get_args(annotation)
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
        return args[item] if 0 <= item < len(args) else Any
    return Any


def strip_optional(annotation: Any) -> Any:
    """``X`` for ``X | None`` (``Optional[X]``); any other annotation as it is."""
    if _is_union(annotation):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def describe(annotation: Any) -> str:
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def fits(produced: Any, expected: Any) -> bool:
    """Whether a value declared as ``produced`` can be passed where ``expected`` is declared.

    Unknown on either side (Any, a missing annotation, a TypeVar...) always fits: only a
    definite disagreement is reported.
    """
    if produced is Any or expected is Any or produced is expected:
        return True
    if isinstance(produced, typing.TypeVar) or isinstance(expected, typing.TypeVar):
        return True
    if expected is object:
        return True
    if _is_union(expected):
        return any(fits(produced, member) for member in typing.get_args(expected))
    if _is_union(produced):
        return all(fits(member, expected) for member in typing.get_args(produced))
    if (
        typing.get_origin(expected) is typing.Literal
        or typing.get_origin(produced) is typing.Literal
    ):
        if typing.get_origin(produced) is typing.Literal:
            return all(fits(type(v), expected) for v in typing.get_args(produced))
        return True  # a plain value may hold one of the literals
    if typing.get_origin(expected) is typing.Annotated:
        return fits(produced, typing.get_args(expected)[0])
    if typing.get_origin(produced) is typing.Annotated:
        return fits(typing.get_args(produced)[0], expected)
    p_origin = typing.get_origin(produced) or produced
    e_origin = typing.get_origin(expected) or expected
    if not isinstance(p_origin, type) or not isinstance(e_origin, type):
        return True
    if e_origin is float and p_origin is int:
        return True  # JSON numbers: an int is a fine float
    if p_origin is bool and e_origin is int:
        return False  # JSON keeps true apart from 1
    if declared_fields(p_origin) is not None and e_origin in (dict, Mapping):
        return True  # a model serializes to a JSON object
    if typing.is_typeddict(e_origin) and (p_origin in (dict,) or declared_fields(p_origin)):
        return True
    if (
        not issubclass(p_origin, e_origin)
        and not (issubclass(e_origin, Mapping) and issubclass(p_origin, Mapping))
        and not (e_origin in (list, Sequence) and p_origin in (list, tuple))
    ):
        return False
    p_args, e_args = typing.get_args(produced), typing.get_args(expected)
    if p_args and e_args and len(p_args) == len(e_args) and p_origin is not tuple:
        return all(fits(p, e) for p, e in zip(p_args, e_args, strict=True))
    return True


# How a message names the JSON type a value must have.
TYPE_LABELS: dict[type, str] = {
    int: "an integer",
    float: "a number",
    bool: "True or False",
    str: "a string",
}


def is_json_type(value: object, kind: type) -> bool:
    """``value`` is exactly a JSON value of ``kind``: ``True`` is not an int."""
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, kind)


def shown(value: object) -> str:
    """A value in a message about its type: the type's name and a short repr."""
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(value).__name__} {text}"


def type_problem(
    value: object, annotation: Any, opaque: Callable[[object], bool] | None = None
) -> str | None:
    """Why ``value`` is not a JSON value of exactly the declared type (None when it is).

    Strict as Conductor's JSON is: ``True`` is not an int, ``"30"`` is not a number, a
    string outside an enum's values is not that enum.
    """
    if opaque is not None and opaque(value):
        return "must be a literal: Conductor does not resolve expressions here"
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is Any or annotation is object:
        return None
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        members = [a for a in args if a is not type(None)]
        found = [type_problem(value, m, opaque) for m in members]
        return None if any(p is None for p in found) else found[0]
    if value is None:
        return "must not be None"
    if origin is typing.Literal:
        if value in args:
            return None
        return f"must be one of {', '.join(map(repr, args))}, not {shown(value)}"
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        values = [m.value for m in annotation]
        if isinstance(value, annotation) or (isinstance(value, str) and value in values):
            return None
        return f"must be one of {', '.join(map(repr, values))}, not {shown(value)}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if isinstance(value, Mapping | BaseModel):
            return None
        return f"must be a dict, not {shown(value)}"
    if origin in (list, tuple) or annotation in (list, tuple):
        if not isinstance(value, list | tuple):
            return f"must be a list, not {shown(value)}"
        inner = args[0] if args else Any
        for item in value:
            problem = type_problem(item, inner, opaque)
            if problem is not None:
                return f"an item {problem}"
        return None
    if origin in (dict, Mapping) or annotation in (dict, Mapping):
        return None if isinstance(value, Mapping) else f"must be a dict, not {shown(value)}"
    if annotation in (int, float, bool, str):
        if is_json_type(value, annotation):
            return None
        return f"must be {TYPE_LABELS[annotation]}, not {shown(value)}"
    return None
