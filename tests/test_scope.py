"""The scope index: "surely runs before" from positions in the workflow tree."""

from __future__ import annotations

from flowdsl.ir.nodes import BlockKey, Task, Workflow
from flowdsl.ir.scope import Order, ScopeIndex


def _key(label: str) -> BlockKey:
    field, _, key = label.partition("__")
    return BlockKey(field, int(key) if key.isdigit() else key or None)


def t(ref: str, kind: str = "SIMPLE", **blocks: list[Task]) -> Task:
    return Task(name=ref, ref=ref, type=kind, blocks={_key(k): v for k, v in blocks.items()})


def workflow() -> Workflow:
    return Workflow(
        "w",
        1,
        [
            t("a"),
            t("fork", "FORK_JOIN", forkTasks__0=[t("b1"), t("b2")], forkTasks__1=[t("c1")]),
            t("join", "JOIN"),
            t(
                "sw",
                "SWITCH",
                decisionCases__x=[t("x1")],
                decisionCases__y=[t("y1")],
                defaultCase=[t("d1")],
            ),
            t(
                "loop",
                "DO_WHILE",
                loopOver=[t("l1"), t("l2", "SWITCH", decisionCases__k=[t("k1")])],
            ),
            t("z"),
        ],
    )


def test_relations() -> None:
    scope = ScopeIndex(workflow())
    cases = {
        ("a", "z"): Order.BEFORE,
        ("z", "a"): Order.LATER,
        ("a", "a"): Order.LATER,
        ("b1", "b2"): Order.BEFORE,
        ("b2", "b1"): Order.LATER,
        ("b1", "c1"): Order.PARALLEL,
        ("b2", "z"): Order.BEFORE,
        ("c1", "join"): Order.BEFORE,
        ("x1", "y1"): Order.EXCLUSIVE,
        ("x1", "d1"): Order.EXCLUSIVE,
        ("x1", "z"): Order.CONDITIONAL,
        ("l1", "z"): Order.BEFORE,
        ("l1", "l2"): Order.BEFORE,
        ("l2", "l1"): Order.LATER,
        ("k1", "z"): Order.CONDITIONAL,
        ("loop", "l1"): Order.ENCLOSING,
        ("l1", "loop"): Order.LATER,
        ("a", None): Order.BEFORE,
        ("x1", None): Order.CONDITIONAL,
        ("c1", None): Order.BEFORE,
    }
    got = {pair: scope.relation(*pair).order for pair in cases}
    assert got == cases
    assert scope.relation("b1", "c1").via == "fork"
    assert scope.relation("k1", "z").via == "l2"
    assert scope.in_loop("k1") == "loop"
    assert scope.in_loop("z") is None


def test_deep_chains_stay_linear() -> None:
    # 20,000 tasks in one list and 200 levels of nesting: positions are built in one pass.
    chain = [t(f"s{i}") for i in range(20_000)]
    inner: list[Task] = [t("leaf")]
    for depth in range(200):
        inner = [t(f"loop{depth}", "FORK_JOIN", forkTasks__0=inner)]
    scope = ScopeIndex(Workflow("big", 1, chain + inner))
    assert scope.relation("s0", "s19999").order is Order.BEFORE
    assert scope.relation("leaf", None).order is Order.BEFORE
    assert len(scope.positions) == 20_201
