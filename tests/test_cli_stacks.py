from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from microsession.cli import main
from microsession.core.stacks import TEMPLATES, Stack, Step
from microsession.paths import db_path
from microsession.store import db
from microsession.store import stacks as store


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROSESSION_DATA_DIR", str(tmp_path))
    return tmp_path


def run(capsys, *argv):
    code = main(["stacks", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def stored(folder):
    conn = db.connect(db_path(folder))
    return conn


def test_list_without_a_data_file_shows_the_templates_and_creates_nothing(data, capsys):
    code, out, err = run(capsys, "list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == len(TEMPLATES)
    assert lines[0].startswith("Research → Write → Edit")
    assert "45 min" in lines[0]
    assert "10 min Research → 5 min break → 15 min Writing → 5 min break → 10 min Editing" in lines[0]
    assert not db_path(data).exists()


def test_list_json_has_steps_and_totals(data, capsys):
    code, out, _ = run(capsys, "list", "--json")
    assert code == 0
    stacks = json.loads(out)
    assert [s["name"] for s in stacks] == [t.name for t in TEMPLATES]
    deep = stacks[2]
    assert deep["total_minutes"] == 105 and deep["focus_minutes"] == 90
    assert deep["steps"][0] == {"kind": "focus", "minutes": 90, "label": "Deep work", "task_type": None,
                                "task_id": None}


def test_list_shows_the_users_stacks_in_their_order(data, capsys):
    conn = stored(data)
    store.seed_templates(conn)
    store.delete(conn, "Inbox zero")
    store.save(conn, Stack("Mine", (Step("focus", 12.5, "Sketch", "creative"), Step("break", 3))))
    store.move(conn, "Mine", 0)
    conn.close()
    code, out, err = run(capsys, "list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("Mine") and "15.5 min" in lines[0] and "12.5 min Sketch → 3 min break" in lines[0]
    assert not any(line.startswith("Inbox zero") for line in lines)
    code, out, _ = run(capsys, "list", "--json")
    assert json.loads(out)[0]["total_minutes"] == 15.5


def test_a_damaged_stack_is_named_on_stderr_and_the_rest_listed(data, capsys):
    conn = stored(data)
    store.seed_templates(conn)
    conn.execute("INSERT INTO stacks (name, json, position) VALUES ('Broken', '{oops', 9)")
    conn.close()
    code, out, err = run(capsys, "list", "--json")
    assert code == 0
    assert len(json.loads(out)) == len(TEMPLATES)
    assert err.count("\n") == 1 and "'Broken'" in err and err.startswith("microsession: ")


@pytest.mark.parametrize("argv", [[], ["list", "--bogus"], ["frob"], ["list", "extra"]])
def test_bad_input_is_one_line_exit_2(data, capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("microsession: ") and "Traceback" not in err
    assert not db_path(data).exists()


def test_a_damaged_data_file_is_one_line(data, capsys):
    db_path(data).parent.mkdir(parents=True, exist_ok=True)
    db_path(data).write_bytes(b"not a database" * 100)
    code, _, err = run(capsys, "list")
    assert code == 2 and err.count("\n") == 1 and err.startswith("microsession: ")


def test_the_real_entry_point_imports_no_qt(tmp_path):
    code = ("import sys; from microsession.cli import main; rc = main(sys.argv[1:]);"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'apscheduler')];"
            "print('QT-MODULES', bad, file=sys.stderr); sys.exit(rc if not bad else 99)")
    env = dict(os.environ, MICROSESSION_DATA_DIR=str(tmp_path))
    db.connect(db_path(tmp_path)).close()  # a new data file: seeded on use
    result = subprocess.run([sys.executable, "-c", code, "stacks", "list"], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "Inbox zero" in result.stdout and "QT-MODULES []" in result.stderr
