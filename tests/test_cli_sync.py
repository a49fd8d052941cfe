"""`microsession sync folder|now|status` and `stats --device`, through the real command line on
real data files of two "computers" sharing one folder."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from microsession import cli
from microsession.core.clock import FakeClock
from microsession.core.events import Kind
from microsession.core.session import Engine
from microsession.journal import Journal
from microsession.store import db


DAY = "2026-03-11"  # a Wednesday: 10:00 UTC is that day in every time zone from UTC-9 to UTC+13


def sessions_on(data, n, hour):
    data.mkdir(exist_ok=True)
    conn = db.connect(data / "microsession.sqlite3")
    clock = FakeClock(datetime(2026, 3, 11, hour, tzinfo=timezone.utc))
    for _ in range(n):
        engine, journal = Engine(clock), Journal(conn)
        [started] = engine.start(600, Kind.MICRO)
        journal.record([started])
        clock.advance(600)
        journal.record(engine.tick())
        clock.advance(60)
    conn.close()


def run(capsys, data, *args):
    code = cli.main(["--data-dir", str(data), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def two(tmp_path):
    shared = tmp_path / "Sync"
    shared.mkdir()
    a, b = tmp_path / "laptop", tmp_path / "desktop"
    sessions_on(a, 2, 10)
    sessions_on(b, 3, 11)
    return shared, a, b


def test_two_computers_one_log(capsys, two):
    shared, a, b = two
    assert run(capsys, a, "sync", "folder", str(shared), "--name", "laptop")[0] == 0
    assert run(capsys, b, "sync", "folder", str(shared), "--name", "desktop")[0] == 0
    for data in (a, b, a):
        code, out, _ = run(capsys, data, "sync", "now")
        assert code == 0 and out.startswith("Wrote ")
    days = [json.loads(run(capsys, d, "stats", "--day", "--json", "--date", DAY)[1]) for d in (a, b)]
    assert days[0]["completed"] == days[1]["completed"] == 5
    assert days[0]["streak_days"] == days[1]["streak_days"] == 1  # the goal of 3 is met by both together
    weeks = [json.loads(run(capsys, d, "stats", "--week", "--json", "--date", DAY)[1]) for d in (a, b)]
    assert weeks[0]["sessions"] == weeks[1]["sessions"] == 5  # the weekly review's figures too
    only = json.loads(run(capsys, a, "stats", "--day", "--json", "--date", DAY, "--device", "desktop")[1])
    assert only["completed"] == 3
    assert json.loads(run(capsys, b, "stats", "--day", "--json", "--date", DAY, "--device", "laptop")[1])["completed"] == 2
    status = json.loads(run(capsys, a, "sync", "status", "--json")[1])
    assert [(d["name"], d["sessions"], d["this"]) for d in status["devices"]] == [("laptop", 2, True), ("desktop", 3, False)]
    assert status["pending"] == 0 and status["problems"] == []
    code, out, _ = run(capsys, a, "sync", "status")
    assert "desktop" in out and "this computer" in out


def test_set_aside_file_shows_in_status(capsys, two):
    shared, a, b = two
    run(capsys, a, "sync", "folder", str(shared))
    run(capsys, a, "sync", "now")
    (shared / "devices" / ("f" * 32)).mkdir()
    (shared / "devices" / ("f" * 32) / "2026-01.jsonl").write_bytes(b"PK\x03\x04 not a journal\n")
    code, out, _ = run(capsys, a, "sync", "now")
    assert code == 0 and "Set aside: devices/ffff" in out and "not JSON" in out
    status = json.loads(run(capsys, a, "sync", "status", "--json")[1])
    assert len(status["problems"]) == 1


@pytest.mark.parametrize("args, words", [
    (["sync", "now"], "no sync folder is set"),
    (["sync", "folder", "relative/path"], "full path"),
    (["sync", "folder", "/nonexistent/for/sure"], "does not exist"),
    (["sync"], "needs a command"),
    (["stats", "--device", "nobody"], "no computer is called"),
    (["sync", "folder", "--name", "x" * 61], "at most 60"),
])
def test_bad_input_is_one_line(capsys, tmp_path, args, words):
    sessions_on(tmp_path / "d", 1, 10)
    code, out, err = run(capsys, tmp_path / "d", *args)
    assert code == 2 and words in err and err.count("\n") == 1 and "Traceback" not in err


def test_unwritable_folder_is_one_line(capsys, two):
    shared, a, _ = two
    run(capsys, a, "sync", "folder", str(shared))
    (shared / "devices").write_text("a file where the devices' folder should be")  # (root ignores modes)
    code, _, err = run(capsys, a, "sync", "now")
    assert code == 2 and err.count("\n") == 1 and "cannot write to the sync folder" in err
    status = json.loads(run(capsys, a, "sync", "status", "--json")[1])
    assert status["pending"] > 0  # nothing lost: written at the next round
