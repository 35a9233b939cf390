"""Conductor parameter strings -> IR values (flowdsl.ir.expressions).

Tables marked "Conductor 3.32.3" were recorded by running the release's own code
(ParametersUtils.PATTERN with java.util.regex, ConstraintParamUtil.validateInputParam) on
the strings; see the module docstring of flowdsl.ir.expressions.
"""

from __future__ import annotations

import itertools
import re
from unittest import mock

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import flowdsl.ir.expressions as expressions_module
from flowdsl.emit.conductor import resolved_value
from flowdsl.ir.expressions import (
    ENV_NAMES,
    ExpressionProblem,
    _ref,
    _simple,
    parse_string,
    scan,
    unescape,
)
from flowdsl.ir.nodes import Ref, Span, Template


def parse(text: str) -> str | Ref | Template:
    value, problems = parse_string(text, None)
    assert problems == [], problems
    return value


def kinds(text: str) -> list[str]:
    return [p.kind for p in parse_string(text, None)[1]]


# -- plain values ---------------------------------------------------------------------------


def test_text_without_expressions_is_kept() -> None:
    assert parse_string("hello", None) == ("hello", [])
    assert parse("a $ { } $x {y}") == "a $ { } $x {y}"


def test_whole_string_expression_is_a_ref() -> None:
    span = Span("wf.json", pointer="/tasks/0/inputParameters/x")
    value, problems = parse_string("${workflow.input.fileLocation}", span)
    assert problems == []
    assert value == Ref("workflow", "input", ("fileLocation",))
    assert isinstance(value, Ref)
    assert value.span == span


def test_text_around_an_expression_makes_a_template() -> None:
    value = parse("s3://${workflow.input.bucket}/out-${t1.output.id}.png")
    assert value == Template(
        (
            "s3://",
            Ref("workflow", "input", ("bucket",)),
            "/out-",
            Ref("t1", "output", ("id",)),
            ".png",
        )
    )


def test_adjacent_expressions() -> None:
    assert parse("${a.output.x}${b.output.y}") == Template(
        (Ref("a", "output", ("x",)), Ref("b", "output", ("y",)))
    )


def test_leading_space_makes_a_string() -> None:
    # Conductor keeps the type only when the expression is the whole string.
    assert parse(" ${workflow.input.n}") == Template((" ", Ref("workflow", "input", ("n",))))


def test_escaped_expression_is_literal_text() -> None:
    assert parse("$${workflow.input.x}") == "${workflow.input.x}"
    assert parse("$$${workflow.input.x}") == "$${workflow.input.x}"
    assert parse("pre $${x} ${workflow.input.q}") == Template(
        ("pre ${x} ", Ref("workflow", "input", ("q",)))
    )


def test_escape_right_before_an_expression() -> None:
    # `$${` is literal `${`; the `${x}` after it is a real expression.
    assert parse("$${${x.output}}") == Template(("${", Ref("x", "output"), "}"))


# -- paths ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("${workflow.input.a.b[0]}", Ref("workflow", "input", ("a", "b", 0))),
        ("${t.output.items[-1]}", Ref("t", "output", ("items", -1))),
        ("${t.output['key with space'].x}", Ref("t", "output", ("key with space", "x"))),
        ("${t.output['a.b']}", Ref("t", "output", ("a.b",))),
        ("${my-ref.output.my-key}", Ref("my-ref", "output", ("my-key",))),
        ("${t.output}", Ref("t", "output")),
        ("${t}", Ref("t", None)),
        ("${workflow}", Ref("workflow", None)),
        ("${workflow.variables.count}", Ref("workflow", "variables", ("count",))),
        ("${workflow.secrets.API_KEY}", Ref("workflow", "secrets", ("API_KEY",))),
        ("${workflow.env.REGION.sub}", Ref("workflow", "env", ("REGION", "sub"))),
        ("${CPEWF_TASK_ID}", Ref("CPEWF_TASK_ID", None)),
        ("${NETFLIX_ENV}", Ref("NETFLIX_ENV", None)),
        ("${NETFLIX_STACK}", Ref("NETFLIX_STACK", None)),
        ("${loop_ref.output['2'].inner.x}", Ref("loop_ref", "output", ("2", "inner", "x"))),
        ("${1abc.output.x}", Ref("1abc", "output", ("x",))),
        ("${t.output.café}", Ref("t", "output", ("café",))),
    ],
)
def test_plain_paths(text: str, ref: Ref) -> None:
    value = parse(text)
    assert value == ref
    assert isinstance(value, Ref)
    assert value.expression == text


def test_env_names() -> None:
    assert sorted(ENV_NAMES) == ["CPEWF_TASK_ID", "NETFLIX_ENV", "NETFLIX_STACK"]


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("${t.output.items[*].id}", Ref("t", "output", ("items",), "[*].id")),
        ("${t.output..status}", Ref("t", "output", (), "..status")),
        ("${t.output.items[?(@.x > 1)]}", Ref("t", "output", ("items",), "[?(@.x > 1)]")),
        ("${t.output.items[0:2]}", Ref("t", "output", ("items",), "[0:2]")),
        ("${t.output.items.length()}", Ref("t", "output", ("items",), ".length()")),
        ("${t.output['a','b']}", Ref("t", "output", (), "['a','b']")),
        ('${t.output["a b"]}', Ref("t", "output", (), '["a b"]')),
        # A quoted plain name would be written back as `.id`: kept verbatim instead.
        ("${t.output['id']}", Ref("t", "output", (), "['id']")),
        ("${t.output[00]}", Ref("t", "output", (), "[00]")),
        ("${t.output[ 0 ]}", Ref("t", "output", (), "[ 0 ]")),
        ("${t.*}", Ref("t", None, (), ".*")),
        ("${t..x}", Ref("t", None, (), "..x")),
        ("${t.output.a:b}", Ref("t", "output", (), ".a:b")),
    ],
)
def test_paths_with_a_tail(text: str, ref: Ref) -> None:
    value = parse(text)
    assert value == ref
    assert isinstance(value, Ref)
    assert value.expression == text


def test_nested_expressions() -> None:
    value = parse("${a.output.items[${b.output.i}]}")
    assert value == Ref("a", "output", ("items",), "[${b.output.i}]")
    assert isinstance(value, Ref)
    assert value.nested == (Ref("b", "output", ("i",)),)

    value = parse("${workflow.input.${workflow.input.key}}")
    assert value == Ref("workflow", "input", (), ".${workflow.input.key}")
    assert isinstance(value, Ref)
    assert value.nested == (Ref("workflow", "input", ("key",)),)


def test_deeply_nested_expressions() -> None:
    # ParametersUtilsTest.testNestedPathExpressions
    text = "${map.b[${map.${mapValue}[${index}]}]}"
    value = parse(text)
    assert isinstance(value, Ref)
    assert (value.source, value.root, value.tail) == ("map", "b", "[${map.${mapValue}[${index}]}]")
    (inner,) = value.nested
    assert (inner.source, inner.root, inner.tail) == ("map", None, ".${mapValue}[${index}]")
    assert inner.nested == (Ref("mapValue", None), Ref("index", None))
    assert value.expression == text


def test_computed_reference_name() -> None:
    value = parse("${${workflow.input.ref}.output.x}")
    assert value == Ref("", None, (), "${workflow.input.ref}.output.x")
    assert isinstance(value, Ref)
    assert value.nested == (Ref("workflow", "input", ("ref",)),)


def test_nested_refs_carry_the_span() -> None:
    span = Span("f.json", pointer="/x")
    value, _ = parse_string("${a.output[${b.output.i}]}", span)
    assert isinstance(value, Ref)
    assert value.nested[0].span == span


# -- problems -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "offset"),
    [
        ("${workflow.input.x", "unbalanced", 0),
        ("x ${a ${b.output}", "unbalanced", 2),
        ("${}", "empty", 0),
        ("${  }", "empty", 0),
        ("a${}b", "empty", 1),
        ("${$.workflow.input.x}", "root", 0),
        ("${@.x}", "root", 0),
        ("${['a']}", "bracket", 0),
        ("${x['output']}", "bracket", 0),
        ("${t[0].output}", "bracket", 0),
        ("${a + 1}", "literal", 0),
        ("${a+1}", "literal", 0),
        ("${foo()}", "literal", 0),
        ("${ name }", "literal", 0),
        ("${s.toUpperCase()}", "literal", 0),
        ("${x ? 'a' : 'b'}", "literal", 0),
        ("${a{b}}", "literal", 0),
        ("${a.}", "invalid", 0),
        ("${.a}", "invalid", 0),
        ("${a...b}", "invalid", 0),
        ("${a.b[}", "invalid", 0),
        ("${a.b]}", "invalid", 0),
        ("${a.length(}", "invalid", 0),
    ],
)
def test_problems(text: str, kind: str, offset: int) -> None:
    value, problems = parse_string(text, None)
    assert [(p.kind, p.offset) for p in problems] == [(kind, offset)]
    assert isinstance(problems[0], ExpressionProblem)
    assert problems[0].message
    if kind not in ("root", "bracket"):
        # A match with a problem is not read as a reference...
        assert value == text


def test_problems_conductor_resolves_at_run_time_are_refs() -> None:
    # ...except where Jayway resolves it all the same (registration alone refuses it).
    assert parse_string("${$.workflow.input.x}", None)[0] == Ref("workflow", "input", ("x",))
    assert parse_string("a ${$.t.output} b", None)[0] == Template(("a ", Ref("t", "output"), " b"))
    assert parse_string("${x['output']}", None)[0] == Ref("x", None, (), "['output']")
    assert parse_string("${t[0].output}", None)[0] == Ref("t", None, (), "[0].output")
    for text in ("${['a']}", "${@.x}", "${$['a']}", "${$..x}", "${$.a b}", "${$}"):
        value, problems = parse_string(text, None)
        assert value == text
        assert [p.kind for p in problems] == [
            "root" if "$" in text[2:] or "@" in text else "bracket"
        ]


def test_script_keeps_dollar_paths_as_text() -> None:
    text = "(function(){ return `${$.a}-${workflow.input.b}`; })()"
    value, problems = parse_string(text, None, script=True)
    assert [(p.kind, p.offset) for p in problems] == [("root", 21)]
    assert value == Template(
        ("(function(){ return `${$.a}-", Ref("workflow", "input", ("b",)), "`; })()")
    )
    assert parse_string("${x['output']}", None, script=True)[0] == Ref("x", None, (), "['output']")


def test_problem_message_shows_the_text() -> None:
    (problem,) = parse_string("`Hello ${a + b}`", None)[1]
    assert "`${a + b}`" in problem.message


def test_problem_in_a_nested_expression() -> None:
    value, problems = parse_string("x ${a.output[${b c}]}", None)
    assert [(p.kind, p.offset) for p in problems] == [("literal", 13)]
    assert value == "x ${a.output[${b c}]}"


def test_good_expressions_beside_a_bad_one_are_kept() -> None:
    value, problems = parse_string("${a.output.x} ${a + 1} ${b.output.y}", None)
    assert kinds("${a.output.x} ${a + 1} ${b.output.y}") == ["literal"]
    assert problems[0].offset == 14
    assert value == Template((Ref("a", "output", ("x",)), " ${a + 1} ", Ref("b", "output", ("y",))))


def test_nothing_is_matched_after_an_unclosed_brace() -> None:
    # Conductor 3.32.3: PATTERN finds no expression after a `${` that never closes.
    value, problems = parse_string("${a.output} ${b ${c.output}", None)
    assert [p.kind for p in problems] == ["unbalanced"]
    assert value == Template((Ref("a", "output"), " ${b ${c.output}"))


# (string, rejected by ConstraintParamUtil.validateInputParam, Conductor 3.32.3; the
# workflow defines refs t, a, b, x, s, foo, name, map)
REGISTRATION = [
    ("${t.output.x}", False),
    ("${a + 1}", True),
    ("${foo()}", True),
    ("${ name }", True),
    ("${}", True),
    ("${  }", True),
    ("${$.workflow.input.x}", True),
    ("${['a']}", True),
    ("${x['output']}", True),
    ("${t[0]}", True),
    ("${a.}", True),
    ("${.a}", True),
    ("${a...b}", True),
    ("${t.output.length()}", False),
    ("${t.output[?(@.x > 1)]}", False),
    ("${workflow.input.${workflow.input.k}}", False),
    ("${${workflow.input.ref}.output.x}", False),
    ("${a+1}", True),
    ("${t.output.items[*].id}", False),
    ("${t.output..x}", False),
    ("`Hello ${$.name}`", True),
    ("${name}", False),
    ("${t.output.a b}", True),
    ("${t.output['a b']}", False),
    ("${CPEWF_TASK_ID}", False),
    ("${NETFLIX_ENV}", False),
    ("${x?y:z}", True),
    ("${t.b(}", True),
    ("${map.b[${map.${t}[${a}]}]}", False),
    ("${t.output[0:2]}", False),
    ("${t.output['a','b']}", False),
    ("${a{b}}", True),
]


@pytest.mark.parametrize(("text", "rejected"), REGISTRATION)
def test_problems_match_what_registration_rejects(text: str, rejected: bool) -> None:
    assert bool(parse_string(text, None)[1]) == rejected


def test_problems_registration_accepts() -> None:
    # Accepted at registration, but broken at run time: not a JsonPath function, and a
    # Jayway quirk that compiles an unclosed bracket. Reported anyway.
    assert kinds("${s.toUpperCase()}") == ["literal"]
    assert kinds("${a.b[}") == ["invalid"]


# -- the scan, compared with Conductor's own pattern ----------------------------------------

# (string, the matches of ParametersUtils.PATTERN, Conductor 3.32.3, java.util.regex)
JAVA_MATCHES = [
    ("${a}", [(0, 4)]),
    ("x${a}y${b}", [(1, 5), (6, 10)]),
    ("${a.${b}}", [(0, 9)]),
    ("$${a}", []),
    ("${a", []),
    ("${a${b}", []),
    ("${a}}", [(0, 4)]),
    ("a$$${x}", []),
    ("${a {b} c}", [(0, 10)]),
    ("}${a}{", [(1, 5)]),
    ("${a} ${ ${b}", [(0, 4)]),
    ("x${a}${c ${b} d", [(1, 5)]),
    ("${a}\n", [(0, 4)]),
    ("${a\n}", [(0, 5)]),
    ("$$$${a}", []),
    ("${}${}", [(0, 3), (3, 6)]),
    ("${{}}", [(0, 5)]),
    ("${a}$${b}${c}", [(0, 4), (9, 13)]),
    ("${a}${", [(0, 4)]),
    ("{${a}}", [(1, 5)]),
    ("$ {a}", []),
    ("${a}}}{{${b}", [(0, 4), (8, 12)]),
    ("${${${a}}}", [(0, 10)]),
    ("pre $${x} ${workflow.input.q}", [(10, 29)]),
    ("${x}$", [(0, 4)]),
    ("$${${x}}", [(3, 7)]),
    ("${a{b}", []),
    ("${a}b.output.x}", [(0, 4)]),
    ("${a{b.output.x}", []),
]


@pytest.mark.parametrize(("text", "matches"), JAVA_MATCHES)
def test_scan_matches_conductors_pattern(text: str, matches: list[tuple[int, int]]) -> None:
    assert scan(text)[0] == matches


def _reference_scan(text: str) -> list[tuple[int, int]]:
    """The scan spelled out: `${` not after `$`, braces balanced, stop at an unclosed one."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        if text.startswith("${", i) and (i == 0 or text[i - 1] != "$"):
            depth = 0
            for j in range(i + 1, len(text)):
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                if depth == 0:
                    out.append((i, j + 1))
                    i = j + 1
                    break
            else:
                return out
        else:
            i += 1
    return out


TEXT = st.text(alphabet="${}.a[] '\n0", max_size=30)


@given(TEXT)
def test_scan_agrees_with_the_reference(text: str) -> None:
    assert scan(text)[0] == _reference_scan(text)


@given(TEXT)
def test_unescape_is_conductors_replace_all(text: str) -> None:
    assert unescape(text) == re.sub(r"\$\$\{", "${", text)


# -- round trip -----------------------------------------------------------------------------

NAME = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,6}", fullmatch=True)
KEY = st.one_of(
    NAME,
    st.integers(-3, 30),
    st.text(alphabet="ab .-'é", min_size=1, max_size=5).filter(
        lambda k: "'" not in k and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", k)
    ),
)
TAIL = st.sampled_from(["", "[*].id", "..x", ".length()", "[?(@.x > 1)]", "[0:2]", "['id']"])


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0) -> str:
    source = draw(st.one_of(NAME, st.sampled_from(["workflow", "CPEWF_TASK_ID"])))
    if draw(st.booleans()):
        return "${" + source + "}"
    ref = Ref(source, draw(NAME), tuple(draw(st.lists(KEY, max_size=3))), draw(TAIL))
    text = ref.jsonpath
    if depth < 2 and draw(st.integers(0, 4)) == 0:
        text += "[" + draw(expressions(depth + 1)) + "]"
    return "${" + text + "}"


LITERAL = st.text(alphabet="ab $}{.\n'é", max_size=8)


@st.composite
def parameter_strings(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(LITERAL, expressions(), st.just("$${")), max_size=5))
    return "".join(parts)


def _check_round_trip(text: str) -> None:
    value, problems = parse_string(text, None)
    if problems:
        return
    assert resolved_value(value) == text
    if isinstance(value, Template):
        parts = value.parts
        assert all(p != "" for p in parts)
        for before, after in itertools.pairwise(parts):
            assert not (isinstance(before, str) and isinstance(after, str))
            # A `$` right before a Ref would have been an escape in the JSON.
            assert not (isinstance(before, str) and before.endswith("$") and isinstance(after, Ref))


@settings(max_examples=500)
@given(parameter_strings())
@example("$${${x.output}}")
@example("a$$${x}")
@example("${a}$${b}${c}")
def test_round_trip_structured(text: str) -> None:
    _check_round_trip(text)


@settings(max_examples=500)
@given(st.text(alphabet="${}.a[]'\" ()*?@0-\n", max_size=40))
def test_round_trip_arbitrary(text: str) -> None:
    _check_round_trip(text)


@given(expressions())
def test_every_generated_expression_is_one_ref(text: str) -> None:
    value, problems = parse_string(text, None)
    assert problems == []
    assert isinstance(value, Ref)
    assert value.expression == text


@given(NAME, st.one_of(st.none(), NAME), st.lists(st.one_of(NAME, st.integers(0, 99)), max_size=4))
def test_fast_path_agrees_with_the_general_one(
    source: str, root: str | None, path: list[str | int]
) -> None:
    inner = Ref(source, root, tuple(path) if root else ()).jsonpath
    fast = _simple(inner, None)
    assert fast is not None
    assert fast == _ref(inner, inner, None, ())


def _without_fast_path(text: str, span: Span | None) -> tuple[object, list[ExpressionProblem]]:
    """parse_string with the plain-reference pattern matching nothing: the general path."""
    with mock.patch.object(expressions_module, "_SIMPLE", re.compile(r"(?!)")):
        return parse_string(text, span)


@settings(max_examples=500)
@given(
    st.one_of(
        expressions(),
        st.text(alphabet="${}.ab_-[]019' ", max_size=30),
        st.builds(lambda text: "${" + text + "}", st.text(alphabet="$.ab_-[]019'{} ", max_size=20)),
    )
)
@example("${a.b}x}")
@example("${a}${b}")
@example("${a.b[01]}")
@example("${a.b[0]}")
@example("${a.b.}")
@example("${a..b}")
@example("${a-b.c_d.e-}")
@example("${ a.b}")
@example("${a.b }")
@example("${}")
@example("$${a.b}")
def test_whole_string_fast_path_agrees_with_the_general_one(text: str) -> None:
    """A string that looks like one plain reference is read by the fast path in
    parse_string exactly as the general path reads it: value, span and problems."""
    span = Span("f.json", pointer="/x")
    value, problems = parse_string(text, span)
    general, general_problems = _without_fast_path(text, span)
    assert value == general and problems == general_problems
    assert type(value) is type(general)
    if isinstance(value, Ref):
        assert isinstance(general, Ref) and value.span == general.span == span
        assert value.nested == general.nested
