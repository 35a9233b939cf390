"""JSON files with positions computed on request (flowdsl.jsonsource)."""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowdsl.diagnostics import BadName, MalformedExpression
from flowdsl.errors import LoadError
from flowdsl.ir.nodes import Span
from flowdsl.jsonsource import JsonDocument, PointerSpans, load_json, resolve_spans


def write(tmp_path: Path, text: str, name: str = "doc.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def at(document: JsonDocument, pointer: str) -> str:
    """The text from the position of ``pointer`` to the end of its line."""
    line, column = document.position(pointer)
    return document.text.split("\n")[line - 1][column - 1 :]


# -- loading --------------------------------------------------------------------------------


def test_load_parses_the_data(tmp_path: Path) -> None:
    document = load_json(write(tmp_path, '{"a": [1, 2]}'))
    assert document.data == {"a": [1, 2]}
    assert document.path == str(tmp_path / "doc.json")


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '{\n  "a": 1,\n  "b": [1, 2,]\n}\n')
    with pytest.raises(LoadError) as info:
        load_json(path)
    assert str(info.value) == f"{path}:3:14: malformed JSON: Expecting value"


def test_empty_file_is_malformed(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    with pytest.raises(LoadError, match=r":1:1: malformed JSON: Expecting value$"):
        load_json(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"nope\.json: no such file or directory"):
        load_json(tmp_path / "nope.json")


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="cannot read"):
        load_json(tmp_path)  # a directory


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{\n "a": "caf\xe9"\n}')
    with pytest.raises(LoadError, match=r"latin1.json:2:11: not UTF-8 text"):
        load_json(path)


def test_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}')
    document = load_json(path)
    assert document.data == {"a": 1}
    assert document.position("/a") == (1, 7)


# -- positions ------------------------------------------------------------------------------

DOC = """{
  "name": "wf",
  "tasks": [
    {"name": "a", "inputParameters": {"x": "${workflow.input.x}"}},
    {
      "name": "b",
      "inputParameters": {
        "fileLocation": "${a.output.fileLocation}",
        "list": [1, [2, {"deep": true}]]
      }
    }
  ],
  "a/b": {"c~d": 5},
  "": "empty key",
  "empty": {},
  "nothing": []
}
"""


@pytest.fixture
def document(tmp_path: Path) -> JsonDocument:
    return load_json(write(tmp_path, DOC))


def test_root(document: JsonDocument) -> None:
    assert document.position("") == (1, 1)


def test_member_value_not_key(document: JsonDocument) -> None:
    assert document.position("/name") == (2, 11)
    assert document.position("/tasks/1/inputParameters/fileLocation") == (8, 25)
    assert at(document, "/tasks/1/inputParameters/fileLocation").startswith('"${a.output')


def test_nested_pointers(document: JsonDocument) -> None:
    assert at(document, "/tasks/0").startswith('{"name": "a"')
    assert at(document, "/tasks/0/inputParameters/x") == '"${workflow.input.x}"}},'
    assert at(document, "/tasks/1/inputParameters/list/1/1/deep") == "true}]]"
    assert at(document, "/tasks/1/inputParameters/list/1/0").startswith("2, {")


def test_escaped_tokens(document: JsonDocument) -> None:
    assert at(document, "/a~1b/c~0d") == "5},"
    assert at(document, "/") == '"empty key",'


def test_missing_pointer_gives_the_deepest_value(document: JsonDocument) -> None:
    assert document.position("/tasks/7") == document.position("/tasks")
    assert document.position("/tasks/x") == document.position("/tasks")
    assert document.position("/nope/deeper") == (1, 1)
    assert document.position("/name/deeper") == document.position("/name")
    assert document.position("/empty/x") == document.position("/empty")
    assert document.position("/nothing/0") == document.position("/nothing")


def test_columns_count_characters_after_escapes_and_unicode(tmp_path: Path) -> None:
    text = '{"k\\u00e9y \\"q\\"": "é€😀\\n", "b": 1, "c": ["\\\\", "😀", 2]}'
    document = load_json(write(tmp_path, text))
    assert document.data['kéy "q"'] == "é€😀\n"
    assert document.position("/b") == (1, text.index('1, "c"') + 1)
    assert document.position("/c/2") == (1, text.index("2]") + 1)
    assert document.position('/kéy "q"') == (1, text.index('"é€') + 1)


def test_crlf_line_ends(tmp_path: Path) -> None:
    document = load_json(write(tmp_path, '{\r\n  "a": 1,\r\n  "b": 2\r\n}'))
    assert document.position("/b") == (3, 8)


def test_repeated_key_gives_the_last_as_json_loads_keeps(tmp_path: Path) -> None:
    document = load_json(write(tmp_path, '{"a": 1,\n "a": 2}'))
    assert document.data == {"a": 2}
    assert document.position("/a") == (2, 7)
    assert document.duplicate_keys() == [("", "a", 6, 15)]
    # A fresh document of the same text (as findings are resolved) finds the last too.
    assert JsonDocument(document.path, document.text).position("/a") == (2, 7)


def test_positions_need_no_parse(tmp_path: Path) -> None:
    document = JsonDocument("x.json", '{"a": {"b": [10, 20]}}')
    assert document.position("/a/b/1") == (1, 18)


def test_changed_text_does_not_raise() -> None:
    document = JsonDocument("x.json", '{"a": {"b": [10, 20 "c": 1}')
    assert document.position("/a/b/5") == document.position("/a/b")
    assert document.position("/a/c") == document.position("/a")


# -- laziness -------------------------------------------------------------------------------


def test_nothing_is_indexed_until_asked(tmp_path: Path) -> None:
    tasks = [{"name": f"t{i}", "inputParameters": {"x": i}} for i in range(50)]
    document = load_json(write(tmp_path, json.dumps({"name": "wf", "tasks": tasks}, indent=1)))
    assert document._line_starts is None
    assert document._index == {}
    document.position("/tasks/3/inputParameters/x")
    assert document._line_starts is not None
    tasks_at = document.offset("/tasks")
    # Only as far as needed: the first four tasks, not the other 46.
    assert len(document._index[tasks_at].items) == 4
    indexed = len(document._index)
    document.position("/tasks/3/inputParameters/x")
    assert len(document._index) == indexed


# -- every pointer of random documents --------------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(alphabet='ab/~é "', max_size=3), children, max_size=4)
    ),
    max_leaves=20,
)


def _pointers(value: Any, pointer: str = "") -> list[tuple[str, Any]]:
    out = [(pointer, value)]
    if isinstance(value, dict):
        for key, item in value.items():
            token = key.replace("~", "~0").replace("/", "~1")
            out.extend(_pointers(item, f"{pointer}/{token}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.extend(_pointers(item, f"{pointer}/{index}"))
    return out


@settings(max_examples=200)
@given(JSON, st.sampled_from([None, 0, 1, 4]), st.booleans())
def test_every_pointer_finds_its_value(value: Any, indent: int | None, ascii_only: bool) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    document = JsonDocument("x.json", text, value)
    decoder = json.JSONDecoder()
    lines = text.split("\n")
    for pointer, expected in _pointers(value):
        offset = document.offset(pointer)
        assert decoder.raw_decode(text, offset)[0] == expected
        line, column = document.position(pointer)
        assert sum(len(x) + 1 for x in lines[: line - 1]) + column - 1 == offset


# -- resolve_spans ----------------------------------------------------------------------------


def test_resolve_spans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, DOC, "wf.json")
    with_pointer = MalformedExpression(
        "m", Span("wf.json", pointer="/tasks/1/inputParameters/list")
    )
    python_span = BadName("n", Span("wf.py", 3, 5))
    no_span = BadName("no span")
    resolved_already = BadName("r", Span("wf.json", 1, 1, "/name"))
    missing_file = BadName("gone", Span("gone.json", pointer="/x"))
    documents: dict[str, JsonDocument | None] = {}
    out = resolve_spans(
        [with_pointer, python_span, no_span, resolved_already, missing_file], documents
    )
    assert out[0] == MalformedExpression(
        "m", Span("wf.json", 9, 17, "/tasks/1/inputParameters/list")
    )
    assert type(out[0]) is MalformedExpression
    assert out[1:] == [python_span, no_span, resolved_already, missing_file]
    assert set(documents) == {"wf.json", "gone.json"}
    assert documents["gone.json"] is None
    # A second call reuses the cache: the file is not read again.
    (tmp_path / "wf.json").unlink()
    assert resolve_spans([with_pointer], documents) == [out[0]]


# -- what Conductor's parser reads (Jackson as ObjectMapperProvider configures it) ----------


def test_text_after_the_value_is_read_as_conductor_reads_it(tmp_path: Path) -> None:
    document = load_json(write(tmp_path, '{"a": 1}\n  // exported\n'))
    assert document.data == {"a": 1}
    assert document.trailing is not None
    assert document.line_column(document.trailing) == (2, 3)
    assert load_json(write(tmp_path, '{"a": 1}\n\n')).trailing is None


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_numbers_are_refused_with_their_position(tmp_path: Path, constant: str) -> None:
    with pytest.raises(LoadError, match=rf"doc.json:2:7: malformed JSON: `{constant}`"):
        load_json(write(tmp_path, f'{{"a": 1,\n "b": {constant}}}'))


@pytest.mark.parametrize(
    "text", ['// c\n{"a": 1}', '{"a": 1,}', '{"a": 01}', "{'a': 1}", '{"a": "x\ty"}', "  "]
)
def test_what_jackson_refuses_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(LoadError, match="malformed JSON"):
        load_json(write(tmp_path, text))


# -- spans made on request ------------------------------------------------------------------


def _eager(file: str, prefix: str, keys: dict[str, Any]) -> dict[str, Span]:
    return {k: Span(file, pointer=prefix + k.replace("~", "~0").replace("/", "~1")) for k in keys}


def test_pointer_spans_read_one_at_a_time() -> None:
    keys = {"name": 1, "a/b~c": 2, "type": 3}
    spans = PointerSpans.of("f.json", "/tasks/0/", keys)
    assert len(spans) == 3 and "type" in spans and "other" not in spans
    assert dict.__len__(spans) == 0  # nothing made yet
    assert spans["a/b~c"] == Span("f.json", pointer="/tasks/0/a~1b~0c")
    assert spans.get("type") == Span("f.json", pointer="/tasks/0/type")
    assert spans.get("type") is spans["type"]  # made once
    assert spans.get("other") is None
    assert spans.get("other", Span("x")) == Span("x")
    with pytest.raises(KeyError):
        spans["other"]
    assert dict.__len__(spans) == 2


def test_pointer_spans_are_the_dict_made_at_once() -> None:
    keys = {"name": 1, "a/b~c": 2, "type": 3, "inputParameters": {}}
    eager = _eager("f.json", "/tasks/0/", keys)
    made = {"type": Span("f.json", pointer="/tasks/0/type")}

    def fresh() -> PointerSpans:
        spans = PointerSpans.of("f.json", "/tasks/0/", keys, made)
        spans.get("a/b~c")  # some made, out of order
        return spans

    assert fresh() == eager and eager == fresh()
    assert (fresh() != eager) is False and (eager != fresh()) is False
    assert fresh() == fresh()
    assert list(fresh()) == list(eager)  # the object's key order
    assert list(fresh().items()) == list(eager.items())
    assert list(fresh().values()) == list(eager.values())
    assert list(fresh().keys()) == list(eager.keys())
    assert list(reversed(fresh())) == list(reversed(eager))
    assert set(fresh()) == set(eager) and sorted(fresh()) == sorted(eager)
    assert repr(fresh()) == repr(eager)
    assert dict(fresh()) == eager and {**fresh()} == eager
    assert fresh().copy() == eager and type(fresh().copy()) is dict
    assert fresh() | {} == eager and {} | fresh() == eager
    assert copy.copy(fresh()) == eager and copy.deepcopy(fresh()) == eager
    assert pickle.loads(pickle.dumps(fresh())) == eager
    assert fresh() != _eager("g.json", "/tasks/0/", keys)
    assert bool(PointerSpans.of("f.json", "/", {})) is False
    assert PointerSpans() == {} and PointerSpans(a=Span("x")) == {"a": Span("x")}


def test_pointer_spans_changed_like_a_dict() -> None:
    keys = {"a": 1, "b": 2}
    spans = PointerSpans.of("f.json", "/", keys)
    spans["c"] = Span("x")
    assert list(spans) == ["a", "b", "c"]
    del spans["a"]
    assert spans == {"b": Span("f.json", pointer="/b"), "c": Span("x")}
    assert "a" not in spans and keys == {"a": 1, "b": 2}  # the object is untouched
    spans = PointerSpans.of("f.json", "/", keys)
    assert spans.pop("a") == Span("f.json", pointer="/a") and list(spans) == ["b"]
    spans = PointerSpans.of("f.json", "/", keys)
    spans.update(c=Span("x"))
    assert list(spans) == ["a", "b", "c"]
    spans = PointerSpans.of("f.json", "/", keys)
    assert spans.setdefault("a", Span("x")) == Span("f.json", pointer="/a")
    spans = PointerSpans.of("f.json", "/", keys)
    spans |= {"c": Span("x")}
    assert list(spans) == ["a", "b", "c"]
    spans = PointerSpans.of("f.json", "/", keys)
    assert spans.popitem() == ("b", Span("f.json", pointer="/b"))
    spans = PointerSpans.of("f.json", "/", keys)
    spans.clear()
    assert spans == {} and len(spans) == 0
    target: dict[str, Span] = {}
    target.update(PointerSpans.of("f.json", "/", keys))
    assert target == _eager("f.json", "/", keys)
