"""The tracer's fast paths (issue 11) give what the plain code gives.

Call sites are cached per code object while a trace runs: code objects that compare equal
(the same source in two files) keep their own locations. References get their span without
dataclass introspection, equal to the plain way, field by field.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from flowdsl import task, workflow
from flowdsl.authoring._values import with_span
from flowdsl.compiler import build_program, compile_workflows
from flowdsl.config import Config
from flowdsl.ir.nodes import Ref, Span


def _load(path: Path, source: str) -> Any:
    path.write_text(source)
    namespace: dict[str, Any] = {}
    exec(compile(source, str(path), "exec"), namespace)
    return namespace["make"]


def test_equal_code_objects_in_two_files_keep_their_own_locations(tmp_path: Path) -> None:
    source = "def make(step, x):\n    return step(valu=x)\n"
    make_a = _load(tmp_path / "helper_a.py", source)
    make_b = _load(tmp_path / "helper_b.py", source)
    assert make_a.__code__ == make_b.__code__  # equal, though from two files

    @task
    def step(value: str) -> str:
        return value

    @workflow
    def both(x: str) -> Any:
        make_a(step, x)
        make_b(step, x)
        make_a(step, x)

    program, _ = build_program([both])
    spans = [
        (Path(t.span.file).name, t.span.line, t.span.column)
        for t in program.workflows[0].tasks
        if t.span
    ]
    assert spans == [("helper_a.py", 2, 12), ("helper_b.py", 2, 12), ("helper_a.py", 2, 12)]
    result = compile_workflows([both], Config(owner_email="team@example.com"))
    found = [
        (d.code, Path(d.span.file).name, d.span.line, d.span.column)
        for d in result.errors
        if d.span
    ]
    assert found == [
        ("FD107", "helper_a.py", 2, 12),
        ("FD106", "helper_a.py", 2, 17),
        ("FD107", "helper_b.py", 2, 12),
        ("FD106", "helper_b.py", 2, 17),
    ]


keys = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["value", "_x", "a-b", "1a", "é", "a.b", "a b", "it's", "x\\y"]),
    st.integers(min_value=-3, max_value=12),
)
refs = st.builds(
    Ref,
    source=st.sampled_from(["workflow", "t_ref", "a_ref_2"]),
    root=st.one_of(st.none(), st.sampled_from(["input", "output", "variables"])),
    path=st.lists(keys, max_size=4).map(tuple),
    tail=st.sampled_from(["", "[*].id", "..x"]),
    span=st.one_of(st.none(), st.just(Span("f.py", 3, 4))),
)


@given(refs, st.one_of(st.none(), st.just(Span("g.py", 7, 1, "/a"))))
def test_with_span_equals_dataclasses_replace(ref: Ref, span: Span | None) -> None:
    ref = dataclasses.replace(ref, nested=(Ref("b_ref", "output", ("i",)),))
    fast, plain = with_span(ref, span), dataclasses.replace(ref, span=span)
    for field in dataclasses.fields(Ref):
        assert getattr(fast, field.name) == getattr(plain, field.name), field.name


_NESTED_RETURNS = """
def f(x):
    if x:
        return 1
    elif x > 2:
        return 2
    else:
        return 3
    for i in x:
        return 4
    else:
        return 5
    while x:
        return 6
    else:
        return
    try:
        return 7
    except ValueError:
        return 8
    else:
        return 9
    finally:
        return 10
    with x as y:
        return 11
    match x:
        case 1:
            return 12
        case _:
            return lambda: 13
    class C:
        def m(self):
            return 14
    async def g():
        async with x:
            return 15
        async for i in x:
            return 16
    try:
        pass
    except* ValueError:
        return 17
    return (yield 18)
"""


def test_statement_walk_finds_every_return_ast_walk_finds() -> None:
    import ast

    from flowdsl.authoring._workflow import _statements

    tree = ast.parse(_NESTED_RETURNS)

    def positions(nodes: Any) -> list[tuple[int, int]]:
        return sorted((n.lineno, n.col_offset) for n in nodes if isinstance(n, ast.Return))

    found = positions(_statements(tree.body))
    assert found == positions(ast.walk(tree))
    assert len(found) == 19
