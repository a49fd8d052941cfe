"""`microsession stats` on the synthetic history of tests/core/test_metrics.py (user in Berlin)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from microsession.cli import main
from microsession.paths import db_path
from microsession.store import db


def _load(relative: str):
    path = Path(__file__).resolve().parent / relative
    spec = importlib.util.spec_from_file_location(path.stem + "_shared", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STORE_TESTS = _load("store/test_metrics_store.py")

# Berlin as a POSIX rule (CET, CEST from the last Sunday of March 02:00 to the last Sunday of
# October 03:00): needs no tzdata on the machine.
BERLIN_TZ = "CET-1CEST,M3.5.0,M10.5.0/3"


@pytest.fixture
def berlin(monkeypatch):
    monkeypatch.setenv("TZ", BERLIN_TZ)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def data(tmp_path, monkeypatch, berlin):
    monkeypatch.setenv("MICROSESSION_DATA_DIR", str(tmp_path))
    conn = db.connect(db_path(tmp_path))
    STORE_TESTS.write_history(conn)
    conn.close()
    return tmp_path


def stats(capsys, *argv):
    code = main(["stats", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_week_json(data, capsys):
    code, out, err = stats(capsys, "--week", "--json", "--date", "2026-03-29")
    assert code == 0 and err == ""
    d = json.loads(out)
    assert (d["week_start"], d["week_end"]) == ("2026-03-23", "2026-03-29")
    assert (d["sessions"], d["micro_sessions"], d["deep_sessions"]) == (7, 6, 1)
    assert (d["focused_minutes"], d["micro_focused_minutes"], d["deep_focused_minutes"]) == (202.0, 112.0, 90.0)
    assert d["tasks_finished"] == 2  # at +02:00 the Sunday 22:30 UTC task is Monday's
    assert d["average_session_minutes"] == 25.2 and d["average_energy"] == 3.5
    assert (d["interrupted"], d["counted_sessions"], d["interruption_rate"], d["breaks"]) == (1, 8, 0.125, 1)
    assert [x["completed"] for x in d["per_day"]] == [2, 1, 1, 1, 0, 0, 2]
    assert d["per_day"][0] == {"date": "2026-03-23", "completed": 2, "focused_minutes": 40.0, "breaks": 1}
    assert d["before"] == {"weeks": 1, "sessions": 1.0, "focused_minutes": 25.0, "tasks_finished": 1.0,
                           "per_day": [0, 0, 0, 0, 0, 0, 1.0]}
    assert d["sentence"] == "7 sessions, 3 h 22 min of focus"
    assert d["energy_by_length"]["20-25"] == {"mean": 3.75, "n": 4}  # 12 weeks: the week before too
    assert d["sweet_spot"]["bucket"] is None and d["sweet_spot"]["days_missing"] == 8
    assert d["never_finished"] == ["research"]
    assert d["task_types"]["research"] == {"sessions": 3, "finished": 0, "rate": 0.0}


def test_week_text_day_and_all(data, capsys):
    code, out, _ = stats(capsys, "--date", "2026-03-29")
    assert code == 0 and out.startswith("Week of Mon 23 Mar 2026\n7 sessions, 3 h 22 min of focus — 6 more")
    assert "Per day: Mon 2 · Tue 1 · Wed 1 · Thu 1 · Fri 0 · Sat 0 · Sun 2" in out
    code, out, _ = stats(capsys, "--day", "--date", "2026-03-23", "--json")
    d = json.loads(out)
    assert d == {"period": "day", "date": "2026-03-23", "completed": 2, "goal": 3, "focused_minutes": 40.0,
                 "breaks": 1, "streak_days": 0, "streak_graces": 0, "goal_offer": None}
    _, out, _ = stats(capsys, "--day", "--date", "2026-03-23")
    assert out == "2026-03-23 · Today: 2 / 3 · 40 min of focus · 1 break · No streak yet\n"
    code, out, _ = stats(capsys, "--all", "--json")
    d = json.loads(out)
    assert (d["sessions"], d["days_with_sessions"], d["first_day"], d["tasks_finished"]) == (9, 7, "2026-03-22", 4)


def test_reads_without_writing(data, capsys):
    before = {p.name: p.stat().st_mtime_ns for p in data.iterdir()}
    assert stats(capsys, "--all")[0] == 0
    after = {p.name: p.stat().st_mtime_ns for p in data.iterdir() if p.name.endswith(".sqlite3")}
    assert after == before  # the data file untouched


def test_no_data_is_a_friendly_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MICROSESSION_DATA_DIR", str(tmp_path))
    code, out, err = stats(capsys)
    assert code == 0 and err == "" and out.startswith("No sessions yet")
    assert not db_path(tmp_path).exists()  # nothing created
    db.connect(db_path(tmp_path)).close()  # an empty database: the same
    assert stats(capsys, "--json")[:2] == (0, '{"period": "week", "sessions": 0}\n')


def test_damaged_database_is_one_line_exit_2(data, capsys):
    path = db_path(data)
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.truncate(size // 2)
    code, out, err = stats(capsys, "--week")
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("microsession: cannot read")
    path.write_bytes(b"this is not a database at all" * 200)
    code, out, err = stats(capsys, "--json")
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err


def test_bad_arguments_are_one_line(data, capsys):
    assert stats(capsys, "--date", "2026-02-30")[0] == 2
    for far in ("0001-01-01", "9999-12-31"):
        code, _, err = stats(capsys, "--day", "--date", far)
        assert code == 2 and err.startswith("microsession: argument --date: expected a date from 1971")
    assert stats(capsys, "--date", "1971-01-01")[0] == 0 and stats(capsys, "--day", "--date", "9000-12-31")[0] == 0
    code, _, err = stats(capsys, "--week", "--day")
    assert code == 2 and err.count("\n") == 1


def test_stats_process_imports_no_qt(data):
    code = ("import sys; from microsession.cli import main; rc = main(['stats', '--json', '--date', '2026-03-29']);"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'apscheduler')];"
            "print(bad, file=sys.stderr); sys.exit(rc or (1 if bad else 0))")
    env = dict(os.environ, MICROSESSION_DATA_DIR=str(data), TZ=BERLIN_TZ)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["sessions"] == 7


def test_the_text_says_what_it_counts_like_the_review(data, capsys):
    code, out, _ = stats(capsys, "--date", "2026-03-29")
    assert code == 0
    assert "Completed 7 of 8 started: micro 6, deep work 1 · focus (stopped sessions too): micro 1 h 52 min, deep work 1 h 30 min" in out
    assert "interrupted 1 of 8 started" in out
