"""Emit: escaping, value forms and determinism, checked on generated values."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from flowdsl.emit.conductor import dumps, escape_literal, resolved_value
from flowdsl.ir.nodes import Ref, Template

# Conductor's ParametersUtils, reduced to what matters here: an expression starts at a "${"
# not preceded by "$"; afterwards every "$${" becomes "${" (ParametersUtils.java L56, L310).
_EXPR = re.compile(r"(?<!\$)\$\{")


def conductor_unescape(text: str) -> str:
    assert not _EXPR.search(text), f"Conductor would resolve an expression in {text!r}"
    return text.replace("$${", "${")


@given(st.text(alphabet=st.sampled_from(list("${}ab .")), max_size=30))
def test_escaped_literals_come_back_unchanged(text: str) -> None:
    assert conductor_unescape(escape_literal(text)) == text


json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
)
json_values = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_values_without_references_survive_emit(value: object) -> None:
    emitted = resolved_value(value)

    def unescape(v: object) -> object:
        if isinstance(v, str):
            return conductor_unescape(v)
        if isinstance(v, dict):
            return {k: unescape(x) for k, x in v.items()}
        if isinstance(v, list):
            return [unescape(x) for x in v]
        return v

    assert unescape(emitted) == value
    assert dumps({"v": emitted}) == dumps({"v": json.loads(json.dumps(emitted))})


def test_references_and_templates() -> None:
    ref = Ref("resize_ref", "output", ("files", 0, "a b"))
    assert ref.expression == "${resize_ref.output.files[0]['a b']}"
    assert resolved_value(Template(("${x} ", ref, "!"))) == (
        "$${x} ${resize_ref.output.files[0]['a b']}!"
    )
    assert resolved_value({"k": [ref]}) == {"k": ["${resize_ref.output.files[0]['a b']}"]}


def test_dumps_is_canonical() -> None:
    assert dumps({"b": "é", "a": [1]}) == b'{\n  "b": "\xc3\xa9",\n  "a": [\n    1\n  ]\n}\n'
