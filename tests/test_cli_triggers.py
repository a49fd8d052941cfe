from __future__ import annotations

import json
import sqlite3
import io
from datetime import datetime, timedelta, timezone

import pytest

from microsession.cli import main
from microsession.paths import db_path
from microsession.store import db

ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:a@t\r\n"
       "DTSTART:20260302T090000Z\r\nDTEND:20260302T100000Z\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROSESSION_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TZ", "UTC")
    return tmp_path / "data"


def run(capsys, *argv):
    code = main(["triggers", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def rows(folder) -> list[tuple]:
    path = db_path(folder)
    if not path.exists():
        return []
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT name, enabled, kind FROM triggers ORDER BY position").fetchall()


def test_list_shows_the_three_starting_rules_even_without_a_file(data, capsys):
    code, out, err = run(capsys, "list")
    assert code == 0 and err == ""
    assert [line.split("  ")[2].split(":")[0] for line in out.splitlines()] == [
        "Coffee planning", "After meetings", "Back at the desk"]
    assert "[incomplete: choose an .ics calendar file]" in out
    assert not db_path(data).exists()  # listing wrote nothing
    _, out, _ = run(capsys, "list", "--json")
    assert [r["enabled"] for r in json.loads(out)] == [False, False, False]


def test_add_enable_next_disable_remove(data, capsys):
    code, out, err = run(capsys, "add", "--name", "Stand-up", "--at", "10:30", "--days", "daily", "--minutes", "15",
                         "--type", "Communication")
    assert code == 0 and err == "" and len(out.strip()) == 32
    rule_id = out.strip()
    code, out, _ = run(capsys, "next", "--count", "3", "--json")
    upcoming = json.loads(out)
    assert len(upcoming) == 3 and {u["name"] for u in upcoming} == {"Stand-up"}
    times = [datetime.fromisoformat(u["at"]) for u in upcoming]
    assert times == sorted(times) and {(t.hour, t.minute) for t in times} == {(10, 30)}
    assert upcoming[0]["suggestion"] == "15 min · communication"
    assert run(capsys, "enable", "c0ffee")[1] == "Enabled: Coffee planning\n"
    _, out, _ = run(capsys, "next", "--count", "10", "--json")
    assert {u["name"] for u in json.loads(out)} == {"Stand-up", "Coffee planning"}
    assert run(capsys, "disable", rule_id[:6])[0] == 0
    assert run(capsys, "remove", rule_id)[1] == "Removed: Stand-up\n"
    assert rows(data) == [("Coffee planning", 1, "time"), ("After meetings", 0, "calendar"),
                          ("Back at the desk", 0, "idle")]


def test_every_and_calendar_and_idle(data, tmp_path, capsys):
    cal = tmp_path / "work.ics"
    cal.write_text(ICS, newline="")
    assert run(capsys, "add", "--name", "Afternoon", "--every", "90", "--between", "13:00-17:00")[0] == 0
    assert run(capsys, "add", "--name", "After", "--calendar", str(cal), "--after", "5", "--days", "daily")[0] == 0
    assert run(capsys, "add", "--name", "Desk", "--idle", "20", "--when-busy", "drop", "--disabled")[0] == 0
    _, out, _ = run(capsys, "list", "--json")
    after = [r for r in json.loads(out) if r["name"] == "After"][0]
    assert after["condition"]["after"] == 5 and after["condition"]["path"] == str(cal.resolve())
    assert after["problem"] is None
    _, out, _ = run(capsys, "next", "--count", "40", "--json")
    assert any(u["name"] == "After" and u["at"].endswith("T10:05:00+00:00") for u in json.loads(out))
    cal.write_bytes(b"\x00\x01binary")
    code, out, err = run(capsys, "next")
    assert code == 0 and "After: broken:" in err and "binary" in err
    _, out, _ = run(capsys, "list")
    assert "[broken:" in out


@pytest.mark.parametrize("argv, message", [
    (["--at", "25:00"], "expected a time like 09:30"),
    (["--at", "9:00", "--days", "funday"], "unknown weekday"),
    (["--calendar", "/no/such/file.ics"], "does not exist"),
    (["--every", "30"], "--every needs --between"),
    (["--every", "30", "--between", "17:00-13:00"], "ends before it starts"),
    (["--at", "9:00", "--every", "5"], "not allowed with"),
    (["--at", "9:00", "--type", "nosuchtype"], "unknown task type"),
    (["--at", "9:00", "--task", "abcd"], "no task with id"),
    (["--at", "9:00", "--stack", "Nope"], "no stack named"),
    (["--at", "9:00", "--minutes", "500"], "from 1 to 240"),
    (["--idle", "15", "--days", "mon"], "--idle takes neither"),
    ([], "one of the arguments"),
])
def test_bad_input_is_one_line_exit_2_nothing_written(data, capsys, argv, message):
    for attempt in range(2):  # without a data file, then with one
        code, out, err = run(capsys, "add", "--name", "X", *argv)
        assert code == 2 and out == "" and message in err and err.count("\n") == 1
        assert [r[0] for r in rows(data)] == ([] if attempt == 0 else ["Coffee planning", "After meetings",
                                                                          "Back at the desk"])
        make_file(data)


def make_file(folder):
    folder.mkdir(parents=True, exist_ok=True)
    db.connect(db_path(folder)).close()


def test_bad_ids(data, capsys):
    assert run(capsys, "enable", "xyz")[0] == 2
    assert run(capsys, "remove", "ffff")[2] == "microsession: no rule with id 'ffff'\n"
    make_file(data)
    assert "is incomplete" in run(capsys, "enable", "ca1e0d")[2]


@pytest.mark.parametrize(("argv", "says"), [
    (["add", "--name", "x", "--at", "10:30", "--minutes", "0"], "from 1 to 240, got 0"),
    (["add", "--name", "x", "--at", "10:30", "--minutes", "241"], "from 1 to 240, got 241"),
    (["next", "--count", "1000000"], "from 1 to 100"),
    (["add", "--name", "x", "--at", "10:30", "--after", "5"], "--after goes with --calendar or --caldav only"),
    (["add", "--name", "x", "--idle", "15", "--after", "5"], "--after goes with --calendar or --caldav only"),
    (["add", "--name", "x", "--calendar", ""], "expected a file name, got an empty text"),
    (["add", "--name", "x", "--calendar", "  "], "expected a file name"),
])
def test_new_user_mistakes_get_the_real_limit_or_the_conflict(data, capsys, argv, says):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and says in err and len(err.strip().splitlines()) == 1, err
    assert "is a folder" not in err
    assert rows(data) == []  # nothing written


def test_after_with_a_calendar_is_kept(data, capsys, tmp_path):
    ics = tmp_path / "work.ics"
    ics.write_text(ICS)
    code, out, err = run(capsys, "add", "--name", "After", "--calendar", str(ics), "--after", "7")
    assert code == 0, err
    _, out, _ = run(capsys, "list", "--json")
    [rule] = [r for r in json.loads(out) if r["name"] == "After"]
    assert rule["condition"]["after"] == 7


# --- calendars from a subscription address and a CalDAV account --------------------------------

def daily_ics() -> bytes:
    day = datetime.now(timezone.utc) + timedelta(days=1)
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:a@t\r\n"
            f"DTSTART:{day:%Y%m%d}T090000Z\r\nDTEND:{day:%Y%m%d}T100000Z\r\nRRULE:FREQ=DAILY\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def test_a_subscription_address_is_added_listed_and_followed(server, data, capsys):
    server.steps = [(200, daily_ics(), {"ETag": '"1"'})] + [(304, b"", {})] * 4
    code, out, err = run(capsys, "add", "--name", "After meetings", "--calendar", server.url, "--days", "daily",
                         "--between", "00:00-23:59")
    assert code == 0 and err == "", err
    code, out, err = run(capsys, "next", "--count", "2", "--json")
    assert code == 0 and err == ""
    assert [datetime.fromisoformat(u["at"]).strftime("%H:%M") for u in json.loads(out)] == ["10:02", "10:02"]
    code, out, _ = run(capsys, "list")
    assert "After meetings: 2 min after each event ends (http://127.0.0.1:" in out and "secret-abcdef" not in out
    assert list((data / "calendars").glob("*.ics"))  # the local copy


@pytest.mark.parametrize("answer, sentence", [
    ((401, b"", {}), "the server refused access (HTTP 401)"),
    ((200, b"<html>Sign in</html>", {}), "it gives a web page, not a calendar"),
    ("hang", "did not answer within 15 s"),
])
def test_a_bad_subscription_is_one_line_and_nothing_is_kept(server, data, capsys, answer, sentence, monkeypatch):
    if answer == "hang":
        from microsession.schedule import ics_fetch

        monkeypatch.setattr(ics_fetch, "TIMEOUT_S", 1.0)
        sentence = "did not answer within 1 s"
    server.steps = [answer]
    code, out, err = run(capsys, "add", "--name", "X", "--calendar", server.url)
    assert code == 2 and out == "" and sentence in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    code, out, _ = run(capsys, "list", "--json")
    assert "X" not in [r["name"] for r in json.loads(out)]


def test_a_malformed_address_is_one_line(data, capsys):
    code, out, err = run(capsys, "add", "--name", "X", "--calendar", "https://user:pw@example.org/x.ics")
    assert code == 2 and "user name" in err and len(err.strip().splitlines()) == 1


def test_a_caldav_account_with_its_password_in_the_keyring(radicale, memory_keyring, data, capsys, monkeypatch):
    import caldav

    day = (datetime.now(timezone.utc) + timedelta(days=2)).replace(hour=14, minute=0, second=0, microsecond=0)
    with caldav.DAVClient(url=radicale, username="ana", password="s3cret", require_tls=False) as client:
        client.principal().make_calendar(name="CLI").save_event(dtstart=day, dtend=day + timedelta(minutes=45),
                                                                summary="Review", uid="cli-review@ana")
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong\n"))
    code, _, err = run(capsys, "add", "--name", "Dav", "--caldav", radicale, "--user", "ana", "--password-stdin",
                       "--days", "daily", "--between", "00:00-23:59")
    assert code == 2 and err.strip().endswith("the CalDAV server refused the user name or password (HTTP 401)")
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret\n"))
    code, out, err = run(capsys, "add", "--name", "Dav", "--caldav", radicale, "--user", "ana", "--password-stdin",
                         "--days", "daily", "--between", "00:00-23:59")
    assert code == 0 and err == "", err
    code, out, err = run(capsys, "next", "--json")
    assert code == 0 and (day + timedelta(minutes=47)).isoformat()[:16] in out.replace("+00:00", "")
    db_bytes = b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    assert b"s3cret" not in db_bytes  # not in the database, the copy, or anything else in the data folder
    rule_id = json.loads(run(capsys, "list", "--json")[1])[-1]["id"]
    assert run(capsys, "remove", rule_id)[0] == 0
    assert memory_keyring.secrets == {}  # the password leaves the keyring with its last rule
