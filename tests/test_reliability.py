"""Regression tests for issue 10: every class of input that once made flowdsl crash, hang,
lie with its exit code or leave a half-written output folder (tests/test_fuzz.py keeps
looking for new ones)."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from flowdsl import output
from flowdsl.errors import WriteError
from flowdsl.output import JOURNAL, OWNED_DIRS, OwnedDir, recover, write

from .conftest import REPO, run_cli
from .test_fuzz import PYPROJECT, assert_contract, invoke, snapshot

ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False

GOOD = """
from flowdsl import task, workflow

@task
def step(x: str) -> str:
    return x

@workflow(name="flow", version=1)
def flow(x: str) -> dict:
    return {"r": step(x=x)}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "good.py").write_text(textwrap.dedent(GOOD))
    return tmp_path


def module(project: Path, name: str, source: str) -> str:
    (project / name).write_text(textwrap.dedent(source))
    return name


def workflow_json(**task: Any) -> dict[str, Any]:
    base = {"name": "t", "taskReferenceName": "t_ref", "type": "SIMPLE"}
    return {
        "name": "wf",
        "version": 1,
        "ownerEmail": "a@example.com",
        "schemaVersion": 2,
        "tasks": [{**base, **task}],
    }


def check_json(project: Path, doc: Any, *, text: str | None = None) -> tuple[int, list[Any], str]:
    (project / "wf.json").write_text(text if text is not None else json.dumps(doc))
    result = invoke(project, "check", "--format", "json", "wf.json")
    assert_contract(result, json_stdout=True)
    return result.exit_code, json.loads(result.stdout), result.stderr


# --- values of the wrong type where Conductor wants a string ----------------------------------


@pytest.mark.parametrize(
    ("task", "field"),
    [
        (
            {
                "type": "SWITCH",
                "evaluatorType": "value-param",
                "expression": ["a"],
                "decisionCases": {"a": []},
            },
            "expression",
        ),
        (
            {
                "type": "SWITCH",
                "evaluatorType": "value-param",
                "expression": {"k": 1},
                "decisionCases": {"a": []},
            },
            "expression",
        ),
        ({"type": "DYNAMIC", "dynamicTaskNameParam": ["n"]}, "dynamicTaskNameParam"),
        (
            {
                "type": "FORK_JOIN_DYNAMIC",
                "dynamicForkTasksParam": {"a": 1},
                "dynamicForkTasksInputParamName": ["b"],
            },
            "dynamicForkTasksParam",
        ),
    ],
)
def test_non_string_construct_fields_are_findings(
    project: Path, task: dict[str, Any], field: str
) -> None:
    code, found, _ = check_json(project, workflow_json(**task))
    assert code == 1
    assert any(f["code"] == "FD604" and f["pointer"] == f"/tasks/0/{field}" for f in found), found


def test_non_string_termination_status_is_a_finding(project: Path) -> None:
    doc = workflow_json(type="TERMINATE", inputParameters={"terminationStatus": {"a": ["b"]}})
    code, found, _ = check_json(project, doc)
    assert code == 1
    assert any("terminationStatus" in f["message"] for f in found), found


# --- text no Python value makes -----------------------------------------------------------------


def test_lone_surrogates_reach_every_output_format(project: Path) -> None:
    text = json.dumps(workflow_json()).replace('"SIMPLE"', '"\\ud800bad"')
    (project / "wf.json").write_text(text)
    for fmt in ("json", "human", "github"):
        result = invoke(project, "check", "--format", fmt, "wf.json")
        assert_contract(result, json_stdout=fmt == "json")
        assert result.exit_code == 0
        assert "ud800bad" in result.stdout
    found = json.loads(invoke(project, "check", "--format", "json", "wf.json").stdout)
    assert any("\ud800bad" in f["message"] for f in found)


def test_lone_surrogates_are_written_as_json_escapes(project: Path) -> None:
    from flowdsl.emit.conductor import dumps

    assert json.loads(dumps({"k": "a\ud800"})) == {"k": "a\ud800"}


def test_lone_surrogates_in_python_are_findings(project: Path) -> None:
    source = GOOD.replace('name="flow", version=1', 'name="f\\ud800", description="d\\udc80"')
    source = source.replace('{"r": step(x=x)}', '{"r\\ud801": step(x="\\ud802")}')
    name = module(project, "sur.py", source)
    result = invoke(project, "compile", name)
    assert_contract(result)
    assert result.exit_code == 1
    for field, code in (
        ("name", "ud800"),
        ("description", "udc80"),
        ("outputParameters", "ud801"),
        ("inputParameters", "ud802"),
    ):
        assert f"`{field}` holds text with a lone surrogate (\\{code})" in result.stdout


def test_integer_longer_than_pythons_limit(project: Path) -> None:
    text = json.dumps(workflow_json(startDelay=0)).replace(
        '"startDelay": 0', '"startDelay": ' + "9" * 5000
    )
    code, found, err = check_json(project, None, text=text)
    assert (code, found) == (2, [])
    assert "wf.json:1:" in err and "more than 4300 digits" in err


def test_integer_longer_than_pythons_limit_in_python(project: Path) -> None:
    name = module(project, "big.py", GOOD.replace("step(x=x)", "step(x=10**5000)"))
    result = invoke(project, "compile", name)
    assert_contract(result)
    assert result.exit_code == 1
    assert "big.py:10:" in result.stdout and "FD003" in result.stdout


def test_decorator_values_without_json_form(project: Path) -> None:
    source = GOOD.replace(
        "@task\n", "@task(input_template={'a': 10**5000}, retry_count=10**5000)\n"
    )
    source = source.replace(
        '@workflow(name="flow", version=1)', '@workflow(name="flow", variables={"v": {1, 2}})'
    )
    name = module(project, "opts.py", source)
    result = invoke(project, "compile", name)
    assert_contract(result)
    assert result.exit_code == 1
    assert "`inputTemplate` holds an integer of 16610 bits" in result.stdout
    assert "`retry_count` (retryCount) is an integer of 16610 bits" in result.stdout
    assert "`variables` holds a value of type set" in result.stdout


def test_non_string_template_keys_with_an_unknown_input(project: Path) -> None:
    # Found by the fuzzer: did_you_mean was handed the int key of inputTemplate.
    source = GOOD.replace("@task\n", "@task(input_template={1: 2})\n").replace(
        "step(x=x)", "step(x=x, extra=1)"
    )
    name = module(project, "keys.py", source)
    result = invoke(project, "check", name)
    assert_contract(result)
    assert result.exit_code == 1 and "has a key of type int" in result.stdout


def test_ignored_findings_cannot_crash_the_emitter(project: Path) -> None:
    (project / "pyproject.toml").write_text(PYPROJECT + 'ignore = ["FD604", "FD003"]\n')
    source = GOOD.replace("@task\n", "@task(input_template={'a': object()})\n")
    name = module(project, "ign.py", source)
    result = invoke(project, "compile", name)
    assert_contract(result)
    assert result.exit_code == 2
    assert "cannot be written as Conductor JSON" in result.stderr and "FD003" in result.stderr
    assert not (project / "out").exists()


# --- nesting -------------------------------------------------------------------------------------


def nested_loops(depth: int) -> dict[str, Any]:
    task: dict[str, Any] = {
        "name": "w",
        "taskReferenceName": "leaf",
        "type": "WAIT",
        "inputParameters": {"duration": "1 s"},
    }
    for i in range(depth):
        task = {
            "name": "loop",
            "taskReferenceName": f"l{i}",
            "type": "DO_WHILE",
            "loopCondition": "false",
            "loopOver": [task],
        }
    return {
        "name": "deep",
        "version": 1,
        "ownerEmail": "a@example.com",
        "schemaVersion": 2,
        "tasks": [task],
    }


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        json.dumps(workflow_json(inputParameters={"x": "${" * 3000 + "a" + "}" * 3000})),
        json.dumps(nested_loops(400)),
    ],
    ids=["deep-array", "dollar-in-dollar", "do-while-in-do-while"],
)
def test_too_deep_to_check_is_one_line(project: Path, text: str) -> None:
    # At the interpreter's default recursion limit, as a `flowdsl` process runs: tests that
    # run mypy in process leave it raised (mypy.main sets 2**14), and then these inputs can
    # be checked in full, which is fine too.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        code, found, err = check_json(project, None, text=text)
    finally:
        sys.setrecursionlimit(limit)
    assert (code, found) == (2, [])
    assert err.count("\n") == 1 and "wf.json" in err and "nested too deeply" in err


def test_finding_explosion_is_collapsed(project: Path) -> None:
    code, found, _ = check_json(project, nested_loops(250))
    assert code == 1
    assert len(found) <= 60  # 249 nested loops; once 31,126 findings and 66 MB
    assert "more FD313 findings in this file" in found[-1]["message"]
    human = invoke(project, "check", "wf.json")
    assert len(human.stdout) < 100_000


def test_self_referencing_returned_value(project: Path) -> None:
    name = module(
        project,
        "cyc.py",
        GOOD.replace('return {"r": step(x=x)}', 'd = {}\n    d["d"] = d\n    return {"r": d}'),
    )
    result = invoke(project, "compile", name)
    assert_contract(result)
    assert (
        result.exit_code == 1
        and "cyc.py:12:" in result.stdout
        and "contains itself" in result.stdout
    )


def test_very_deep_returned_value(project: Path) -> None:
    body = 'd = []\n    for _ in range(20000):\n        d = [d]\n    return {"r": d}'
    name = module(project, "deep.py", GOOD.replace('return {"r": step(x=x)}', body))
    result = invoke(project, "compile", name)
    assert_contract(result)
    assert result.exit_code == 2 and result.stderr.startswith("error: deep.py:")


# --- hostile files -----------------------------------------------------------------------------


def test_symlink_loop_inside_a_target_folder(project: Path) -> None:
    (project / "src").mkdir()
    (project / "src" / "loop.json").symlink_to("loop.json")
    (project / "src" / "dirloop").symlink_to(".")
    result = invoke(project, "check", "--format", "json", "src")
    assert_contract(result, json_stdout=True)
    assert result.exit_code == 2 and "loop.json: cannot read: symbolic link loop" in result.stderr


@pytest.mark.parametrize("kind", ["fifo-json", "fifo-py", "device"])
def test_special_files_are_refused_not_read(project: Path, kind: str) -> None:
    (project / "src").mkdir()
    if kind == "device":
        (project / "src" / "zero.json").symlink_to("/dev/zero")
    else:
        os.mkfifo(project / "src" / ("f.json" if kind == "fifo-json" else "f.py"))
    commands = [["check", "src"], ["check", "src/" + os.listdir(project / "src")[0]]]
    if kind == "fifo-py":
        commands.append(["compile", "src"])  # compile reads .py files only
    for args in commands:
        started = time.monotonic()
        result = invoke(project, *args)
        assert_contract(result)
        assert result.exit_code == 2 and "not a regular file" in result.stderr
        assert time.monotonic() - started < 10


def test_tool_flowdsl_that_is_not_a_table(project: Path) -> None:
    for text in ('tool = "x"\n', "[tool]\nflowdsl = 3\n"):
        (project / "pyproject.toml").write_text(text)
        result = invoke(project, "check", "good.py")
        assert_contract(result)
        assert result.exit_code == 2 and "must be a table" in result.stderr


def test_name_too_long_for_the_file_system(project: Path) -> None:
    name = module(project, "long.py", GOOD.replace('name="flow"', 'name="f" * 300'))
    result = invoke(project, "compile", name)
    assert_contract(result)
    assert result.exit_code == 2 and "file systems allow 255" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not (project / "out").exists()


def test_unreadable_directory_is_an_error(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "src" / "locked").mkdir(parents=True)
    (project / "src" / "ok.json").write_text(json.dumps(workflow_json()))
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = invoke(project, "check", "src")
    assert_contract(result)
    assert (
        result.exit_code == 2
        and "locked: cannot read directory: Permission denied" in result.stderr
    )
    assert "All checks passed" not in result.stdout


@pytest.mark.skipif(ROOT, reason="root reads any directory")
def test_unreadable_directory_for_real(project: Path) -> None:
    locked = project / "src" / "locked"
    locked.mkdir(parents=True)
    locked.chmod(0)
    try:
        result = invoke(project, "check", "src")
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 2 and "cannot read directory" in result.stderr


# --- exit codes are flowdsl's ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "shown"),
    [
        ("sys.exit(0)", "it called sys.exit(0)"),
        ("sys.exit(1)", "it called sys.exit(1)"),
        ("sys.exit(3)", "it called sys.exit(3)"),
        ("raise KeyboardInterrupt", "KeyboardInterrupt"),
        ("raise GeneratorExit", "GeneratorExit"),
        ("raise BaseException('odd')", "BaseException: odd"),
    ],
)
def test_user_module_cannot_choose_the_exit_code(project: Path, statement: str, shown: str) -> None:
    name = module(project, "bad.py", f"import sys\nprint('noise')\n{statement}\n")
    for args in (["compile", name], ["check", "--format", "json", name]):
        result = invoke(project, *args)
        assert_contract(result, json_stdout="json" in args)
        assert result.exit_code == 2
        assert f"error: bad.py:3:1: cannot import bad.py: {shown}" in result.stderr
        assert "noise" in result.stderr  # the user's print, on stderr


@pytest.mark.parametrize(
    ("statement", "shown"),
    [
        ("sys.exit(0)", "called sys.exit(0)"),
        ("raise KeyboardInterrupt", "raised KeyboardInterrupt"),
        ("raise GeneratorExit", "raised GeneratorExit"),
    ],
)
def test_base_exceptions_while_traced(project: Path, statement: str, shown: str) -> None:
    source = GOOD.replace("from flowdsl", "import sys\nfrom flowdsl").replace(
        'return {"r": step(x=x)}', f"print('tracing')\n    {statement}"
    )
    name = module(project, "body.py", source)
    result = invoke(project, "compile", name)
    assert_contract(result)
    assert result.exit_code == 2
    assert f"error: body.py:12:5: workflow `flow` {shown} while being traced" in result.stderr


def test_ctrl_c_exits_130(project: Path) -> None:
    module(
        project,
        "slow.py",
        "import pathlib, time\npathlib.Path('started').touch()\ntime.sleep(60)\n",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "flowdsl", "compile", "slow.py"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not (project / "started").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert stderr.strip() == "interrupted"


def test_threads_left_running_by_user_code_do_not_hang(project: Path) -> None:
    prelude = "import threading, time\nthreading.Thread(target=time.sleep, args=(600,)).start()\n"
    name = module(project, "threads.py", prelude + GOOD)
    for args, code in ((["compile", name], 0), (["check", "--format", "json", name], 0)):
        started = time.monotonic()
        proc = run_cli(*args, cwd=project)
        assert proc.returncode == code, proc.stderr
        assert time.monotonic() - started < 60
        assert "not waiting for 1 thread(s)" in proc.stderr
    assert json.loads(run_cli("check", "--format", "json", name, cwd=project).stdout) == []


def test_empty_target_and_no_workflow_are_usage_errors(project: Path) -> None:
    assert invoke(project, "compile", "good.py").exit_code == 0
    before = snapshot(project / "out")
    module(project, "plain.py", "x = 1\n")
    (project / "pkg.json").write_text('{"dependencies": {}}')
    for args in (
        ["compile", ""],
        ["compile", "plain.py"],
        ["check", ""],
        ["check", "plain.py"],
        ["check", "pkg.json"],
        ["compile", "-o", "", "good.py"],
    ):
        result = invoke(project, *args)
        assert_contract(result)
        assert result.exit_code == 2, args
        assert snapshot(project / "out") == before


def test_prints_of_user_code_go_to_stderr(project: Path) -> None:
    name = module(
        project,
        "loud.py",
        GOOD.replace("from flowdsl", "print('at import')\nfrom flowdsl").replace(
            '    return {"r"', '    print("while traced")\n    return {"r"'
        ),
    )
    result = invoke(project, "check", "--format", "json", name)
    assert_contract(result, json_stdout=True)
    assert json.loads(result.stdout) == []
    assert "at import" in result.stderr and "while traced" in result.stderr
    proc = run_cli("check", "--format", "json", name, cwd=project)
    assert json.loads(proc.stdout) == [] and "at import" in proc.stderr


def test_raw_writes_to_stdout_go_to_stderr_too(project: Path) -> None:
    prelude = (
        "import os, subprocess, sys\n"
        "os.write(1, b'raw write\\n')\n"
        "subprocess.run([sys.executable, '-c', 'print(\"child\")'], check=True)\n"
    )
    name = module(project, "raw.py", prelude + GOOD)
    for args in (["check", "--format", "json", name], ["compile", name]):
        proc = run_cli(*args, cwd=project)
        assert proc.returncode == 0, proc.stderr
        assert "raw write" in proc.stderr and "child" in proc.stderr
        assert "raw write" not in proc.stdout and "child" not in proc.stdout
    assert json.loads(run_cli("check", "--format", "json", name, cwd=project).stdout) == []


# --- locations are the user's ----------------------------------------------------------------------


@pytest.mark.parametrize("call", ["json.dumps(r)", "copy.deepcopy(r)", "copy.copy(r)"])
def test_location_is_never_in_the_standard_library(project: Path, call: str) -> None:
    source = GOOD.replace("from flowdsl", "import copy, json\nfrom flowdsl").replace(
        'return {"r": step(x=x)}', f'r = step(x=x)\n    return {{"r": {call}}}'
    )
    name = module(project, "loc.py", source)
    result = invoke(project, "check", "--format", "json", name)
    assert_contract(result, json_stdout=True)
    found = json.loads(result.stdout)
    assert found and all(f["file"] == "loc.py" and f["line"] == 12 for f in found), found


def test_bad_defaults_are_reported_where_written(project: Path) -> None:
    source = """
    from flowdsl import task, workflow
    from flowdsl.authoring import Inputs

    @task
    def step(x: str) -> str:
        return x

    class In(Inputs):
        y: object = {1, 2}

    @workflow(name="a")
    def a(x: str = {1, 2}) -> dict:
        return {"r": step(x=x)}

    @workflow(name="b")
    def b(inp: In) -> dict:
        return {"r": step(x="q")}
    """
    name = module(project, "defaults.py", source)
    found = json.loads(invoke(project, "check", "--format", "json", name).stdout)
    assert sorted((f["file"], f["line"], f["column"], f["code"]) for f in found) == [
        ("defaults.py", 10, 17, "FD003"),
        ("defaults.py", 13, 16, "FD003"),
    ]


def test_nul_byte_in_source_has_a_line(project: Path) -> None:
    (project / "nul.py").write_bytes(b"x = 1\ny = 'a\x00b'\n")
    result = invoke(project, "check", "nul.py")
    assert_contract(result)
    assert result.exit_code == 2 and "nul.py:2:7:" in result.stderr and "None" not in result.stderr


@pytest.mark.parametrize("decorator", ["task", "workflow"])
def test_bad_name_is_reported_at_the_decorator(project: Path, decorator: str) -> None:
    old = "@task\n" if decorator == "task" else '@workflow(name="flow", version=1)\n'
    name = module(project, "named.py", GOOD.replace(old, f"@{decorator}(name=5)\n"))
    result = invoke(project, "compile", name)
    assert_contract(result)
    assert result.exit_code == 1
    line = 4 if decorator == "task" else 8
    column = 7 if decorator == "task" else 11
    assert f"named.py:{line}:{column}: FD003 `name` must be a string, not int 5" in result.stdout


# --- duplicate JSON keys -------------------------------------------------------------------------


def test_duplicate_keys_last_wins_and_is_a_warning(project: Path) -> None:
    text = (
        '{"name": "wf", "version": 1, "ownerEmail": "a@example.com", "schemaVersion": 2,\n'
        ' "tasks": [{"name": "t", "taskReferenceName": "t_ref",\n'
        '            "type": "SIMPLE",\n'
        '            "type": "NOT_A_TYPE"}]}\n'
    )
    code, found, _ = check_json(project, None, text=text)
    assert code == 0
    by_code = {f["code"]: f for f in found}
    assert (by_code["FD312"]["line"], by_code["FD312"]["column"]) == (4, 21)  # the used value
    assert (by_code["FD605"]["line"], by_code["FD605"]["column"]) == (3, 21)  # the ignored one
    assert by_code["FD605"]["severity"] == "warning"


def test_duplicate_keys_in_other_json_are_not_reported(project: Path) -> None:
    (project / "package.json").write_text('{"dependencies": {}, "dependencies": {"a": "1"}}')
    (project / "wf.json").write_text(json.dumps(workflow_json(type="WAIT")))
    result = invoke(project, "check", "--format", "json", ".")
    assert_contract(result, json_stdout=True)
    assert [f["code"] for f in json.loads(result.stdout)] == []


# --- output: all or nothing ------------------------------------------------------------------------

OLD = {
    "workflows/a.v1.json": b"old a\n",
    "workflows/b.v1.json": b"old b\n",
    "tasks/t.json": b"old t\n",
}
NEW = {
    "workflows/a.v1.json": b"new a\n",
    "workflows/c.v1.json": b"new c\n",
    "tasks/u.json": b"new u\n",
}


def owned(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for sub in OWNED_DIRS
        for p in sorted((out / sub.name).glob("*"))
        if p.is_file()
    }


def test_failure_at_any_step_of_the_switch_keeps_the_previous_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    write(out, OLD)
    real_rename = os.rename
    step = 0
    while True:
        calls = 0

        def failing(src: Any, dst: Any, fail_at: int = step + 1) -> None:
            nonlocal calls
            calls += 1
            if calls == fail_at:
                raise OSError(28, "No space left on device", str(dst))
            real_rename(src, dst)

        monkeypatch.setattr(os, "rename", failing)
        try:
            write(out, NEW)
        except WriteError as exc:
            assert "No space left on device" in str(exc) and "\n" not in str(exc)
            assert owned(out) == OLD, step
            assert sorted(p.name for p in out.iterdir()) == ["tasks", "workflows"]
            step += 1
            continue
        finally:
            monkeypatch.setattr(os, "rename", real_rename)
        break
    assert step >= 5  # every rename of the switch was made to fail once
    assert owned(out) == NEW


KILLER = """
import os, sys
from pathlib import Path
from flowdsl import output
real = os.rename
count = 0
def rename(src, dst):
    global count
    count += 1
    if count > int(sys.argv[2]):
        os._exit(9)  # killed: no cleanup, no undo
    real(src, dst)
os.rename = rename
output.write(Path(sys.argv[1]), {NEW!r})
"""


def test_a_killed_compile_is_undone_by_the_next_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    script = tmp_path / "killer.py"
    script.write_text(KILLER.replace("{NEW!r}", repr(NEW)))
    for after in range(6):
        write(out, OLD)
        proc = subprocess.run([sys.executable, str(script), str(out), str(after)], check=False)
        assert proc.returncode == 9
        assert (out / JOURNAL).exists()
        assert recover(out) is True
        assert owned(out) == OLD, after
        assert sorted(p.name for p in out.iterdir()) == ["tasks", "workflows"]
    # and a run killed while staging leaves the old set and leftovers the next run cleans
    (out / ".flowdsl-stage-dead" / "workflows").mkdir(parents=True)
    (out / "workflows" / ".a.v1.json.x1y2.tmp").write_bytes(b"{")
    write(out, NEW)
    assert owned(out) == NEW
    assert sorted(p.name for p in out.iterdir()) == ["tasks", "workflows"]
    assert sorted(p.name for p in (out / "workflows").iterdir()) == ["a.v1.json", "c.v1.json"]


def test_files_follow_the_umask(tmp_path: Path) -> None:
    for mask, mode in ((0o022, 0o644), (0o077, 0o600), (0o002, 0o664)):
        old = os.umask(mask)
        try:
            write(tmp_path / f"out{mask}", NEW)
        finally:
            os.umask(old)
        for rel in NEW:
            assert stat.S_IMODE((tmp_path / f"out{mask}" / rel).stat().st_mode) == mode


@pytest.mark.parametrize(
    "layout", ["out-is-file", "dangling", "loop", "dir-where-file-goes", "owned-dir-is-file"]
)
def test_write_errors_are_one_line_and_change_nothing(project: Path, layout: str) -> None:
    out = project / "out"
    if layout == "out-is-file":
        out.write_text("x")
    elif layout == "dangling":
        out.symlink_to("missing")
    elif layout == "loop":
        out.symlink_to("out")
    elif layout == "dir-where-file-goes":
        (out / "workflows" / "flow.v1.json").mkdir(parents=True)
        (out / "tasks").mkdir()
        (out / "tasks" / "step.json").write_text("old")
    else:
        out.mkdir()
        (out / "tasks").write_text("x")
    before = snapshot(out)
    result = invoke(project, "compile", "good.py")
    assert_contract(result)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: cannot write")
    assert snapshot(out) == before


@pytest.mark.skipif(ROOT, reason="root writes anywhere")
def test_read_only_output_folder(project: Path) -> None:
    assert invoke(project, "compile", "good.py").exit_code == 0
    before = snapshot(project / "out")
    module(project, "good.py", GOOD.replace('"flow"', '"flow2"'))
    (project / "out").chmod(0o555)
    try:
        result = invoke(project, "compile", "good.py")
    finally:
        (project / "out").chmod(0o755)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert snapshot(project / "out") == before


def test_racing_compiles_take_turns(project: Path) -> None:
    module(project, "other.py", GOOD.replace('"flow"', '"other"').replace("step", "other_step"))
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "flowdsl", "compile", target],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for target in ("good.py", "other.py", "good.py", "other.py")
    ]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    assert all(code == 0 for code, _ in results), results
    names = sorted(p.name for p in (project / "out" / "workflows").iterdir())
    assert names in (["flow.v1.json"], ["other.v1.json"])
    last = "good.py" if names == ["flow.v1.json"] else "other.py"
    assert invoke(project, "compile", "--check", last).exit_code == 0
    assert sorted(p.name for p in (project / "out").iterdir()) == ["tasks", "workflows"]


def test_a_held_lock_fails_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    fd = os.open(out, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    monkeypatch.setattr(output, "LOCK_TIMEOUT_SECONDS", 0.3)
    try:
        with pytest.raises(WriteError, match="another flowdsl compile has been writing there"):
            write(out, NEW)
        released = threading.Timer(0.1, lambda: os.close(fd))
        monkeypatch.setattr(output, "LOCK_TIMEOUT_SECONDS", 10)
        released.start()
        write(out, NEW)  # waits for the lock, then writes
        released.join()
    finally:
        with __import__("contextlib").suppress(OSError):
            os.close(fd)
    assert owned(out) == NEW


def test_owned_folders_are_one_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output, "OWNED_DIRS", (*OWNED_DIRS, OwnedDir("diagrams", (".svg",))))
    out = tmp_path / "out"
    write(out, {**OLD, "diagrams/a.svg": b"<svg/>"})
    write(out, NEW)
    assert not (out / "diagrams" / "a.svg").exists()
    with pytest.raises(WriteError, match="not a file name flowdsl writes"):
        write(out, {"elsewhere/x.json": b"{}"})
    with pytest.raises(WriteError, match="not a file name flowdsl writes"):
        write(out, {"workflows/../../x.json": b"{}"})


def test_repo_example_still_compiles(tmp_path: Path) -> None:
    proc = run_cli("compile", "examples/image_pipeline", "-o", str(tmp_path / "o"), cwd=REPO)
    assert proc.returncode == 0, proc.stderr
