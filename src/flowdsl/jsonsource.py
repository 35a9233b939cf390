"""JSON source files, with line and column numbers computed only when a finding needs them.

The IR built from JSON carries RFC 6901 pointers (``Span.pointer``), not line numbers:
finding the position of every value of a 20k-task file would cost more than checking it.
:meth:`JsonDocument.position` turns a pointer into a 1-based line and column on request:

* the first request builds the table of line starts (one pass over the text, in C);
* each object or array on the way down is indexed once (the offsets of its members, found
  with the C scanner of :mod:`json`) and cached, so later requests cost the pointer's depth.

Columns count characters (code points), as Python's own JSON errors do; a UTF-8 byte order
mark is not counted. :func:`resolve_spans` fills in the line and column of findings whose
span has a pointer.

Spans themselves are made on request too: :class:`PointerSpans` holds the spans of the
members of one JSON object (a task's ``field_spans``...) and makes each when it is read.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from itertools import accumulate
from pathlib import Path
from typing import Any, cast

from flowdsl.diagnostics import Diagnostic
from flowdsl.errors import LoadError
from flowdsl.files import read_regular
from flowdsl.ir.nodes import Span

# The C scanner of the json module: (value, end) for the value starting at an index, and
# (text, end) for the string whose opening quote is just before an index.
_SCAN_ONCE = cast(Callable[[str, int], tuple[Any, int]], json.JSONDecoder().scan_once)  # type: ignore[attr-defined]
_SCANSTRING = cast(Callable[[str, int], tuple[str, int]], json.decoder.scanstring)  # type: ignore[attr-defined]
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_UNSET: Any = object()


class JsonDocument:
    """One JSON file: its text, its data (parsed on first use) and positions on request."""

    __slots__ = ("_data", "_index", "_line_starts", "_trailing", "has_duplicates", "path", "text")

    def __init__(self, path: str, text: str, data: Any = _UNSET) -> None:
        self.path = path
        self.text = text
        self._data = data
        self._trailing: int | None = None
        self._line_starts: list[int] | None = None
        # offset of an object or array -> what is known of its members so far
        self._index: dict[int, _Members] = {}
        # Whether some object repeats a key: None until known (then a lookup reads a whole
        # object to find the last occurrence of a key, the one json.loads keeps).
        self.has_duplicates: bool | None = None
        if data is _UNSET and _UNIQUE_KEYS.get(path) == hash(text):
            self.has_duplicates = False

    @property
    def data(self) -> Any:
        if self._data is _UNSET:
            self._data, self._trailing, self.has_duplicates = _parse_checked(self.path, self.text)
        return self._data

    def duplicate_keys(self) -> list[tuple[str, str, int, int]]:
        """Every key written again later in the same object: (pointer of the object, key,
        offset of the value that is not used, offset of the value that is), in file order."""
        if not self.has_duplicates:
            return []
        found: list[tuple[str, str, int, int]] = []
        for pointer in _objects_with_duplicates(self.text):
            at = self.offset(pointer)
            members = _Members.start(self.text, at)
            if members is None or members.keys is None:
                continue
            offsets: dict[str, list[int]] = {}
            for key, value_at in members.all_members(self.text):
                offsets.setdefault(key, []).append(value_at)
            for key, places in offsets.items():
                found.extend((pointer, key, place, places[-1]) for place in places[:-1])
        return sorted(found, key=lambda item: item[2])

    @property
    def trailing(self) -> int | None:
        """Offset of the text after the JSON value, which Conductor's parser ignores
        (None when there is none)."""
        _ = self.data
        return self._trailing

    def position(self, pointer: str) -> tuple[int, int]:
        """1-based line and column of the value at ``pointer``.

        For an object member that is the value, not its key. A pointer that leads nowhere
        gives the position of the deepest value it does reach. Of a key repeated in one
        object, the last is found: the one json.loads (and Conductor's Jackson) keeps.
        """
        return self.line_column(self.offset(pointer))

    def offset(self, pointer: str) -> int:
        """Index in :attr:`text` of the value at ``pointer`` (or of its deepest ancestor)."""
        at = _skip(self.text, 0)
        if pointer:
            for token in pointer.split("/")[1:]:
                found = self._member(at, token)
                if found is None:
                    break
                at = found
        return at

    def line_column(self, offset: int) -> tuple[int, int]:
        """1-based line and column of an index in :attr:`text`."""
        starts = self._line_starts
        if starts is None:
            starts = [0, *accumulate(len(line) + 1 for line in self.text.split("\n"))]
            self._line_starts = starts
        line = bisect.bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def _member(self, at: int, token: str) -> int | None:
        """The offset of member ``token`` of the object or array at ``at``.

        Members are indexed as far as needed and no further: finding ``/tasks`` does not
        read the tasks, finding ``/tasks/3`` reads only the first four.
        """
        members = self._index.get(at)
        if members is None:
            members = _Members.start(self.text, at)
            if members is None:
                return None  # a scalar: the pointer goes deeper than the document
            self._index[at] = members
        if members.keys is not None:
            key = token.replace("~1", "/").replace("~0", "~") if "~" in token else token
            return members.find_key(self.text, key, last=self.has_duplicates is not False)
        if token.isascii() and token.isdigit():
            return members.find_index(self.text, int(token))
        return None


class _Members:
    """The members of one object or array found so far, and where reading stopped.

    The value of the last member found is not read until a later member is asked for, so
    finding ``/tasks`` never reads the tasks.
    """

    __slots__ = ("items", "keys", "next", "pending")

    def __init__(self, keys: dict[str, int] | None, next_at: int) -> None:
        self.keys = keys  # object: key -> offset of its value (None for an array)
        self.items: list[int] = []  # array: offsets of the elements
        self.next = next_at  # where the next member starts; -1 once all are read
        self.pending = -1  # offset of the last value found, not yet read past

    @classmethod
    def start(cls, text: str, at: int) -> _Members | None:
        opener = text[at : at + 1]
        if opener not in ("{", "["):
            return None
        first = _skip(text, at + 1)
        members = cls({} if opener == "{" else None, first)
        if text[first : first + 1] in ("}", "]"):
            members.next = -1
        return members

    def find_key(self, text: str, key: str, last: bool = False) -> int | None:
        """The offset of the value of ``key``; with ``last``, of its last occurrence (the
        object is then read to its end)."""
        keys = self.keys
        assert keys is not None
        found = keys.get(key)
        while found is None and self._advance(text):
            found = keys.get(key)
        if found is not None and last and self.next != -1 and _may_recur(text, key, found):
            while self._advance(text):
                pass
            found = keys.get(key)
        return found

    def find_index(self, text: str, index: int) -> int | None:
        items = self.items
        while len(items) <= index and self._advance(text):
            pass
        return items[index] if index < len(items) else None

    def all_members(self, text: str) -> list[tuple[str, int]]:
        """(key, value offset) of every member of a fresh object index, repeated keys
        included."""
        out: list[tuple[str, int]] = []
        i = self.next
        try:
            while i != -1:
                key, i = _SCANSTRING(text, i + 1)
                i = _skip(text, i)
                if text[i] != ":":
                    break
                i = _skip(text, i + 1)
                out.append((key, i))
                _, i = _SCAN_ONCE(text, i)
                i = _skip(text, i)
                i = _skip(text, i + 1) if text[i] == "," else -1
        except (ValueError, IndexError, StopIteration):
            pass
        return out

    def _advance(self, text: str) -> bool:
        """Read one more member; False when there are no more."""
        try:
            if self.pending != -1:
                _, i = _SCAN_ONCE(text, self.pending)
                self.pending = -1
                i = _skip(text, i)
                self.next = _skip(text, i + 1) if text[i] == "," else -1
            i = self.next
            if i == -1:
                return False
            if self.keys is not None:
                key, i = _SCANSTRING(text, i + 1)
                i = _skip(text, i)
                if text[i] != ":":
                    raise ValueError("expected ':'")
                i = _skip(text, i + 1)
                self.keys[key] = i  # a repeated key: the last wins, as in json.loads
            else:
                self.items.append(i)
            self.pending = i
        except (ValueError, IndexError, StopIteration):
            self.next = self.pending = -1  # not JSON (changed since it was read): stop
            return False
        return True


def _may_recur(text: str, key: str, at: int) -> bool:
    """Whether ``key`` may be written again as a key after ``at``. False only when it surely
    is not: its JSON form followed by ``:`` is nowhere after, and no escape could spell it
    differently (``\\u``, ``\\/``). Spares reading a whole object to find a last occurrence."""
    pattern = re.compile(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:")
    return (
        pattern.search(text, at) is not None
        or text.find("\\u", at) != -1
        or text.find("\\/", at) != -1
    )


def _skip(text: str, at: int) -> int:
    match = _WHITESPACE.match(text, at)
    return match.end() if match else at


# path -> hash of the text of the files parsed and found to repeat no key in any object.
_UNIQUE_KEYS: dict[str, int] = {}


class _Pairs(list[tuple[str, Any]]):
    """An object as parsed with every member, repeated keys included."""


def _parse_checked(path: str, text: str) -> tuple[Any, int | None, bool]:
    """The data (as Conductor's parser reads it: of a repeated key, the last value), the
    offset of any text after it, and whether some object repeats a key."""
    repeated: list[bool] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            repeated.append(True)
        return obj

    data, trailing = _parse(path, text, pairs_hook)
    if repeated:
        _UNIQUE_KEYS.pop(path, None)
    else:
        _UNIQUE_KEYS[path] = hash(text)
    return data, trailing, bool(repeated)


def escape_token(key: str) -> str:
    """One RFC 6901 reference token."""
    if "~" in key or "/" in key:
        return key.replace("~", "~0").replace("/", "~1")
    return key


_ABSENT: Any = object()


class PointerSpans(dict[str, Span]):
    """The spans of the members of one JSON object: ``Span(file, pointer=prefix + key)``
    for every key, made when first asked for.

    The reader gives every task a span for each of its keys and inputs; making them all
    cost more than the rest of reading a task (issue 11), and the checks ask for the few of
    their findings. Reading one (``spans[key]``, ``get``) makes that one; ``in`` and
    ``len`` need none. Anything else (iterating, comparing, copying, changing) first makes
    them all, in the object's key order, and from then on this is an ordinary dict, equal
    to the one made at once. ``keys`` is the object as read, which nothing changes.
    """

    __slots__ = ("_file", "_keys", "_prefix")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._file = ""
        self._prefix = ""
        self._keys: Mapping[str, object] | None = None  # None once every span is made

    @classmethod
    def of(
        cls,
        file: str,
        prefix: str,
        keys: Mapping[str, object],
        made: Mapping[str, Span] | None = None,
    ) -> PointerSpans:
        """The spans of the members of ``keys``, whose pointers are ``prefix`` + the key;
        ``made``: spans of some of them made already."""
        spans = cls.__new__(cls)
        if made:
            dict.update(spans, made)
        spans._file = file
        spans._prefix = prefix
        spans._keys = keys
        return spans

    def _make(self, key: str) -> Span:
        span = Span(self._file, None, None, self._prefix + escape_token(key))
        dict.__setitem__(self, key, span)
        return span

    def _fill(self) -> None:
        keys = self._keys
        if keys is None:
            return
        self._keys = None
        made = dict.copy(self)
        dict.clear(self)
        file, prefix = self._file, self._prefix
        for key in keys:
            span = made.get(key)
            if span is None:
                span = Span(file, None, None, prefix + escape_token(key))
            dict.__setitem__(self, key, span)

    # Reading one span, or whether there is one: without making the others.

    def get(self, key: str, default: Any = None) -> Any:
        found = dict.get(self, key, _ABSENT)
        if found is not _ABSENT:
            return found
        keys = self._keys
        if keys is not None and key in keys:
            return self._make(key)
        return default

    def __getitem__(self, key: str) -> Span:
        found = dict.get(self, key, _ABSENT)
        if found is not _ABSENT:
            return cast(Span, found)
        keys = self._keys
        if keys is not None and key in keys:
            return self._make(key)
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        keys = self._keys
        return dict.__contains__(self, key) if keys is None else key in keys

    def __len__(self) -> int:
        keys = self._keys
        return dict.__len__(self) if keys is None else len(keys)

    # Everything else: on the dict of every span.

    def __iter__(self) -> Iterator[str]:
        self._fill()
        return dict.__iter__(self)

    def __reversed__(self) -> Iterator[str]:
        self._fill()
        return dict.__reversed__(self)

    def keys(self) -> Any:
        self._fill()
        return dict.keys(self)

    def values(self) -> Any:
        self._fill()
        return dict.values(self)

    def items(self) -> Any:
        self._fill()
        return dict.items(self)

    def __eq__(self, other: object) -> bool:
        self._fill()
        if isinstance(other, PointerSpans):
            other._fill()
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        self._fill()
        if isinstance(other, PointerSpans):
            other._fill()
        return dict.__ne__(self, other)

    __hash__ = None

    def __repr__(self) -> str:
        self._fill()
        return dict.__repr__(self)

    def __or__(self, other: Any) -> Any:
        self._fill()
        return dict.__or__(self, other)

    def __ror__(self, other: Any) -> Any:
        self._fill()
        return dict.__ror__(self, other)

    def __ior__(self, other: Any) -> Any:
        self._fill()
        return dict.__ior__(self, other)

    def __setitem__(self, key: str, value: Span) -> None:
        self._fill()
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: str) -> None:
        self._fill()
        dict.__delitem__(self, key)

    def copy(self) -> dict[str, Span]:
        self._fill()
        return dict.copy(self)

    def clear(self) -> None:
        self._fill()
        dict.clear(self)

    def pop(self, *args: Any) -> Any:
        self._fill()
        return dict.pop(self, *args)

    def popitem(self) -> tuple[str, Span]:
        self._fill()
        return dict.popitem(self)

    def setdefault(self, *args: Any) -> Any:
        self._fill()
        return dict.setdefault(self, *args)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._fill()
        dict.update(self, *args, **kwargs)

    def __reduce__(self) -> Any:
        # Copies and pickles: an ordinary dict's, of every span.
        self._fill()
        return dict, (dict.copy(self),)


def _objects_with_duplicates(text: str) -> list[str]:
    """Pointers of the objects that repeat a key (the text is known to be valid JSON)."""
    root = json.JSONDecoder(object_pairs_hook=_Pairs).raw_decode(text, _skip(text, 0))[0]
    found: list[str] = []
    stack: list[tuple[Any, str]] = [(root, "")]
    while stack:
        value, pointer = stack.pop()
        if isinstance(value, _Pairs):
            keys = [k for k, _ in value]
            if len(set(keys)) != len(keys):
                found.append(pointer)
            stack.extend((v, f"{pointer}/{escape_token(k)}") for k, v in value)
        elif isinstance(value, list):
            stack.extend((v, f"{pointer}/{i}") for i, v in enumerate(value))
    return found


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


# What Conductor's server parses a request body with (Jackson, as ObjectMapperProvider and
# ObjectMapperBuilderConfiguration in common/.../config/ set it up): the JSON standard, but
# DeserializationFeature.FAIL_ON_TRAILING_TOKENS stays off, so text after the first value
# is never read. Python's json differs in accepting NaN and Infinity, which Jackson refuses
# (JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS is off). Both take the last of duplicate keys
# and refuse comments, single quotes, trailing commas, leading zeros and raw control
# characters in strings. Checked on the 3.32.3 server (tests/integration/test_truth.py).
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _parse(
    path: str, text: str, pairs_hook: Callable[..., Any] | None = None
) -> tuple[Any, int | None]:
    """The first JSON value of ``text``, and the offset of any text after it."""
    start = _skip(text, 0)
    decoder = (
        _DECODER
        if pairs_hook is None
        else json.JSONDecoder(parse_constant=_reject_constant, object_pairs_hook=pairs_hook)
    )
    try:
        data, end = decoder.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise LoadError(f"{path}:{exc.lineno}:{exc.colno}: malformed JSON: {exc.msg}") from None
    except ValueError as exc:
        if str(exc) in ("NaN", "Infinity", "-Infinity"):
            raise _constant_error(path, text, str(exc)) from None
        raise _long_number_error(path, text) from None
    except RecursionError:
        raise LoadError(f"{path}: malformed JSON: nested too deeply") from None
    end = _skip(text, end)
    return data, (end if end < len(text) else None)


def _constant_error(path: str, text: str, name: str) -> LoadError:
    at = re.search(r"(?<![\w\"])-?" + name.lstrip("-") + r"(?![\w\"])", text)
    offset = at.start() if at else 0
    before = text[:offset]
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1) + 1
    return LoadError(
        f"{path}:{line}:{column}: malformed JSON: `{name}` is not a JSON number "
        "(Conductor's parser rejects it too)"
    )


def _long_number_error(path: str, text: str) -> LoadError:
    """An integer longer than sys.get_int_max_str_digits() digits."""
    limit = sys.get_int_max_str_digits()
    found = re.search(rf"\d{{{limit + 1},}}", text)
    where = _where(text, found.start()) if found else ""
    return LoadError(f"{path}{where}: a number with more than {limit} digits is too long to check")


def _where(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return f":{line}:{offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


def read_text(path: Path) -> str:
    """The file's text (UTF-8, an optional byte order mark dropped); LoadError if unreadable."""
    raw = read_regular(path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8", errors="replace")
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        raise LoadError(f"{path}:{line}:{column}: not UTF-8 text: {exc.reason}") from None


def load_json(path: Path) -> JsonDocument:
    """Read and parse a JSON file; LoadError for unreadable files and malformed JSON."""
    document = JsonDocument(str(path), read_text(path))
    _ = document.data
    return document


def resolve_spans(
    diagnostics: Iterable[Diagnostic],
    documents: MutableMapping[str, JsonDocument | None] | None = None,
) -> list[Diagnostic]:
    """The findings with line and column filled in wherever the span has only a pointer.

    ``documents`` caches the files read, by ``Span.file``; pass the same dict to several
    calls to read each file once. A file that can no longer be read keeps its findings
    without a line.
    """
    cache: MutableMapping[str, JsonDocument | None] = {} if documents is None else documents
    out: list[Diagnostic] = []
    for diagnostic in diagnostics:
        span = diagnostic.span
        if span is None or span.pointer is None or span.line is not None:
            out.append(diagnostic)
            continue
        if span.file in cache:
            document = cache[span.file]
        else:
            try:
                document = JsonDocument(span.file, read_text(Path(span.file)))
            except LoadError:
                document = None
            cache[span.file] = document
        if document is None:
            out.append(diagnostic)
            continue
        line, column = document.position(span.pointer)
        resolved = dataclasses.replace(span, line=line, column=column)
        out.append(dataclasses.replace(diagnostic, span=resolved))
    return out


__all__ = [
    "JsonDocument",
    "PointerSpans",
    "escape_token",
    "load_json",
    "read_text",
    "resolve_spans",
]
