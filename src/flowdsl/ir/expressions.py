"""Conductor parameter strings -> IR values, the way ``ParametersUtils`` reads them.

Conductor resolves every string in a task's ``inputParameters`` (and a workflow's
``outputParameters``) with ``ParametersUtils.replaceVariables`` (3.32.3):

* An expression starts at a ``${`` that is **not** preceded by ``$`` and ends at the brace
  that balances it. Matching resumes after it, so ``${`` inside a match is never a match of
  its own at that level.
* The text between the braces is a Jayway JsonPath without the leading ``$.``; the
  expressions nested in it are resolved first (``${a.output[${b.output.i}]}``).
* A string that is exactly one expression keeps the type of the value it reads. Anything
  else becomes a string, in which every ``$${`` is then turned into ``${``, once.
* A ``${`` that never closes stops the matching: Conductor's pattern finds no further
  expression in the string.

All of this was checked against the 3.32.3 release itself: its ``PATTERN`` under
java.util.regex agrees with :func:`scan` on 100k random strings over ``${}$.a``, newlines and
blanks, and ``ParametersUtils.replace`` gives what the IR from :func:`parse_string` says
(value, type, text) for 7k random problem-free strings of expressions, escapes and braces.

:func:`parse_string` turns a string into a literal ``str``, a :class:`~flowdsl.ir.nodes.Ref`
(the whole string is one expression) or a :class:`~flowdsl.ir.nodes.Template`, such that
``flowdsl.emit.conductor.resolved_value(value)`` gives back the exact string whenever no
:class:`ExpressionProblem` was found.

The path inside ``${...}`` becomes ``Ref(source, root, path, tail)``:

* ``source``: the first dotted segment: ``workflow``, a taskReferenceName, or a name
  Conductor substitutes itself (:data:`ENV_NAMES`, with ``root`` None). It is ``""`` when
  the first segment is computed by a nested expression (``${${workflow.input.ref}.output}``):
  the reference is then only known at run time.
* ``root``: the second segment when it is a plain name (``input``, ``output``, ``secrets``,
  ``env``...), else None.
* ``path``: the plain keys (``.key``), integer indexes (``[0]``, ``[-1]``) and quoted keys
  (``['a b']``) after that, as long as :attr:`Ref.jsonpath` writes them back unchanged.
* ``tail``: the rest of the path verbatim, from the first element that is not plain on:
  ``[*]``, ``..``, filters ``[?(...)]``, slices, functions ``.length()``, ``['a','b']``, a
  quoted key that is also a plain name (``['id']``, which would be written back as ``.id``),
  and any nested expression (whose refs are in ``nested``).

Problems (:class:`ExpressionProblem`), by ``kind``. A match with a problem is kept in the
IR as literal text, so no check reads a reference from it, except ``root`` and ``bracket``:
Jayway resolves those at run time (only registration refuses them, and only in top-level
tasks' inputs), so they still become a Ref (``${$.a.output}`` reads as ``${a.output}``):

``unbalanced``
    ``${`` without a closing brace. Conductor leaves it, and everything after it, as text.
``empty``
    ``${}`` or ``${  }``: registration rejects it ("input parameter value:  is not valid").
``root``
    A path starting with ``$`` or ``@`` (``${$.workflow.input.x}``): registration reads
    ``$`` as the task reference name and rejects it. In a script (``script=True``) it is
    almost surely a JavaScript template literal (``${$.name}``) and stays text.
``bracket``
    The first segment is bracketed or indexed (``${['a']}``, ``${x['output']}``,
    ``${t[0]}``): registration takes everything up to the first ``.`` as the reference name.
``literal``
    Text that is clearly not a JsonPath, so the author most likely meant it literally
    (a JavaScript template literal, a shell variable) and should have written ``$${``.
    Deliberately narrow: outside brackets, the path has whitespace (``${a + 1}``,
    ``${ name }``; Jayway refuses blanks in dotted names), one of ``+ = < > ! & | ? ; ,``,
    a quote or backtick, a backslash, a brace that is not a nested expression, or a call
    that is not one of Jayway's functions on a later segment (``${foo()}``,
    ``${s.toUpperCase()}``). ``${name}`` alone is a valid path: checks report it as an
    unknown reference instead.
``invalid``
    Other paths Jayway cannot compile or registration rejects: an empty segment
    (``${.a}``, ``${a.}``, ``${a...b}``) or unbalanced brackets or parentheses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, TypeAlias

from flowdsl.ir.nodes import Ref, Span, Template, _is_plain_key

ProblemKind: TypeAlias = Literal[
    "unbalanced", "empty", "root", "bracket", "literal", "invalid", "padded", "blank_start"
]

# Names ParametersUtils substitutes itself (EnvUtils.SystemParameters); refs with root None.
ENV_NAMES = frozenset({"CPEWF_TASK_ID", "NETFLIX_ENV", "NETFLIX_STACK"})
# ``${workflow.<root>...}`` prefixes special-cased by ParametersUtils (not workflow fields).
SPECIAL_WORKFLOW_ROOTS = frozenset({"secrets", "env"})
# Jayway JsonPath 2.9.0 PathFunctionFactory.
JSONPATH_FUNCTIONS = frozenset(
    {
        "avg",
        "stddev",
        "sum",
        "min",
        "max",
        "concat",
        "length",
        "size",
        "append",
        "keys",
        "first",
        "last",
        "index",
    }
)


@dataclass(frozen=True, slots=True)
class ExpressionProblem:
    """Something wrong with one ``${...}`` in a string; ``offset`` is where its ``${`` is."""

    kind: ProblemKind
    message: str
    offset: int


def unescape(text: str) -> str:
    """Literal text as Conductor leaves it: every ``$${`` becomes ``${``, once."""
    return text.replace("$${", "${")


def scan(text: str) -> tuple[list[tuple[int, int]], int | None]:
    """The expressions Conductor matches in ``text``, as ``(start, end)`` slices, and the
    offset of the first ``${`` that never closes (None if there is none)."""
    matches: list[tuple[int, int]] = []
    find = text.find
    i = find("${")
    while i != -1:
        if i > 0 and text[i - 1] == "$":
            i = find("${", i + 1)
            continue
        end = _closing(text, i + 1)
        if end is None:
            return matches, i
        matches.append((i, end))
        i = find("${", end)
    return matches, None


_BRACES = re.compile(r"[{}]")


def _closing(text: str, open_at: int) -> int | None:
    """The end (exclusive) of the brace group opening at ``open_at``, or None."""
    close = text.find("}", open_at)
    if close == -1:
        return None
    after = text.find("{", open_at + 1, close)
    if after == -1:
        return close + 1  # no brace in between: the common case
    depth = 0
    for match in _BRACES.finditer(text, open_at):
        if match.group() == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return match.end()
    return None


def parse_string(
    text: str, span: Span | None = None, *, script: bool = False
) -> tuple[str | Ref | Template, list[ExpressionProblem]]:
    """A Conductor parameter string as an IR value, and what is wrong in it.

    ``script``: the string is JavaScript (an INLINE ``expression``, a LAMBDA
    ``scriptExpression``), so a ``${$...}`` is taken for a template literal and kept as text.
    """
    if "${" not in text:
        return text, []
    if text.startswith("${") and text.endswith("}"):
        # The common case: the whole string is one plain reference. (With pos and endpos,
        # fullmatch reads text[2:-1] as if sliced: the pattern has no anchors nor lookaround.)
        match = _SIMPLE.fullmatch(text, 2, len(text) - 1)
        if match is not None:
            return _simple_ref(match, span), []
    matches, unclosed = scan(text)
    problems: list[ExpressionProblem] = []
    if len(matches) == 1 and unclosed is None and matches[0] == (0, len(text)):
        ref = _expression(text, 0, len(text), span, problems, script)
        return (ref if ref is not None else text), problems

    parts: list[str | Ref] = []
    last = 0  # end of the last Ref; a match with a problem stays in the literal text
    for start, end in matches:
        ref = _expression(text, start, end, span, problems, script)
        if ref is None:
            continue
        if start > last:
            parts.append(unescape(text[last:start]))
        parts.append(ref)
        last = end
    if unclosed is not None:
        problems.append(
            ExpressionProblem(
                "unbalanced",
                f"`{_excerpt(text[unclosed:])}` opens `${{` without a closing `}}`: "
                "Conductor resolves nothing from there to the end of the string",
                unclosed,
            )
        )
    rest = unescape(text[last:])
    if not parts:
        return rest, problems
    if rest:
        parts.append(rest)
    return Template(tuple(parts)), problems


def _expression(
    text: str,
    start: int,
    end: int,
    span: Span | None,
    problems: list[ExpressionProblem],
    script: bool = False,
) -> Ref | None:
    """The Ref for ``text[start:end]`` (one ``${...}``), or None to keep it as text.

    Problems go to ``problems``. Of the expressions with a problem, only the ones Conductor
    does resolve at run time (``root`` ``${$.x}`` and ``bracket`` ``${x['y']}``, refused only
    by registration, in top-level tasks) still become a Ref.
    """
    inner = text[start + 2 : end - 1]
    simple = _simple(inner, span)
    if simple is not None:
        return simple
    base = start + 2
    nested_matches, _ = scan(inner)  # inner braces balance: nothing is left unclosed
    nested: list[Ref] = []
    ok = True
    for n_start, n_end in nested_matches:
        sub: list[ExpressionProblem] = []
        ref = _expression(inner, n_start, n_end, span, sub, script)
        for problem in sub:
            problems.append(ExpressionProblem(problem.kind, problem.message, problem.offset + base))
        if ref is None:
            ok = False
        else:
            nested.append(ref)
    # The path with nested expressions masked, offsets kept.
    masked = inner
    for n_start, n_end in reversed(nested_matches):
        masked = masked[:n_start] + "\0" * (n_end - n_start) + masked[n_end:]
    padded = _blanks(masked, text[start:end], start, ok)
    if padded is not None:
        problems.append(padded)
        if padded.kind == "padded":
            size = len(masked.rstrip())
            return _ref(inner[:size], masked[:size], span, tuple(nested))
        return None
    found = _classify(masked, text[start:end])
    if found is not None:
        kind, message = found
        problems.append(ExpressionProblem(kind, message, start))
        if not ok:
            return None
        if kind == "bracket" and masked[0] != "[":
            return _ref(inner, masked, span, tuple(nested))
        if kind == "root" and not script and masked.startswith("$.") and len(masked) > 2:
            # Jayway reads `$.x` as `x`: the Ref is that of the rest, if it is clean.
            rest = masked[2:]
            if _classify(rest, "") is None:
                return _ref(inner[2:], rest, span, tuple(nested))
        return None
    if not ok:
        return None
    return _ref(inner, masked, span, tuple(nested))


def _blanks(masked: str, expression: str, start: int, ok: bool) -> ExpressionProblem | None:
    """Blanks around an otherwise clean path (checked on the 3.32.3 server): trailing
    blanks are ignored (``${workflow.input.x }`` reads x), leading ones are not: registration
    rejects ``${ workflow.input.x}`` in a top-level task ("input parameter value:
    workflow.input.x is not valid") and a nested task gets null."""
    if not ok or not masked.strip():
        return None
    core = masked.strip()
    if "." not in core or _classify(core, "") is not None:
        return None  # `${ name }` is more likely a JavaScript template literal
    shown = _excerpt(expression)
    if masked[0].isspace():
        return ExpressionProblem(
            "blank_start",
            f"`{shown}` starts with a blank, so it is not a reference: Conductor rejects it "
            "at registration in a top-level task and resolves it to null elsewhere",
            start,
        )
    if masked != core:
        return ExpressionProblem(
            "padded", f"`{shown}` ends in blanks, which Conductor ignores", start
        )
    return None


_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
# The common case, read without the general machinery: a name, then plain keys and indexes.
_SIMPLE = re.compile(rf"({_NAME})(?:\.({_NAME})((?:\.{_NAME}|\[(?:0|[1-9][0-9]*)\])*))?")
_SIMPLE_ITEM = re.compile(rf"\.({_NAME})|\[([0-9]+)\]")


def _simple(inner: str, span: Span | None) -> Ref | None:
    match = _SIMPLE.fullmatch(inner)
    return None if match is None else _simple_ref(match, span)


def _simple_ref(match: re.Match[str], span: Span | None) -> Ref:
    source, root, rest = match.groups()
    if not rest:
        return Ref(source, root, (), "", span)
    if "[" in rest:
        path: tuple[str | int, ...] = tuple(
            key or int(index) for key, index in _SIMPLE_ITEM.findall(rest)
        )
    else:
        path = tuple(rest[1:].split("."))
    return Ref(source, root, path, "", span)


_SCRIPT_CHARS = frozenset("+=<>!&|?;,'\"`\\{}")


def _classify(masked: str, expression: str) -> tuple[ProblemKind, str] | None:
    """What is wrong with the path ``masked`` (nested expressions as NULs), if anything."""
    shown = _excerpt(expression)
    if not masked.strip():
        return (
            "empty",
            f"`{shown}` is empty: Conductor rejects it at registration "
            '("input parameter value:  is not valid")',
        )
    if masked[0] in "$@":
        return (
            "root",
            f"`{shown}` starts with `{masked[0]}`: Conductor reads the part before the "
            f"first `.` as the task reference name and rejects `{masked[0]}` at registration",
        )
    bracket = 0  # depth in [...]
    paren = 0  # depth in the arguments of a JsonPath function
    quote = ""
    segment_start = 0
    dots = 0  # consecutive dots
    first_end: str | None = None  # what ends the first segment: ".", "[" or None
    i = 0
    n = len(masked)
    while i < n:
        ch = masked[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif bracket or paren:
            if ch in "'\"":
                quote = ch
            elif ch == "[":
                bracket += 1
            elif ch == "]":
                bracket -= 1
            elif ch == "(":
                paren += 1
            elif ch == ")":
                paren -= 1
            if bracket < 0 or paren < 0:
                return "invalid", f"`{shown}` has an unbalanced bracket or parenthesis"
        elif ch.isspace() or ch in _SCRIPT_CHARS:
            what = "a blank" if ch.isspace() else f"`{ch}`"
            return (
                "literal",
                f"`{shown}` is not a Conductor expression ({what} outside brackets), but "
                "Conductor tries to resolve it and substitutes null",
            )
        elif ch == "(":
            name = masked[segment_start:i]
            if first_end is None or name not in JSONPATH_FUNCTIONS:
                return (
                    "literal",
                    f"`{shown}` calls `{name}()`, which is not a JsonPath function, but "
                    "Conductor tries to resolve it and substitutes null",
                )
            paren = 1
        elif ch in ")]":
            return "invalid", f"`{shown}` has an unbalanced bracket or parenthesis"
        elif ch == "[":
            if first_end is None:
                first_end = "["
            bracket = 1
            dots = 0
        elif ch == ".":
            if first_end is None:
                if i == 0:
                    return "invalid", f"`{shown}` starts with `.`: the reference name is empty"
                first_end = "."
            dots += 1
            if dots > 2 or i == n - 1:
                return "invalid", f"`{shown}` has an empty path segment"
            segment_start = i + 1
            i += 1
            continue
        dots = 0
        i += 1
    if bracket or paren or quote:
        return "invalid", f"`{shown}` has an unclosed bracket, parenthesis or quote"
    if first_end == "[":
        head = masked.split(".", 1)[0]
        return (
            "bracket",
            f"`{shown}`: Conductor takes everything before the first `.` (`{_excerpt(head)}`) "
            "for the task reference name and rejects it at registration",
        )
    return None


def _ref(inner: str, masked: str, span: Span | None, nested: tuple[Ref, ...]) -> Ref:
    first = _SEGMENT_END.search(masked)
    head = masked if first is None else masked[: first.start()]
    if "\0" in head:
        # The reference itself is computed at run time.
        return Ref("", None, (), inner, span, nested)
    source = inner[: len(head)]
    if first is None:
        return Ref(source, None, (), "", span, nested)
    dot = first.start()
    if masked[dot] == "[":  # `x['output']`: only registration refuses it
        return _checked(Ref(source, None, (), inner[dot:], span, nested), inner, source)
    pos = dot
    root, pos = _dotted(masked, pos)
    if root is None:
        return _checked(Ref(source, None, (), inner[dot:], span, nested), inner, source)
    path: list[str | int] = []
    n = len(masked)
    while pos < n:
        key: str | int | None
        if masked[pos] == ".":
            key, after = _dotted(masked, pos)
        else:
            key, after = _bracketed(masked, pos)
        if key is None:
            break
        path.append(key)
        pos = after
    ref = Ref(source, root, tuple(path), inner[pos:], span, nested)
    return _checked(ref, inner, source)


def _checked(ref: Ref, inner: str, source: str) -> Ref:
    # Ref.jsonpath writes the path back; should it ever differ, keep it all in the tail.
    if ref.jsonpath == inner:
        return ref
    return Ref(source, None, (), inner[len(source) :], ref.span, ref.nested)  # pragma: no cover


_SEGMENT_END = re.compile(r"[.\[]")
_INDEX = re.compile(r"\[(-?(?:0|[1-9][0-9]*))\]")
_QUOTED = re.compile(r"\['([^'\\\0]*)'\]")


def _dotted(masked: str, pos: int) -> tuple[str | None, int]:
    """``.name`` at ``pos`` as a plain key (one Ref.jsonpath writes back as ``.name``)."""
    found = _SEGMENT_END.search(masked, pos + 1)
    end = len(masked) if found is None else found.start()
    key = masked[pos + 1 : end]
    return (key, end) if _is_plain_key(key) else (None, pos)


def _bracketed(masked: str, pos: int) -> tuple[str | int | None, int]:
    """``[0]`` or ``['key']`` at ``pos``, when Ref.jsonpath writes it back the same way."""
    index = _INDEX.match(masked, pos)
    if index is not None:
        return int(index.group(1)), index.end()
    quoted = _QUOTED.match(masked, pos)
    if quoted is not None:
        key = quoted.group(1)
        if not _is_plain_key(key):
            return key, quoted.end()
    return None, pos


def expression_at(text: str, offset: int, limit: int = 60) -> str:
    """The ``${...}`` starting at ``offset`` (to the end if it never closes), shortened."""
    end = _closing(text, offset + 1)
    return _excerpt(text[offset:end], limit)


def _excerpt(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = [
    "ENV_NAMES",
    "JSONPATH_FUNCTIONS",
    "SPECIAL_WORKFLOW_ROOTS",
    "ExpressionProblem",
    "ProblemKind",
    "expression_at",
    "parse_string",
    "scan",
    "unescape",
]
