"""Reading a laid-out diagram: Graphviz's ``-Tjson`` output as nodes, edges, clusters and the
text boxes dot drew, for tests that check what a reader of the picture sees."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in points


def dot_program() -> str:
    found = shutil.which("dot")
    assert found, "Graphviz's dot is needed for the rendering tests (scripts/test.sh installs it)"
    return found


def lay_out(source: str, program: str | None = None) -> Layout:
    proc = subprocess.run(
        [program or dot_program(), "-Tjson"],
        input=source.encode(),
        capture_output=True,
        check=True,
        timeout=300,
    )
    return Layout(json.loads(proc.stdout))


@dataclass
class Text:
    text: str
    box: Box


@dataclass
class Node:
    name: str
    attrs: dict[str, Any]
    box: Box
    texts: list[Text]

    @property
    def drawn_text(self) -> str:
        return " ".join(t.text for t in self.texts)


@dataclass
class Edge:
    tail: str
    head: str
    attrs: dict[str, Any]
    texts: list[Text]

    @property
    def label(self) -> str:
        return " ".join(t.text for t in self.texts).strip()

    @property
    def visible(self) -> bool:
        return "invis" not in str(self.attrs.get("style", ""))


@dataclass
class Cluster:
    name: str
    attrs: dict[str, Any]
    box: Box
    nodes: set[str] = field(default_factory=set)
    texts: list[Text] = field(default_factory=list)


def _texts(ops: list[dict[str, Any]] | None) -> list[Text]:
    out: list[Text] = []
    size = 14.0
    for op in ops or ():
        if op["op"] == "F":
            size = float(op["size"])
        elif op["op"] == "T":
            x, y = op["pt"]
            width = float(op["width"])
            x0 = {"l": x, "r": x - width}.get(op["align"], x - width / 2)
            # baseline at y: ascent ~0.8 of the size above, descent ~0.2 below
            out.append(Text(op["text"], (x0, y - 0.2 * size, x0 + width, y + 0.8 * size)))
    return out


class Layout:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.nodes: dict[str, Node] = {}
        self.clusters: dict[str, Cluster] = {}
        by_gvid: dict[int, str] = {}
        for obj in data.get("objects", []):
            if "nodes" in obj or "subgraphs" in obj or obj["name"].startswith("cluster"):
                if obj["name"].startswith("cluster") and "bb" in obj:
                    x0, y0, x1, y1 = (float(v) for v in obj["bb"].split(","))
                    self.clusters[obj["name"]] = Cluster(
                        obj["name"], obj, (x0, y0, x1, y1), texts=_texts(obj.get("_ldraw_"))
                    )
                continue
            x, y = (float(v) for v in obj["pos"].split(","))
            w, h = float(obj["width"]) * 72, float(obj["height"]) * 72
            box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
            self.nodes[obj["name"]] = Node(obj["name"], obj, box, _texts(obj.get("_ldraw_")))
            by_gvid[obj["_gvid"]] = obj["name"]
        for obj in data.get("objects", []):
            if obj["name"] in self.clusters:
                self.clusters[obj["name"]].nodes = {by_gvid[i] for i in obj.get("nodes", [])}
        self.edges = [
            Edge(by_gvid[e["tail"]], by_gvid[e["head"]], e, _texts(e.get("_ldraw_")))
            for e in data.get("edges", [])
        ]
        self.title = _texts(data.get("_ldraw_"))

    def out_edges(self, name: str) -> list[Edge]:
        return [e for e in self.edges if e.tail == name and e.visible]

    def in_edges(self, name: str) -> list[Edge]:
        return [e for e in self.edges if e.head == name and e.visible]

    def edge(self, tail: str, head: str) -> Edge:
        found = [e for e in self.edges if e.tail == tail and e.head == head]
        assert found, f"no edge {tail} -> {head}"
        return found[0]

    def cluster_of(self, node: str) -> list[str]:
        return sorted(c.name for c in self.clusters.values() if node in c.nodes)


def overlaps(a: Box, b: Box, tolerance: float = 0.5) -> bool:
    return (
        a[0] + tolerance < b[2]
        and b[0] + tolerance < a[2]
        and a[1] + tolerance < b[3]
        and b[1] + tolerance < a[3]
    )


def collisions(layout: Layout) -> Iterator[str]:
    """Every pair of things a reader would see on top of each other: two nodes, an edge label
    on a node or on another edge label, a cluster's title on a node."""
    nodes = [n for n in layout.nodes.values() if n.attrs.get("shape") != "point"]
    for i, a in enumerate(nodes):
        for b in nodes[i + 1 :]:
            if overlaps(a.box, b.box):
                yield f"node {a.name} overlaps node {b.name}"
    labels = [(e, t) for e in layout.edges if e.visible for t in e.texts]
    for edge, text in labels:
        for node in nodes:
            if overlaps(text.box, node.box):
                yield f"label {text.text!r} of {edge.tail}->{edge.head} overlaps node {node.name}"
    for i, (edge_a, a) in enumerate(labels):
        for edge_b, b in labels[i + 1 :]:
            if overlaps(a.box, b.box):
                yield (
                    f"label {a.text!r} of {edge_a.tail}->{edge_a.head} overlaps label "
                    f"{b.text!r} of {edge_b.tail}->{edge_b.head}"
                )
    for cluster in layout.clusters.values():
        for text in cluster.texts:
            for node in nodes:
                if overlaps(text.box, node.box):
                    yield f"title {text.text!r} of {cluster.name} overlaps node {node.name}"
