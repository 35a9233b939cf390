"""Runtime values during a trace: handles, and how Python values become IR values.

A :class:`Handle` stands for a value Conductor only knows when the workflow runs: a task's
output or a workflow input. Attribute and item access build a longer reference
(``resized.fileLocation`` -> ``${resize_ref.output.fileLocation}``). Turning a handle into
text (``str``, f-strings, ``str.format``, ``+`` with a string) yields a *token*, a short
private-use string the trace maps back to its reference, so references survive inside
strings and are split out again when the string reaches a task input.

Everything Python would need the real value for (``bool``, ``iter``, ``len``, ``in``,
comparisons, arithmetic, indexing by it) stops the trace with a finding that names what
to use instead.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import math
import re
from collections.abc import Mapping
from typing import Any, NoReturn

from pydantic import BaseModel

# _conditions reads Handle from this module at call time; both import the module object.
from flowdsl.authoring import _conditions
from flowdsl.authoring._location import call_site
from flowdsl.diagnostics import ForeignValue, RuntimeValueUsedAsPython, UnsupportedValue
from flowdsl.errors import TraceError
from flowdsl.ir.nodes import Ref, Span, Template, Value
from flowdsl.types import member_type

TOKEN_OPEN = "\ue000"
TOKEN_CLOSE = "\ue001"
_TOKEN_RE = re.compile(f"{TOKEN_OPEN}(\\d+)\\.(\\d+){TOKEN_CLOSE}")
_tables = itertools.count(1)


class TokenTable:
    """Tokens handed out for handles turned into text, during one trace.

    A token names its table, so text built in one workflow's trace and used in another's is
    recognised (and refused) instead of being read against the wrong table.
    """

    def __init__(self, owner: str = "") -> None:
        self._refs: list[Ref] = []
        self.id = next(_tables)
        self.owner = owner

    def token(self, ref: Ref) -> str:
        self._refs.append(ref)
        return f"{TOKEN_OPEN}{self.id}.{len(self._refs) - 1}{TOKEN_CLOSE}"

    def split(self, text: str, span: Span | None = None) -> str | Template:
        """Literal text, or a Template when the text holds tokens."""
        if TOKEN_OPEN not in text:
            return text
        parts: list[str | Ref] = []
        last = 0
        for match in _TOKEN_RE.finditer(text):
            if int(match.group(1)) != self.id:
                _foreign(self, span)
            if match.start() > last:
                parts.append(text[last : match.start()])
            parts.append(self._refs[int(match.group(2))])
            last = match.end()
        if last < len(text):
            parts.append(text[last:])
        if TOKEN_OPEN in text[last:] or any(isinstance(p, str) and TOKEN_OPEN in p for p in parts):
            _foreign(self, span)
        return Template(tuple(parts))


def _foreign(tokens: TokenTable, span: Span | None) -> NoReturn:
    where = f"workflow `{tokens.owner}`" if tokens.owner else "this workflow"
    raise TraceError(
        ForeignValue(
            f"a runtime value made while tracing another workflow is used in {where}, "
            "where it refers to nothing",
            span,
            hint="pass the value in as a workflow input (or a sub_workflow input) instead of "
            "sharing it between workflow functions",
        )
    )


def _refuse(what: str, instead: str) -> NoReturn:
    raise TraceError(
        RuntimeValueUsedAsPython(
            f"{what} needs a value that is only known when the workflow runs",
            call_site(),
            hint=instead,
        )
    )


_BRANCH = (
    "branch at run time with a SWITCH task (`flowdsl.when` or `flowdsl.switch`) instead of "
    "`if`; combine conditions with `&`, `|`, `~` and test membership with `flowdsl.is_in`"
)
_LOOP = (
    "iterate at run time with a dynamic fork (`flowdsl.dynamic_fork`, Conductor "
    "FORK_JOIN_DYNAMIC) or a loop (`flowdsl.do_while`, DO_WHILE) instead of a Python loop"
)
_COMPUTE = (
    "compute it at run time in a task: `flowdsl.inline` (INLINE, JavaScript), "
    "`flowdsl.json_jq` (JSON_JQ_TRANSFORM), or a `@task` worker of your own"
)


class Handle:
    """A value known only at run time: a reference to a task output or a workflow input."""

    __slots__ = ("_fd_ref", "_fd_tokens", "_fd_type")
    _fd_ref: Ref
    _fd_tokens: TokenTable
    _fd_type: Any

    def __init__(self, ref: Ref, annotation: Any, tokens: TokenTable) -> None:
        # The slots' own setters: __setattr__ refuses every assignment.
        _set_ref(self, ref)
        _set_type(self, annotation)
        _set_tokens(self, tokens)

    # -- building longer references --------------------------------------------------------

    def __getattr__(self, name: str) -> Handle:
        if name[:2] == "__" and name[-2:] == "__":
            raise AttributeError(name)
        # _fd_child inlined (issue 11): a task output's field is read once per task call.
        return new_handle(
            self._fd_ref.child(name, call_site()),
            member_type(self._fd_type, name),
            self._fd_tokens,
        )

    def __getitem__(self, key: object) -> Handle:
        if isinstance(key, Handle):
            _refuse(
                "Indexing by a runtime value",
                "index with a literal key or number, or " + _COMPUTE,
            )
        if isinstance(key, bool) or not isinstance(key, str | int):
            raise TraceError(
                UnsupportedValue(
                    f"cannot index a runtime value with {type(key).__name__} {key!r}",
                    call_site(),
                    hint="use a string key or an integer index",
                )
            )
        return self._fd_child(key)

    def _fd_child(self, item: str | int) -> Handle:
        ref: Ref = self._fd_ref
        return new_handle(
            ref.child(item, call_site()), member_type(self._fd_type, item), self._fd_tokens
        )

    # -- turning into text --------------------------------------------------------------

    def __str__(self) -> str:
        tokens: TokenTable = self._fd_tokens
        ref: Ref = self._fd_ref
        return tokens.token(Ref(ref.source, ref.root, ref.path, ref.tail, call_site()))

    def __format__(self, spec: str) -> str:
        if spec:
            _refuse(f"The format specification {spec!r}", _COMPUTE)
        return self.__str__()

    def __add__(self, other: object) -> str:
        if isinstance(other, str):
            return self.__str__() + other
        _refuse("Arithmetic (`+`)", _COMPUTE)

    def __radd__(self, other: object) -> str:
        if isinstance(other, str):
            return other + self.__str__()
        _refuse("Arithmetic (`+`)", _COMPUTE)

    def __repr__(self) -> str:
        ref: Ref = self._fd_ref
        return f"<runtime value {ref.expression}>"

    # -- what Python cannot do with a value it does not have -------------------------------

    def __bool__(self) -> bool:
        _refuse("Using a runtime value as a condition (`if`, `and`, `or`, `not`)", _BRANCH)

    def __iter__(self) -> NoReturn:
        _refuse("Iterating over a runtime value (`for`, unpacking, `list()`)", _LOOP)

    def __len__(self) -> int:
        _refuse("`len()` of a runtime value", _COMPUTE)

    def __contains__(self, item: object) -> bool:
        _refuse("`in` on a runtime value", _BRANCH + ", or " + _COMPUTE)

    def __index__(self) -> int:
        _refuse("Indexing by a runtime value", "index with a literal, or " + _COMPUTE)

    def __int__(self) -> int:
        _refuse("`int()` of a runtime value", _COMPUTE)

    def __float__(self) -> float:
        _refuse("`float()` of a runtime value", _COMPUTE)

    def __complex__(self) -> complex:
        _refuse("`complex()` of a runtime value", _COMPUTE)

    def __hash__(self) -> int:
        _refuse("Using a runtime value as a dict key or set member", "use literal keys")

    # Comparisons build a Condition (flowdsl.when / switch / do_while render it); using one
    # as a Python bool is refused there.
    def __eq__(self, other: object) -> _conditions.Condition:  # type: ignore[override]
        return _conditions.compare(self, "==", other)

    def __ne__(self, other: object) -> _conditions.Condition:  # type: ignore[override]
        return _conditions.compare(self, "!=", other)

    def __lt__(self, other: object) -> _conditions.Condition:
        return _conditions.compare(self, "<", other)

    def __le__(self, other: object) -> _conditions.Condition:
        return _conditions.compare(self, "<=", other)

    def __gt__(self, other: object) -> _conditions.Condition:
        return _conditions.compare(self, ">", other)

    def __ge__(self, other: object) -> _conditions.Condition:
        return _conditions.compare(self, ">=", other)

    def __and__(self, other: object) -> _conditions.Condition:
        return _conditions.as_condition(self) & other

    def __rand__(self, other: object) -> _conditions.Condition:
        return _conditions.as_condition(other) & self

    def __or__(self, other: object) -> _conditions.Condition:
        return _conditions.as_condition(self) | other

    def __ror__(self, other: object) -> _conditions.Condition:
        return _conditions.as_condition(other) | self

    def __invert__(self) -> _conditions.Condition:
        return ~_conditions.as_condition(self)

    def __setattr__(self, name: str, value: object) -> None:
        _refuse("Assigning to a runtime value", "build a new value in a task instead")

    def __call__(self, *args: object, **kwargs: object) -> NoReturn:
        _refuse("Calling a runtime value", "call the task function itself")

    def _fd_arith(self, *_: object) -> NoReturn:
        _refuse("Arithmetic on a runtime value", _COMPUTE)

    __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _fd_arith
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __rpow__ = _fd_arith
    __neg__ = __pos__ = __abs__ = __round__ = __xor__ = __rxor__ = _fd_arith


_set_ref = vars(Handle)["_fd_ref"].__set__
_set_type = vars(Handle)["_fd_type"].__set__
_set_tokens = vars(Handle)["_fd_tokens"].__set__
_new_object = object.__new__


def is_runtime(value: object) -> bool:
    """A value known only when the workflow runs: a Handle, or text with one in it (an
    f-string...)."""
    return isinstance(value, Handle) or (isinstance(value, str) and TOKEN_OPEN in value)


def new_handle(ref: Ref, annotation: Any, tokens: TokenTable) -> Handle:
    """``Handle(ref, annotation, tokens)``, made without the call machinery of a class."""
    handle: Handle = _new_object(Handle)
    _set_ref(handle, ref)
    _set_type(handle, annotation)
    _set_tokens(handle, tokens)
    return handle


def with_span(ref: Ref, span: Span | None) -> Ref:
    """``dataclasses.replace(ref, span=span)``, without its per-field introspection
    (tests/test_trace_fast.py holds the two equal, field by field)."""
    return Ref(ref.source, ref.root, ref.path, ref.tail, span, ref.nested)


def ref_of(handle: Handle) -> Ref:
    ref: Ref = object.__getattribute__(handle, "_fd_ref")
    return ref


def type_of(handle: Handle) -> Any:
    return object.__getattribute__(handle, "_fd_type")


# -- Python values to IR values -------------------------------------------------------------


def to_value(
    obj: object, tokens: TokenTable, span: Span | None, _active: set[int] | None = None
) -> Value:
    """A Python value as an IR value; raises TraceError for what JSON cannot hold.

    ``_active``: the containers being converted (a container holding itself has no JSON
    form).
    """
    if isinstance(obj, Handle):
        if obj._fd_tokens is not tokens:
            _foreign(tokens, span)
        ref = obj._fd_ref
        return ref if ref.span is not None or span is None else with_span(ref, span)
    if type(obj) is str:  # _convert's case for a str, without the checks before it
        return tokens.split(obj, span)
    if obj is None or isinstance(obj, bool):
        return obj
    if isinstance(obj, int):
        if obj.bit_length() > _LONG_INT_BITS and not _printable(obj):
            _unsupported(
                f"an integer of {obj.bit_length()} bits is too long to write as JSON",
                span,
                "pass it as a string",
            )
        return obj
    if isinstance(obj, Mapping | list | tuple | BaseModel) or dataclasses.is_dataclass(obj):
        active = set() if _active is None else _active
        if id(obj) in active:
            _unsupported(
                f"this {type(obj).__name__} contains itself; JSON cannot hold a cycle", span
            )
        active.add(id(obj))
        try:
            return _convert(obj, tokens, span, active)
        finally:
            active.discard(id(obj))
    return _convert(obj, tokens, span, _active)


# Below this many bits an int always has fewer decimal digits than Python's conversion limit.
_LONG_INT_BITS = 10_000


def _printable(number: int) -> bool:
    try:
        str(number)
    except ValueError:  # more digits than sys.get_int_max_str_digits()
        return False
    return True


def _short_repr(value: object) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


def _convert(obj: object, tokens: TokenTable, span: Span | None, active: set[int] | None) -> Value:
    if isinstance(obj, float):
        if not math.isfinite(obj):
            _unsupported(f"the float {obj!r} has no JSON form", span)
        return obj
    if isinstance(obj, str):
        return tokens.split(obj, span)
    if isinstance(obj, enum.Enum):
        return to_value(obj.value, tokens, span, active)
    if isinstance(obj, BaseModel):
        return {
            info.alias or name: to_value(getattr(obj, name), tokens, span, active)
            for name, info in type(obj).model_fields.items()
            if name in obj.__dict__
        }
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {
            f.name: to_value(getattr(obj, f.name), tokens, span, active)
            for f in dataclasses.fields(obj)
        }
    if isinstance(obj, Mapping):
        out: dict[str, Value] = {}
        for key, item in obj.items():
            if is_runtime(key):
                _unsupported(
                    "a runtime value cannot be a key: Conductor never resolves keys",
                    span,
                    "use a literal key",
                )
            if not isinstance(key, str):
                _unsupported(
                    f"key {_short_repr(key)} is a {type(key).__name__}; JSON keys are strings",
                    span,
                    "use a string key",
                )
            out[key] = to_value(item, tokens, span, active)
        return out
    if isinstance(obj, list | tuple):
        return [to_value(item, tokens, span, active) for item in obj]
    _unsupported(
        f"a {type(obj).__name__} has no Conductor JSON form",
        span,
        "use JSON values: str, int, float, bool, None, lists and dicts",
    )


def _unsupported(message: str, span: Span | None, hint: str | None = None) -> NoReturn:
    raise TraceError(UnsupportedValue(message, span, hint))
