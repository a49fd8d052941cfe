"""An ICS subscription address served by a real HTTP server on 127.0.0.1: a calendar, then
304s, a 500, a timeout, a changed calendar; the fire times follow, the local copy is used
offline, and every failure without a copy is one sentence."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from microsession.core.triggers import AfterEvents, Rule, Suggestion
from microsession.schedule import jobs
from microsession.schedule.calendar import CalendarError
from microsession.schedule.calendar_sources import source_for
from microsession.schedule.calendar import fire_times

UTC = timezone.utc
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # a Monday


def ics(end_hm: str) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:a@t\r\n"
            f"DTSTART:20260302T090000Z\r\nDTEND:20260302T{end_hm}00Z\r\nRRULE:FREQ=DAILY;COUNT=3\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def hm(times):
    return [t.strftime("%d %H:%M") for t in times]


def test_served_then_304_then_500_then_timeout_then_changed(server, tmp_path):
    cond = AfterEvents(server.url, 2, (0, 0), (23, 59), frozenset(range(7)), source="url")
    source = source_for(cond, tmp_path, timeout=1.0)
    etag = {"ETag": '"v1"', "Last-Modified": "Mon, 02 Mar 2026 06:00:00 GMT", "Content-Type": "text/calendar"}
    server.steps = [(200, ics("1000"), etag), (304, b"", {}), (500, b"oops", {}), "hang",
                    (200, ics("1030"), {"ETag": '"v2"'})]
    assert hm(fire_times(source, cond, NOW, UTC, 2)) == ["02 10:02", "03 10:02"]
    assert source.note is None
    source.refresh()  # 304: the copy is current
    assert server.seen[1].get("If-None-Match") == '"v1"' and server.seen[1].get("If-Modified-Since")
    assert hm(fire_times(source, cond, NOW, UTC, 2)) == ["02 10:02", "03 10:02"] and source.note is None
    source.refresh()  # 500: the copy keeps working, with a note
    assert hm(fire_times(source, cond, NOW, UTC, 2)) == ["02 10:02", "03 10:02"]
    assert source.note.startswith("offline: the calendar server failed (HTTP 500)")
    source.refresh()  # no answer within the timeout
    assert hm(fire_times(source, cond, NOW, UTC, 1)) == ["02 10:02"]
    assert "did not answer within 1 s" in source.note
    server.release.set()
    source.refresh()  # changed
    assert hm(fire_times(source, cond, NOW, UTC, 2)) == ["02 10:32", "03 10:32"] and source.note is None
    # a new source over the same folder works offline from the copy
    server.close()
    again = source_for(cond, tmp_path, timeout=1.0)
    assert hm(fire_times(again, cond, NOW, UTC, 1)) == ["02 10:32"] and again.note.startswith("offline: ")


@pytest.mark.parametrize("answer, sentence", [
    ((401, b"no", {}), "the server refused access (HTTP 401); check the secret address or the password"),
    ((404, b"no", {}), "there is no calendar at this address (HTTP 404)"),
    ((200, b"<!DOCTYPE html><html>Sign in</html>", {}), "it gives a web page, not a calendar (use the iCal/.ics address)"),
    ((200, b"hello", {}), "its answer is not a calendar (no BEGIN:VCALENDAR)"),
    ("hang", "the calendar server did not answer within 1 s"),
])
def test_each_failure_without_a_copy_is_one_sentence(server, tmp_path, answer, sentence):
    server.steps = [answer, answer]
    cond = AfterEvents(server.url, 2, source="url")
    source = source_for(cond, tmp_path, timeout=1.0)
    with pytest.raises(CalendarError) as err:
        fire_times(source, cond, NOW, UTC, 1)
    assert str(err.value) == sentence
    times, problem = jobs.preview(Rule("r", "x", True, cond, Suggestion(10)), UTC, NOW, 1,
                                  source=source_for(cond, tmp_path / "other", timeout=1.0))
    assert times == [] and problem == "broken: " + sentence


def test_an_unreachable_address(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    cond = AfterEvents(f"http://127.0.0.1:{port}/x.ics", 2, source="url")
    with pytest.raises(CalendarError, match=r"^cannot reach the calendar server \(.*refused"):
        fire_times(source_for(cond, tmp_path, timeout=1.0), cond, NOW, UTC, 1)


def test_addresses_are_checked_and_secrets_not_shown():
    cond = AfterEvents("webcal://calendar.example.org/ical/ana%40example.org/private-0123456789abcdef/basic.ics",
                       source="url")
    assert cond.path.startswith("https://calendar.example.org/")
    assert "0123456789" not in cond.describe() and "calendar.example.org" in cond.describe()
    for bad in ("ftp://x/y.ics", "https://", "https://user:pw@host/x.ics", "not an address"):
        with pytest.raises(ValueError):
            AfterEvents(bad, source="url")
    with pytest.raises(ValueError, match="needs a user name"):
        AfterEvents("https://dav.example.org/", source="caldav")


def test_a_redirect_is_followed_to_web_addresses_only(server, tmp_path):
    body = ics("1000")
    server.steps = [(302, b"", {"Location": server.url + "?moved"}), (200, body, {}),
                    (302, b"", {"Location": "ftp://127.0.0.1/secret.ics"})]
    cond = AfterEvents(server.url, 2, (0, 0), (23, 59), frozenset(range(7)), source="url")
    assert hm(fire_times(source_for(cond, tmp_path, timeout=1.0), cond, NOW, UTC, 1)) == ["02 10:02"]
    with pytest.raises(CalendarError, match=r"^cannot reach the calendar server \(it redirects to an address that is not"):
        fire_times(source_for(cond, tmp_path / "other", timeout=1.0), cond, NOW, UTC, 1)
