"""`flowdsl diagram`, `flowdsl docs` and `compile --diagrams`, run as a build pipeline runs
them: files written, formats, the missing-`dot` path, the fallback layout program, and docs
pages that hold what they promise (and build with `mkdocs build --strict`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from flowdsl.render.layout import find_engine

from .conftest import REPO, run_cli
from .layout_json import collisions, lay_out

DATA = REPO / "tests" / "data" / "diagrams"
EXAMPLE = REPO / "examples" / "image_pipeline"
NO_DOT = {"FLOWDSL_DOT": "/nonexistent/dot"}


def _pure() -> str | None:
    return shutil.which("graphviz-pure") or shutil.which(
        "graphviz-pure", path=str(Path(sys.executable).parent)
    )


@pytest.mark.parametrize("fmt,magic", [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_diagram_writes_one_file_per_workflow(tmp_path: Path, fmt: str, magic: bytes) -> None:
    proc = run_cli("diagram", str(DATA), "-o", str(tmp_path / "out"), "--format", fmt, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == [f"ship_ups.v2.{fmt}", f"shipping.v3.{fmt}"]
    assert (tmp_path / "out" / f"shipping.v3.{fmt}").read_bytes().startswith(magic)


def test_diagram_dot_format_is_the_source(tmp_path: Path) -> None:
    proc = run_cli(
        "diagram", str(DATA), "-o", str(tmp_path), "--format", "dot", "--data-flow",
        "--expand-subworkflows", "--findings", cwd=REPO, env=NO_DOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr  # dot text needs no layout program
    text = (tmp_path / "shipping.v3.dot").read_text()
    assert text.startswith('digraph "shipping.v3" {')
    assert "cluster_ups_sub" in text and "class=data" in text and "FD307" in text
    again = tmp_path / "again"
    run_cli("diagram", str(DATA), "-o", str(again), "--format", "dot", "--data-flow",
            "--expand-subworkflows", "--findings", cwd=REPO)  # fmt: skip
    assert (again / "shipping.v3.dot").read_bytes() == (tmp_path / "shipping.v3.dot").read_bytes()


def test_diagram_without_dot_writes_the_source_and_exits_2(tmp_path: Path) -> None:
    proc = run_cli("diagram", str(DATA), "-o", str(tmp_path), cwd=REPO, env=NO_DOT)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "install Graphviz" in lines[0] and "apt-get install graphviz" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ship_ups.v2.dot", "shipping.v3.dot"]


def test_diagram_of_nothing_or_a_missing_path(tmp_path: Path) -> None:
    proc = run_cli("diagram", str(tmp_path / "missing.json"), "-o", str(tmp_path), cwd=REPO)
    assert proc.returncode == 2
    (tmp_path / "defs.json").write_text(json.dumps([{"name": "t", "ownerEmail": "a@b.c",
                                                      "retryCount": 1}]))  # fmt: skip
    proc = run_cli("diagram", str(tmp_path / "defs.json"), "-o", str(tmp_path / "o"), cwd=REPO)
    assert proc.returncode == 2
    assert "no workflow definitions" in proc.stderr


EXAMPLE_WORKFLOWS = [
    "image_convert_resize.v1",
    "image_convert_resize_multipleformat.v1",
    "image_convert_resize_multipleformat_subworkflow.v1",
    "image_multiple_convert_resize.v1",
    "image_multiple_convert_resize_recipes.v1",
]


def test_every_example_workflow_renders_to_svg_and_png(tmp_path: Path) -> None:
    for fmt in ("svg", "png", "dot"):
        proc = run_cli("diagram", str(EXAMPLE), "-o", str(tmp_path), "--format", fmt, cwd=REPO)
        assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(
        f"{wf}.{fmt}" for wf in EXAMPLE_WORKFLOWS for fmt in ("dot", "png", "svg")
    )
    for wf in EXAMPLE_WORKFLOWS:
        layout = lay_out((tmp_path / f"{wf}.dot").read_text())
        assert list(collisions(layout)) == [], wf
    one = lay_out((tmp_path / "image_convert_resize.v1.dot").read_text())
    assert [e.head for e in one.out_edges("__start")] == ["image_convert_resize_ref"]
    assert [e.head for e in one.out_edges("image_convert_resize_ref")] == ["upload_toS3_ref"]
    fork = lay_out((tmp_path / "image_convert_resize_multipleformat.v1.dot").read_text())
    bars = [n for n in fork.nodes.values() if "bar" in n.attrs.get("class", "")]
    assert sorted(n.drawn_text.split(" · ")[1] for n in bars) == ["FORK_JOIN", "JOIN"]
    dynamic = lay_out((tmp_path / "image_multiple_convert_resize.v1.dot").read_text())
    assert any(n.attrs.get("shape") == "box3d" for n in dynamic.nodes.values())


def _svg_summary(svg: bytes) -> list[tuple[str, str, str]]:
    """What an SVG diagram shows, whatever Graphviz version drew it: each node, edge and
    cluster by id and class, with its texts."""
    ns = "{http://www.w3.org/2000/svg}"
    out = []
    for group in ElementTree.fromstring(svg).iter(f"{ns}g"):
        kind = group.get("class", "")
        if kind.split(" ")[0] in ("node", "edge", "cluster"):
            texts = " ".join((t.text or "") for t in group.iter(f"{ns}text"))
            out.append((group.get("id", ""), kind, texts))
    return sorted(out)


@pytest.mark.parametrize(
    "target,flags,folder",
    [(EXAMPLE, [], ""), (EXAMPLE / "workflows.py", ["--data-flow"], "data-flow")],
)
def test_the_example_readme_diagrams_are_current(
    tmp_path: Path, target: Path, flags: list[str], folder: str
) -> None:
    proc = run_cli("diagram", str(target), "-o", str(tmp_path), *flags, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    committed = EXAMPLE / "diagrams" / folder
    names = sorted(p.name for p in committed.glob("*.svg"))
    assert names == sorted(p.name for p in tmp_path.iterdir())
    for name in names:
        assert _svg_summary((committed / name).read_bytes()) == _svg_summary(
            (tmp_path / name).read_bytes()
        ), "regenerate the example's diagrams with the commands in its README"


def test_compile_diagrams_beside_the_json(tmp_path: Path) -> None:
    out = tmp_path / "build"
    stale = out / "diagrams" / "old.v1.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    proc = run_cli("compile", str(EXAMPLE), "-o", str(out), "--diagrams", "svg", cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    drawn = sorted(p.name for p in (out / "diagrams").iterdir())
    assert drawn == [f"{wf}.svg" for wf in EXAMPLE_WORKFLOWS]
    assert (out / "workflows" / "image_convert_resize.v1.json").is_file()
    check = run_cli("compile", str(EXAMPLE), "-o", str(out), "--diagrams", "svg", "--check",
                    cwd=REPO)  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    # the folder is owned like workflows/: a compile without diagrams leaves none
    check = run_cli("compile", str(EXAMPLE), "-o", str(out), "--check", cwd=REPO)
    assert check.returncode == 1
    assert "diagrams/image_convert_resize.v1.svg: would be removed" in check.stdout


def test_compile_diagrams_without_dot_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "build"
    proc = run_cli("compile", str(EXAMPLE), "-o", str(out), "--diagrams", "svg", cwd=REPO,
                   env=NO_DOT)  # fmt: skip
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "install Graphviz" in proc.stderr
    assert not out.exists()
    proc = run_cli("compile", str(EXAMPLE), "-o", str(out), "--diagrams", "dot", cwd=REPO,
                   env=NO_DOT)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (out / "diagrams").iterdir()) == [
        f"{wf}.dot" for wf in EXAMPLE_WORKFLOWS
    ]


@pytest.mark.skipif(_pure() is None, reason="graphviz-pure (the dev extra) is not installed")
def test_fallback_layout_program(tmp_path: Path) -> None:
    pure = _pure()
    assert pure is not None
    # found beside the running Python when there is no dot on PATH
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "FLOWDSL_DOT"}
    env["PATH"] = str(empty)
    found = subprocess.run(
        [sys.executable, "-c", "from flowdsl.render.layout import find_engine as f; print(f())"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    if shutil.which("graphviz-pure", path=str(Path(sys.executable).parent)):
        assert "graphviz-pure" in found.stdout
    proc = run_cli("diagram", str(DATA), "-o", str(tmp_path / "o"), "--format", "png", cwd=REPO,
                   env={"FLOWDSL_DOT": pure})  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "o" / "shipping.v3.png").read_bytes().startswith(b"\x89PNG")
    proc = run_cli("diagram", str(DATA), "-o", str(tmp_path / "p"), "--format", "pdf", cwd=REPO,
                   env={"FLOWDSL_DOT": pure})  # fmt: skip
    assert proc.returncode == 2 and "cannot write pdf" in proc.stderr
    source = run_cli("diagram", str(DATA), "-o", str(tmp_path / "d"), "--format", "dot", cwd=REPO)
    text = (tmp_path / "d" / "shipping.v3.dot").read_text()
    ref, alt = lay_out(text), lay_out(text, program=pure)
    assert source.returncode == 0 and list(collisions(alt)) == []
    assert set(alt.nodes) == set(ref.nodes)
    assert {(e.tail, e.head) for e in alt.edges} == {(e.tail, e.head) for e in ref.edges}


def test_find_engine_prefers_dot() -> None:
    engine = find_engine()
    assert engine is not None and engine.kind == "graphviz"


# --- docs --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipping_docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs")
    proc = run_cli("docs", str(DATA), str(EXAMPLE), "-o", str(out), cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    return out


def test_docs_pages_and_index(shipping_docs: Path) -> None:
    names = sorted(str(p.relative_to(shipping_docs)) for p in shipping_docs.rglob("*"))
    workflows = ["ship_ups.v2", "shipping.v3", *EXAMPLE_WORKFLOWS]
    expected = ["diagrams", "index.md"]
    expected += [f"diagrams/{wf}.svg" for wf in workflows] + [f"{wf}.md" for wf in workflows]
    assert names == sorted(expected)
    index = (shipping_docs / "index.md").read_text()
    for page, version in (("shipping", 3), ("ship_ups", 2), ("image_convert_resize", 1)):
        assert f"[{page}](" in index and f"| {version} |" in index


def test_workflow_page_has_what_it_promises(shipping_docs: Path) -> None:
    page = (shipping_docs / "shipping.v3.md").read_text()
    assert page.startswith("# shipping v3\n")
    assert "Ship an order: every construct of Conductor in one workflow" in page
    assert "![Diagram of shipping v3](diagrams/shipping.v3.svg)" in page
    assert "| `orderId` |" in page and "| `carrier` |" in page
    assert "| `summary` | `${summary_ref.output.result}` |" in page
    for ref in ("get_order_ref", "fedex_ref", "email_ref", "check_ref", "noop_ref", "abort_ref"):
        assert f"| `{ref}` |" in page
    assert "| `fedex_ref` | ship_via_fedex | `SIMPLE` | carrier_switch, case fedex |" in page
    assert "retryCount=3, timeoutSeconds=60, responseTimeoutSeconds=30" in page
    assert "`check_ref` | check_status<br>`(function () {" in page
    assert "- `ups_sub` runs [ship_ups v2](ship_ups.v2.md)" in page
    assert "- `audit_sub` runs audit_inline v1 (inline), defined inside this workflow" in page


def test_python_workflow_page_has_types_and_policies(shipping_docs: Path) -> None:
    page = (shipping_docs / "image_convert_resize.v1.md").read_text()
    assert "Image Processing Workflow" in page
    assert "| `fileLocation` | `str` |" in page
    assert "| `recipeParameters` | `Recipe {outputFormat: str, outputSize: Size}` |" in page
    assert "| `fileLocation` | `${upload_toS3_ref.output.s3Url}` |" in page
    assert "retryCount=3, retryLogic=FIXED, retryDelaySeconds=60, timeoutSeconds=30" in page
    assert "rateLimitPerFrequency=50, rateLimitFrequencyInSeconds=60" in page
    assert "Defined in `examples/image_pipeline/workflows.py:" in page


def test_docs_templates_override(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "index.md.j2").write_text(
        "# Our flows\n{% for wf in workflows %}\n- {{ wf.name }} ({{ wf.tasks }} tasks)\n"
        "{% endfor %}\n"
    )
    out = tmp_path / "out"
    one = str(EXAMPLE / "workflows.py")
    proc = run_cli("docs", one, "-o", str(out), "--templates", str(templates), cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert (out / "index.md").read_text() == "# Our flows\n- image_convert_resize (2 tasks)\n"
    assert (out / "image_convert_resize.v1.md").read_text().startswith("# image_convert_resize v1")
    (templates / "workflow.md.j2").write_text("{{ no_such_thing.x }}\n")
    proc = run_cli("docs", str(EXAMPLE), "-o", str(tmp_path / "bad"), "--templates",
                   str(templates), cwd=REPO)  # fmt: skip
    assert proc.returncode == 2
    assert "template error" in proc.stderr and "no_such_thing" in proc.stderr
    assert not (tmp_path / "bad").exists()


def _mkdocs_build(docs: Path, site: Path) -> subprocess.CompletedProcess[str]:
    config = docs.parent / f"{docs.name}-mkdocs.yml"
    config.write_text(f"site_name: Workflows\ndocs_dir: {docs}\nsite_dir: {site}\n")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(config)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_example_docs_build_with_mkdocs_strict(tmp_path: Path, shipping_docs: Path) -> None:
    docs = tmp_path / "docs"
    proc = run_cli("docs", str(EXAMPLE), "-o", str(docs), cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    built = _mkdocs_build(docs, tmp_path / "site")
    assert built.returncode == 0, built.stdout + built.stderr
    html = (tmp_path / "site" / "image_convert_resize.v1" / "index.html").read_text()
    assert '<img alt="Diagram of image_convert_resize v1"' in html
    assert "<table>" in html
    assert (tmp_path / "site" / "diagrams" / "image_convert_resize.v1.svg").is_file()
    built = _mkdocs_build(shipping_docs, tmp_path / "site2")  # links between pages too
    assert built.returncode == 0, built.stdout + built.stderr
