"""`microsession triggers add` with a subscription address and a CalDAV account: checked once
before the rule is kept; a bad address, a refusal, a timeout, a web page are one line, exit 2."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from microsession.cli import main

UTC = timezone.utc


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROSESSION_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TZ", "UTC")
    return tmp_path / "data"


def run(capsys, *argv):
    code = main(["triggers", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def daily_ics() -> bytes:
    day = datetime.now(UTC) + timedelta(days=1)
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

    day = (datetime.now(UTC) + timedelta(days=2)).replace(hour=14, minute=0, second=0, microsecond=0)
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
