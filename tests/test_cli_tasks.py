from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from microsession.cli import main
from microsession.paths import db_path


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROSESSION_DATA_DIR", str(tmp_path))
    return tmp_path


def run(capsys, *argv):
    code = main(["tasks", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def count_tasks(folder) -> int:
    path = db_path(folder)
    if not path.exists():
        return 0
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM tasks").fetchone()[0]


def test_add_then_list_json_round_trips(data, capsys):
    code, out, err = run(capsys, "add", "Reply to Anna", "--type", "communication", "--minutes", "10")
    assert code == 0 and err == ""
    first_id = out.strip()
    assert len(first_id) == 32
    code, out, _ = run(capsys, "add", "Draft intro", "--type", "Reviewing & editing", "--minutes", "25",
                       "--project", "Thesis", "--aspect", "Intro", "--json")
    second = json.loads(out)
    assert second["task_type"] == "reviewing-editing" and second["aspect"] == "Intro"
    code, out, _ = run(capsys, "list", "--json")
    listed = json.loads(out)
    assert [t["id"] for t in listed] == [first_id, second["id"]]
    assert listed[1] == second
    assert listed[0] | {"created_utc": None} == {
        "id": first_id, "title": "Reply to Anna", "task_type": "communication", "minutes": 10,
        "project": None, "aspect": None, "done": False, "created_utc": None, "finished_utc": None}
    _, out, _ = run(capsys, "list", "--type", "communication", "--json")
    assert [t["title"] for t in json.loads(out)] == ["Reply to Anna"]
    _, out, _ = run(capsys, "list", "--project", "Thesis")
    assert "Draft intro" in out and "Reply to Anna" not in out and "(Thesis / Intro)" in out


def test_done_delete_and_all(data, capsys):
    _, out, _ = run(capsys, "add", "Reply to Anna")
    task_id = out.strip()
    code, out, err = run(capsys, "done", task_id[:8])
    assert code == 0 and out.startswith("Marked done") and err == ""
    _, out, _ = run(capsys, "list", "--json")
    assert json.loads(out) == []
    _, out, _ = run(capsys, "list", "--all", "--json")
    [task] = json.loads(out)
    assert task["done"] is True and task["finished_utc"] is not None
    assert run(capsys, "done", task_id, "--undo")[0] == 0
    code, out, _ = run(capsys, "delete", task_id)
    assert code == 0 and out == "Deleted: Reply to Anna\n"
    _, out, _ = run(capsys, "list", "--all")
    assert out == "No tasks.\n"
    assert count_tasks(data) == 1  # soft: the row stays


def test_custom_types(data, capsys):
    assert run(capsys, "add-type", "Deep Writing")[1] == "deep-writing\n"
    assert run(capsys, "add", "Chapter 2", "--type", "deep writing")[0] == 0
    _, out, _ = run(capsys, "types", "--json")
    assert {"slug": "deep-writing", "label": "Deep Writing", "builtin": False} in json.loads(out)


def test_list_without_a_data_file_creates_nothing(data, capsys):
    assert run(capsys, "list") == (0, "No open tasks.\n", "")
    assert run(capsys, "list", "--json")[1] == "[]\n"
    assert not db_path(data).exists()


@pytest.mark.parametrize("argv", [
    ["add", ""],
    ["add", "   "],
    ["add", "two\nlines"],
    ["add", "x" * 201],
    ["add", "x", "--minutes", "0"],
    ["add", "x", "--minutes", "500"],
    ["add", "x", "--minutes", "x"],
    ["add", "x", "--minutes", "4.5"],
    ["add", "x", "--type", "no-such-type"],
    ["add", "x", "--type", "!!!"],
    ["add", "x", "--type", ""],
    ["add", "x", "--aspect", "Intro"],
    ["add"],
    ["list", "--type", "no-such-type"],
    ["list", "--bogus"],
    ["done", "0123456789abcdef0123456789abcdef"],
    ["done", "zz"],
    ["done", "ab"],
    ["delete", "0123456789abcdef0123456789abcdef"],
    ["add-type", "!!!"],
    ["frobnicate"],
    [],
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(data, capsys, argv):
    assert run(capsys, "add", "existing task")[0] == 0
    code, out, err = run(capsys, *argv)
    assert code == 2, (out, err)
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("microsession: ") and "Traceback" not in err
    assert count_tasks(data) == 1


def test_bad_input_on_an_empty_folder_creates_no_file(data, capsys):
    for argv in (["add", ""], ["add", "x", "--minutes", "500"], ["add", "x", "--type", "nope"],
                 ["done", "abcd1234"], ["delete", "abcd1234"]):
        assert run(capsys, *argv)[0] == 2
    assert not db_path(data).exists()


def test_an_ambiguous_prefix_is_refused(data, capsys):
    for title in ("one", "two"):
        assert run(capsys, "add", title)[0] == 0
    with sqlite3.connect(db_path(data)) as conn:  # make both ids start alike
        conn.execute("UPDATE tasks SET id = 'abcd' || substr(id, 5)")
    conn.close()
    code, _, err = run(capsys, "done", "abcd")
    assert code == 2 and "fits 2 tasks" in err and err.count("\n") == 1


def test_a_damaged_data_file_is_one_line(data, capsys):
    db_path(data).write_bytes(b"not a database" * 100)
    code, _, err = run(capsys, "list")
    assert code == 2 and err.count("\n") == 1 and err.startswith("microsession: ")


def _run_subprocess(data, *argv):
    code = ("import sys; from microsession.cli import main; rc = main(sys.argv[1:]);"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'apscheduler')];"
            "print('QT-MODULES', bad, file=sys.stderr); sys.exit(rc if not bad else 99)")
    env = dict(os.environ, MICROSESSION_DATA_DIR=str(data))
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, env=env)


def test_tasks_commands_import_no_qt(tmp_path):
    added = _run_subprocess(tmp_path, "tasks", "add", "Reply to Anna", "--type", "communication")
    assert added.returncode == 0, added.stderr
    listed = _run_subprocess(tmp_path, "tasks", "list")
    assert listed.returncode == 0, listed.stderr
    assert "Reply to Anna" in listed.stdout and "QT-MODULES []" in listed.stderr


def test_the_real_entry_point_exits_2_with_one_line(tmp_path):
    env = dict(os.environ, MICROSESSION_DATA_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "microsession", "tasks", "add", "x", "--minutes", "0"],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == ["microsession: argument --minutes: minutes must be from 5 to 120 (got 0)"]


def test_adding_an_existing_type_says_so(data, capsys):
    code, out, err = run(capsys, "add-type", "admin")
    assert (code, out) == (0, "admin\n")
    assert err == "microsession: the task type 'admin' exists already; nothing was added\n"
    code, out, err = run(capsys, "add-type", "Garden work")
    assert (code, out, err) == (0, "garden-work\n", "")
    code, out, err = run(capsys, "add-type", "garden work")
    assert code == 0 and out == "garden-work\n" and "exists already" in err
