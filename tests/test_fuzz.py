"""Fuzzing the contract of DEVELOPERS.md: whatever the input, flowdsl answers with a finding
(exit 1) or one short message (exit 2), or succeeds (exit 0); never a traceback, never an
exit code of the user's choosing, ``--format json`` stdout is always one JSON array, and the
output folder is left either untouched or holding a complete, up-to-date set.

Three families of input, all run in process through the real command line (click's runner;
a whole process costs about half a second):

* valid Conductor programs of every construct (tests/strategies.py), mutated: values of
  the wrong type where Conductor wants a string, deleted keys, changed task types, repeated
  references, raw text no Python value makes (a 5000-digit integer, 3000-deep arrays, lone
  surrogates, ``${`` nested in ``${``, repeated keys);
* user modules doing what user modules do: print, ``sys.exit()``, raise ``KeyboardInterrupt``,
  ``GeneratorExit`` or a ``BaseException`` at import or while traced, bad decorator
  arguments, defaults with no JSON form, values that contain themselves or nest deeply;
* hostile file layouts: FIFOs, devices, symbolic link loops, dangling links, empty files,
  files where the output folder goes, leftovers of an interrupted compile.

The budget is ``FLOWDSL_FUZZ_EXAMPLES`` examples per test (default 100, about a minute in
all); a large run: ``FLOWDSL_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowdsl.cli import main
from flowdsl.conductor.models import TaskDef, WorkflowDef, WorkflowTask, snake_fields
from flowdsl.conductor.targets import TARGETS
from flowdsl.diagnostics import all_codes

from .strategies import valid_programs

EXAMPLES = int(os.environ.get("FLOWDSL_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
PYPROJECT = '[tool.flowdsl]\nowner_email = "fuzz@example.com"\nout_dir = "out"\n'

# --- the contract ----------------------------------------------------------------------------


def invoke(cwd: Path, *args: str) -> Result:
    with contextlib.chdir(cwd), _imports_forgotten(cwd):
        return CliRunner().invoke(main, list(args), catch_exceptions=True)


@contextlib.contextmanager
def _imports_forgotten(cwd: Path) -> Iterator[None]:
    """The user modules a run imports from ``cwd``, and its sys.path entries, are dropped
    after it, so thousands of examples do not slow every later import down."""
    path = list(sys.path)
    try:
        yield
    finally:
        sys.path[:] = path
        root = str(cwd.resolve())
        for name, mod in list(sys.modules.items()):
            file = getattr(mod, "__file__", None)
            if isinstance(file, str) and file.startswith(root):
                del sys.modules[name]


def assert_contract(result: Result, *, json_stdout: bool = False) -> None:
    """Exit 0, 1 or 2 from flowdsl itself, no traceback, a JSON array on stdout if asked."""
    shown = (
        f"exit {result.exit_code}\nstdout: {result.stdout[-2000:]}\nstderr: {result.stderr[-2000:]}"
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r}\n{shown}") from result.exception
    assert result.exit_code in (0, 1, 2), shown
    assert "Traceback (most recent call last)" not in result.stderr, shown
    assert "internal error" not in result.stderr, shown
    if result.exit_code == 2:
        # One short line per input that cannot be read (`check` reads the rest and reports
        # every unreadable file), and nothing that is not such a line.
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert errors, shown
        assert len(set(errors)) == len(errors), shown  # each input once, no cascade
    assert "<unknown>" not in result.stdout, shown
    if json_stdout:
        data = json.loads(result.stdout)
        assert isinstance(data, list), shown
        for finding in data:  # locations are the user's: a file of theirs, with a line
            assert finding["file"] and finding["line"], finding
            assert not os.path.isabs(finding["file"]), finding


def snapshot(directory: Path) -> dict[str, bytes | str]:
    """Every entry below a folder: file bytes, or what else it is."""
    out: dict[str, bytes | str] = {}
    if not os.path.lexists(directory):
        return out
    if directory.is_symlink() or not directory.is_dir():
        return {".": "not a directory"}
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            path = Path(root, name)
            rel = path.relative_to(directory).as_posix()
            if path.is_symlink():
                out[rel] = "link -> " + os.readlink(path)
            elif path.is_file():
                out[rel] = path.read_bytes()
            else:
                out[rel] = "dir"
    return out


def assert_output(cwd: Path, before: dict[str, bytes | str], result: Result, *targets: str) -> None:
    """Untouched after a failure; after a success, exactly what a compile produces now."""
    after = snapshot(cwd / "out")
    if result.exit_code != 0:
        assert after == before, (result.exit_code, result.stderr)
        return
    leftovers = [rel for rel in after if rel.startswith(".flowdsl")]
    assert not leftovers, leftovers
    check = invoke(cwd, "compile", "--check", *targets)
    assert check.exit_code == 0, check.stdout + check.stderr


# --- mutated Conductor JSON ------------------------------------------------------------------

TASK_FIELDS = sorted(snake_fields(WorkflowTask).values())
DEF_FIELDS = sorted(set(snake_fields(WorkflowDef).values()) | set(snake_fields(TaskDef).values()))
INPUT_KEYS = (
    "terminationStatus",
    "workflowOutput",
    "forkTaskName",
    "forkTaskInputs",
    "http_request",
    "uri",
    "method",
    "expression",
    "evaluatorType",
    "queryExpression",
    "scriptExpression",
    "duration",
    "until",
    "_items",
    "kafka_request",
    "dynamicTaskName",
)
TYPES = (
    "SIMPLE",
    "FORK_JOIN",
    "FORK_JOIN_DYNAMIC",
    "JOIN",
    "SWITCH",
    "DECISION",
    "DO_WHILE",
    "DYNAMIC",
    "SUB_WORKFLOW",
    "START_WORKFLOW",
    "TERMINATE",
    "INLINE",
    "LAMBDA",
    "HTTP",
    "WAIT",
    "EVENT",
    "HUMAN",
    "SET_VARIABLE",
    "JSON_JQ_TRANSFORM",
    "KAFKA_PUBLISH",
    "EXCLUSIVE_JOIN",
    "NOT_A_TYPE",
)
# Text spliced into the file for what json.dumps cannot write.
RAW = {
    "@@BIG_INT@@": "1" * 5000,
    "@@HUGE_FLOAT@@": "1e99999",
    "@@DEEP_ARRAY@@": "[" * 3000 + "]" * 3000,
    "@@DEEPISH_OBJECT@@": '{"a":' * 400 + "1" + "}" * 400,
    "@@SURROGATE@@": '"\\ud800\\udfff\\udc00x"',
    "@@NESTED_DOLLARS@@": json.dumps("${" * 400 + "x" + "}" * 400),
    "@@REPEATED_KEYS@@": '{"a": 1, "a": "${x.output.y}", "a": [1]}',
}
STRINGS = (
    "",
    " ",
    "${",
    "}",
    "$${x}",
    "${workflow.input.x}",
    "${a.output.b}",
    "${${workflow.input.r}.output.x}",
    "${$.x}",
    "${a['b']}",
    "value-param",
    "javascript",
    "graaljs",
    "COMPLETED",
    "$.x == 1 ? 'a' : 'b'",
    "a__b",
    "a/b",
    "..",
    "x" * 300,
    "\ud800",
    "\x00",
    "line\nbreak",
    "é🙂",
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.sampled_from(STRINGS),
    st.sampled_from(sorted(RAW)),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def _slots(obj: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    if isinstance(obj, dict):
        for key, value in obj.items():
            out.append((obj, key))
            _slots(value, out)
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            out.append((obj, index))
            _slots(value, out)
    return out


def _tasks(obj: Any, out: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(obj, dict):
        if "taskReferenceName" in obj:
            out.append(obj)
        for value in obj.values():
            _tasks(value, out)
    elif isinstance(obj, list):
        for value in obj:
            _tasks(value, out)
    return out


def _mutate(data: st.DataObject, doc: list[Any]) -> None:
    kind = data.draw(
        st.sampled_from(
            ["replace", "delete", "task_field", "input", "type", "ref", "definition", "wrap"]
        )
    )
    tasks = _tasks(doc, [])
    if kind in ("replace", "delete"):
        container, key = data.draw(st.sampled_from(_slots(doc, [])))
        if kind == "delete" and isinstance(container, dict):
            del container[key]
        else:
            container[key] = data.draw(values)
    elif kind == "task_field" and tasks:
        task = data.draw(st.sampled_from(tasks))
        task[data.draw(st.sampled_from(TASK_FIELDS))] = data.draw(values)
    elif kind == "input" and tasks:
        task = data.draw(st.sampled_from(tasks))
        inputs = task.setdefault("inputParameters", {})
        if isinstance(inputs, dict):
            inputs[data.draw(st.sampled_from(INPUT_KEYS))] = data.draw(values)
    elif kind == "type" and tasks:
        data.draw(st.sampled_from(tasks))["type"] = data.draw(st.sampled_from(TYPES))
    elif kind == "ref" and len(tasks) > 1:
        first, second = data.draw(st.permutations(tasks))[:2]
        first["taskReferenceName"] = second.get("taskReferenceName")
    elif kind == "definition":
        definition = data.draw(st.sampled_from(doc))
        if isinstance(definition, dict):
            definition[data.draw(st.sampled_from(DEF_FIELDS))] = data.draw(values)
    elif kind == "wrap" and tasks:
        # A task moved inside a loop, a fork branch or a case of itself-like constructs.
        task = data.draw(st.sampled_from(tasks))
        inner = dict(task)
        task.clear()
        task.update(
            {
                "name": "wrap",
                "taskReferenceName": f"wrap_{id(task) % 1000}",
                "type": data.draw(st.sampled_from(["DO_WHILE", "FORK_JOIN", "SWITCH"])),
                "loopCondition": "false",
                "loopOver": [inner],
                "forkTasks": [[inner]],
                "decisionCases": {"a": [inner]},
                "evaluatorType": "value-param",
                "expression": "x",
            }
        )


def _text(doc: list[Any], data: st.DataObject) -> str:
    text = json.dumps(doc, indent=data.draw(st.sampled_from([None, 2])))
    for marker, raw in RAW.items():
        text = text.replace(json.dumps(marker), raw)
    return text


@FUZZ
@given(valid_programs(), st.data())
def test_mutated_conductor_json(program: tuple[list[Any], list[Any]], data: st.DataObject) -> None:
    workflows, task_defs = program
    doc: list[Any] = [*workflows, *task_defs]
    for _ in range(data.draw(st.integers(1, 4))):
        _mutate(data, doc)
    bundle = data.draw(st.booleans())
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        (cwd / "pyproject.toml").write_text(PYPROJECT)
        if bundle:
            (cwd / "all.json").write_text(_text(doc, data), errors="surrogatepass")
        else:
            for index, item in enumerate(doc):
                (cwd / f"d{index}.json").write_text(
                    _text([item], data)[1:-1], errors="surrogatepass"
                )
        fmt = data.draw(st.sampled_from(["json", "human", "github"]))
        target = data.draw(st.sampled_from(sorted(TARGETS)))
        result = invoke(cwd, "check", "--format", fmt, "--target", target, ".")
        assert_contract(result, json_stdout=fmt == "json")


# --- bad user modules ------------------------------------------------------------------------

IMPORT_TIME = (
    "",
    "print('imported!')",
    "sys.stdout.write('raw write\\n')",
    "sys.exit()",
    "sys.exit(0)",
    "sys.exit(1)",
    "sys.exit(3)",
    "sys.exit('bye')",
    "raise SystemExit(130)",
    "raise KeyboardInterrupt",
    "raise GeneratorExit",
    "raise BaseException('base')",
    "class Odd(BaseException):\n    pass\nraise Odd()",
    "raise ValueError('x' * 10000)",
    "raise RecursionError",
    "def r(n):\n    return r(n + 1)\nr(0)",
    "raise MemoryError",
    "import nonexistent_module_for_fuzz",
    "x = (",
    "x = 1 +\n",
    "class Boom:\n    def __str__(self):\n        raise RuntimeError\nraise Exception(Boom())",
)
TASK_NAMES = ("None", "'step_x'", "''", "5", "'a/b'", "'x' * 300", "'\\ud800'", "'a b'", "['l']")
POLICIES = (
    "",
    "retry_count=1",
    "retry_count=-1",
    "retry_count='x'",
    "retry_count=10**5000",
    "timeout_seconds=5, response_timeout_seconds=10",
    "timeout_policy='NOPE'",
    "input_template={'a': {1, 2}}",
    "input_template={'a': 10**5000}",
    "input_template={'a': float('inf'), 1: 2}",
    "input_template=SELF_DICT",
    "nope=1",
)
WORKFLOW_OPTIONS = (
    "",
    "variables={'v': 1}",
    "variables={'v': {1, 2}}",
    "variables=SELF_DICT",
    "input_template={'x': 10**5000}",
    "timeout_seconds=-1",
    "timeout_policy='NOPE'",
    "version='x'",
    "description=5",
    "description='\\udc80'",
    "name='w\\ud800'",
    "failure_workflow=object()",
)
DEFAULTS = (
    "",
    " = 'a'",
    " = 1",
    " = None",
    " = {1, 2}",
    " = object()",
    " = float('nan')",
    " = 10**5000",
    " = SELF",
    " = DEEP",
    " = b'bytes'",
    " = print",
)
BODY = (
    "r = step_{t}(x=x)",
    "r = step_{t}(x=x, extra=1)",
    "r = step_{t}(x, x)",
    "r = step_{t}(x=str(x) + '!')",
    "print('tracing', x)",
    "if x:\n        pass",
    "for _ in x:\n        pass",
    "len(x)",
    "x + 1",
    "json.dumps(x)",
    "copy.deepcopy(x)",
    "copy.copy(x)",
    "hash(x)",
    "{x: 1}",
    "x.attr = 1",
    "x()",
    "sys.exit(0)",
    "sys.exit(2)",
    "raise KeyboardInterrupt",
    "raise GeneratorExit",
    "raise SystemExit",
    "raise BaseException('in body')",
    "raise ValueError('in body')",
    "step_{t}.options(ref='a b')(x=x)",
    "step_{t}.options(ref='same')(x=x); step_{t}.options(ref='same')(x=x)",
    "wf_{w}(x)",
)
RETURNS = (
    "return None",
    "return {'out': x}",
    "return {'out': step_0(x=x)}",
    "return {'out': SELF}",
    "return {'out': DEEP}",
    "return {'out': {1, 2}}",
    "return {1: x}",
    "return {'\\ud800': x}",
    "return {'big': 10**5000}",
    "return 5",
    "return x",
    "return [x]",
)


@st.composite
def user_modules(draw: st.DrawFn) -> str:
    lines = [
        "import copy, json, sys",
        "from flowdsl import task, workflow",
        "from flowdsl.authoring import Inputs",
        "SELF = []",
        "SELF.append(SELF)",
        "SELF_DICT = {}",
        "SELF_DICT['me'] = SELF_DICT",
        "DEEP = []",
        "for _ in range(5000):",
        "    DEEP = [DEEP]",
        draw(st.one_of(st.just(""), st.sampled_from(IMPORT_TIME))),  # half import cleanly
    ]
    n_tasks = draw(st.integers(1, 3))
    for t in range(n_tasks):
        name = draw(st.sampled_from(TASK_NAMES))
        policy = draw(st.sampled_from(POLICIES))
        args = ", ".join(a for a in (f"name={name}" if name != "None" else "", policy) if a)
        lines += [f"@task({args})", f"def step_{t}(x: str) -> str:", "    return x", ""]
    for w in range(draw(st.integers(1, 2))):
        default = draw(st.sampled_from(DEFAULTS))
        use_inputs = draw(st.booleans())
        if use_inputs:
            lines += [f"class In_{w}(Inputs):", f"    x: object{default or ''}", ""]
        options = draw(st.sampled_from(WORKFLOW_OPTIONS))
        lines.append(
            f"@workflow({options})"
            if draw(st.booleans())
            else f"@workflow(name='flow_{w}', version={w + 1}, {options})"
        )
        lines.append(
            f"def wf_{w}(inp: In_{w}) -> dict:"
            if use_inputs
            else f"def wf_{w}(x: str{default}) -> dict:"
        )
        if use_inputs:
            lines.append("    x = inp.x")
        for statement in draw(st.lists(st.sampled_from(BODY), max_size=4)):
            t = draw(st.integers(0, n_tasks - 1))
            lines.append("    " + statement.replace("{t}", str(t)).replace("{w}", str(w)))
        lines.append("    " + draw(st.sampled_from(RETURNS)))
        lines.append("")
    return "\n".join(lines) + "\n"


GOOD = """
from flowdsl import task, workflow

@task
def first(x: str) -> str:
    return x

@workflow(name="previous", version=1)
def previous(x: str) -> dict:
    return {"r": first(x=x)}
"""

_counter = iter(range(10**9))


def _project(tmp: str) -> Path:
    cwd = Path(tmp)
    (cwd / "pyproject.toml").write_text(PYPROJECT)
    (cwd / "good.py").write_text(textwrap.dedent(GOOD))
    first = invoke(cwd, "compile", "good.py")
    assert first.exit_code == 0, first.stderr
    return cwd


@FUZZ
@given(user_modules(), st.sampled_from(["check", "check-json", "compile"]), st.booleans())
def test_bad_user_modules(source: str, command: str, ignore_all: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cwd = _project(tmp)
        if ignore_all:  # every finding silenced: what reaches the emitter must not crash it
            codes = ", ".join(f'"{code}"' for code in all_codes())
            (cwd / "pyproject.toml").write_text(PYPROJECT + f"ignore = [{codes}]\n")
        module = f"fuzz_module_{next(_counter)}.py"
        (cwd / module).write_text(source, errors="surrogatepass")
        before = snapshot(cwd / "out")
        if command == "compile":
            result = invoke(cwd, "compile", module)
            assert_contract(result)
            assert_output(cwd, before, result, module)
        else:
            fmt = "json" if command == "check-json" else "human"
            result = invoke(cwd, "check", "--format", fmt, module)
            assert_contract(result, json_stdout=fmt == "json")
            assert snapshot(cwd / "out") == before


# --- hostile file layouts --------------------------------------------------------------------

ENTRY_KINDS = (
    "good_py",
    "bad_py",
    "good_json",
    "bad_json",
    "empty_json",
    "other_json",
    "fifo",
    "fifo_py",
    "device_link",
    "self_loop",
    "self_loop_py",
    "dir_loop",
    "dangling",
    "nested_dir",
    "hidden_dir",
)
NAMES = ("a", "b c", "é", "x" * 200, "-dash", "new\nline", "test_skip")
VALID_JSON = {
    "name": "layout_flow",
    "version": 1,
    "ownerEmail": "fuzz@example.com",
    "schemaVersion": 2,
    "tasks": [
        {
            "name": "wait",
            "taskReferenceName": "pause",
            "type": "WAIT",
            "inputParameters": {"duration": "1 s"},
        }
    ],
}


def _make(directory: Path, kind: str, name: str) -> None:
    suffix = ".py" if kind.endswith("_py") else ".json"
    path = directory / (name + suffix)
    if os.path.lexists(path) or os.path.lexists(directory / name):
        return
    if kind == "good_py":
        path.write_text(
            textwrap.dedent(GOOD).replace('"previous"', f'"layout_{abs(hash(name)) % 999}"')
        )
    elif kind == "bad_py":
        path.write_text("import sys\nprint('hi')\nsys.exit(0)\n")
    elif kind == "good_json":
        path.write_text(json.dumps(VALID_JSON))
    elif kind == "bad_json":
        path.write_text('{"name": "x", "tasks": [')
    elif kind == "empty_json":
        path.write_text("")
    elif kind == "other_json":
        path.write_text('{"dependencies": {}}')
    elif kind.startswith("fifo"):
        os.mkfifo(path)
    elif kind == "device_link":
        path.symlink_to("/dev/zero")
    elif kind.startswith("self_loop"):
        path.symlink_to(path.name)
    elif kind == "dir_loop":
        (directory / name).symlink_to(".")
    elif kind == "dangling":
        path.symlink_to("does-not-exist" + suffix)
    elif kind in ("nested_dir", "hidden_dir"):
        sub = directory / (("." if kind == "hidden_dir" else "") + name)
        sub.mkdir(exist_ok=True)
        (sub / "inner.json").write_text(json.dumps(VALID_JSON))


OUT_LAYOUTS = (
    "none",
    "previous",
    "out_is_file",
    "out_dangling",
    "out_loop",
    "workflows_is_file",
    "dir_where_file_goes",
    "leftover_stage",
    "leftover_tmp",
    "garbage_journal",
    "foreign_files",
)


def _out_layout(cwd: Path, layout: str) -> None:
    out = cwd / "out"
    if layout == "previous":
        assert invoke(cwd, "compile", "good.py").exit_code == 0
    elif layout == "out_is_file":
        out.write_text("not a folder")
    elif layout == "out_dangling":
        out.symlink_to("nowhere")
    elif layout == "out_loop":
        out.symlink_to("out")
    elif layout == "workflows_is_file":
        out.mkdir()
        (out / "workflows").write_text("x")
    elif layout == "dir_where_file_goes":
        (out / "workflows" / "previous.v1.json").mkdir(parents=True)
    elif layout == "leftover_stage":
        assert invoke(cwd, "compile", "good.py").exit_code == 0
        (out / ".flowdsl-stage-x" / "workflows").mkdir(parents=True)
        (out / ".flowdsl-stage-x" / "workflows" / "half.json").write_text("{")
    elif layout == "leftover_tmp":
        assert invoke(cwd, "compile", "good.py").exit_code == 0
        (out / "workflows" / ".previous.v1.json.abc.tmp").write_text("{")
    elif layout == "garbage_journal":
        assert invoke(cwd, "compile", "good.py").exit_code == 0
        (out / ".flowdsl-journal.json").write_text("garbage")
    elif layout == "foreign_files":
        (out / "workflows").mkdir(parents=True)
        (out / "workflows" / "README.md").write_text("mine")
        (out / "notes.txt").write_text("mine too")


@FUZZ
@given(
    st.lists(st.tuples(st.sampled_from(ENTRY_KINDS), st.sampled_from(NAMES)), max_size=5),
    st.sampled_from(OUT_LAYOUTS),
    st.sampled_from(["check", "compile", "compile-good", "compile-check"]),
)
def test_hostile_layouts(entries: list[tuple[str, str]], layout: str, command: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        (cwd / "pyproject.toml").write_text(PYPROJECT)
        (cwd / "good.py").write_text(textwrap.dedent(GOOD))
        src = cwd / "src"
        src.mkdir()
        for kind, name in entries:
            _make(src, kind, name)
        _out_layout(cwd, layout)
        before = snapshot(cwd / "out")
        if command == "check":
            result = invoke(cwd, "check", "--format", "json", "src")
            assert_contract(result, json_stdout=True)
            return
        target = "good.py" if command == "compile-good" else "src"
        if command == "compile-check":
            result = invoke(cwd, "compile", "--check", target)
            assert_contract(result)
            # --check writes nothing; it may only finish an interrupted write (none here).
            assert _visible(snapshot(cwd / "out")) == _visible(before)
            return
        result = invoke(cwd, "compile", target)
        assert_contract(result)
        if result.exit_code == 0:
            assert_output(cwd, before, result, target)
        elif layout not in ("leftover_stage", "leftover_tmp"):
            assert snapshot(cwd / "out") == before, result.stderr
        else:  # a failed run may still have cleaned the leftovers, and nothing else
            assert _visible(snapshot(cwd / "out")) == _visible(before)


def _visible(files: dict[str, bytes | str]) -> dict[str, bytes | str]:
    """Without hidden entries (temporary files a run may clean)."""
    return {k: v for k, v in files.items() if not any(p.startswith(".") for p in k.split("/"))}
