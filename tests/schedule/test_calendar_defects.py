"""Issue 14: cancelled, declined and free events give no reminder; a calendar that repeats
too often is bounded (left out with one line, never a hang)."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from microsession.core.triggers import AfterEvents, Rule, Suggestion
from microsession.schedule import jobs
from microsession.schedule.calendar import CalendarError, CalendarSource, fire_times

UTC = timezone.utc
START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday


def cal(*events: str, head: str = "") -> str:
    body = "".join(f"BEGIN:VEVENT\n{e.strip()}\nEND:VEVENT\n" for e in events)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//t//EN\n{head}{body}END:VCALENDAR\n"


def times(tmp_path, text: str, count: int = 10, **cond) -> list[str]:
    path = tmp_path / "c.ics"
    path.write_text(text)
    c = AfterEvents(str(path), 0, (0, 0), (23, 59), frozenset(range(7)), **cond)
    return [t.strftime("%d %H:%M") for t in fire_times(CalendarSource(str(path)), c, START, UTC, count)]


DAILY = """UID:daily@t
SUMMARY:Stand-up
DTSTART:20260302T090000Z
DTEND:20260302T091500Z
RRULE:FREQ=DAILY;COUNT=3"""


def test_a_cancelled_series_and_a_cancelled_instance_give_no_reminder(tmp_path):
    assert times(tmp_path, cal(DAILY)) == ["02 09:15", "03 09:15", "04 09:15"]
    assert times(tmp_path, cal(DAILY + "\nSTATUS:CANCELLED")) == []
    one_off = """UID:daily@t
RECURRENCE-ID:20260303T090000Z
SUMMARY:Stand-up
STATUS:CANCELLED
DTSTART:20260303T090000Z
DTEND:20260303T091500Z"""
    assert times(tmp_path, cal(DAILY, one_off)) == ["02 09:15", "04 09:15"]
    assert times(tmp_path, cal("UID:x@t\nSTATUS:CANCELLED\nDTSTART:20260302T100000Z\nDTEND:20260302T110000Z")) == []


def test_declined_by_the_owner_and_free_events(tmp_path):
    declined = """UID:d@t
DTSTART:20260302T120000Z
DTEND:20260302T130000Z
ORGANIZER:mailto:boss@example.org
ATTENDEE;PARTSTAT=ACCEPTED:mailto:boss@example.org
ATTENDEE;PARTSTAT=DECLINED;CN=Ana:mailto:Ana@Example.org"""
    free = "UID:f@t\nTRANSP:TRANSPARENT\nDTSTART:20260302T140000Z\nDTEND:20260302T150000Z"
    text = cal(DAILY, declined, free)
    # the owner unknown: the declined meeting still counts; the free one is skipped by default
    assert times(tmp_path, text) == ["02 09:15", "02 13:00", "03 09:15", "04 09:15"]
    assert times(tmp_path, text, me=frozenset({"ana@example.org"})) == ["02 09:15", "03 09:15", "04 09:15"]
    assert times(tmp_path, text, skip_free=False) == ["02 09:15", "02 13:00", "02 15:00", "03 09:15", "04 09:15"]
    # Google names a primary calendar by its owner's address: that is enough
    google = cal(DAILY, declined, head="X-WR-CALNAME:ana@example.org\n")
    assert times(tmp_path, google) == ["02 09:15", "03 09:15", "04 09:15"]


def test_our_own_exported_sessions_are_not_meetings(tmp_path):
    ours = "UID:0123abcd@sessions.microsession.invalid\nDTSTART:20260302T100000Z\nDTEND:20260302T102500Z"
    assert times(tmp_path, cal(DAILY, ours)) == ["02 09:15", "03 09:15", "04 09:15"]


RUNAWAY = [
    ("FREQ=SECONDLY", "20260301T090000Z", "every second"),
    ("FREQ=MINUTELY", "20260301T090000Z", "every minute"),
    ("FREQ=MINUTELY;INTERVAL=5", "20260301T090000Z", "every 5"),
    ("FREQ=HOURLY", "16010101T090000Z", "since 1601"),
    ("FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;BYMINUTE=0,20,40",
     "20260301T090000Z", "every day"),
]


@pytest.mark.parametrize("rrule, dtstart, words", RUNAWAY)
def test_a_runaway_series_is_left_out_with_one_line_and_the_rest_works(tmp_path, rrule, dtstart, words):
    runaway = f"UID:r@t\nSUMMARY:Spam\nDTSTART:{dtstart}\nDTEND:{dtstart[:-5]}0001Z\nRRULE:{rrule}"
    path = tmp_path / "c.ics"
    path.write_text(cal(DAILY, runaway))
    source = CalendarSource(str(path))
    c = AfterEvents(str(path), 0, (0, 0), (23, 59), frozenset(range(7)))
    assert [t.strftime("%d %H:%M") for t in fire_times(source, c, START, UTC, 5)] == ["02 09:15", "03 09:15", "04 09:15"]
    assert source.note.startswith("this calendar repeats too often: 'Spam' repeats too often") and words in source.note
    assert "\n" not in source.note


@pytest.mark.parametrize("rrule", ["FREQ=DAILY;BYMONTH=13", "FREQ=WEEKLY;BYHOUR=25", "FREQ=MONTHLY;BYMONTHDAY=0",
                                   "FREQ=FORTNIGHTLY", "FREQ=DAILY;INTERVAL=0"])
def test_an_impossible_rule_is_left_out(tmp_path, rrule):
    runaway = f"UID:r@t\nSUMMARY:Odd\nDTSTART:20260302T100000Z\nDTEND:20260302T110000Z\nRRULE:{rrule}"
    path = tmp_path / "c.ics"
    path.write_text(cal(DAILY, runaway))
    source = CalendarSource(str(path))
    c = AfterEvents(str(path), 0, (0, 0), (23, 59), frozenset(range(7)))
    got = fire_times(source, c, START, UTC, 5)
    assert len(got) <= 3 and "'Odd'" in (source.note or "")


def test_a_rule_that_never_matches_is_stopped_by_the_time_budget(tmp_path, monkeypatch):
    """February 30th every day: dateutil walks to the year 9999 looking for one."""
    from microsession.schedule import calendar_bounds

    monkeypatch.setattr(calendar_bounds, "BUDGET_S", 0.3)
    never = "UID:n@t\nSUMMARY:Never\nDTSTART:20260302T100000Z\nDTEND:20260302T110000Z\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"
    path = tmp_path / "c.ics"
    path.write_text(cal(DAILY, never))
    source = CalendarSource(str(path))
    c = AfterEvents(str(path), 0, (0, 0), (23, 59), frozenset(range(7)))
    with pytest.raises(CalendarError, match="too long"):
        fire_times(source, c, START, UTC, 5)
    r = Rule("r", "After meetings", True, c, Suggestion(10))
    found, problem = jobs.preview(r, UTC, START, 3, source=CalendarSource(str(path)))
    assert found == [] and "too long" in problem


def test_the_cli_answers_for_a_five_line_secondly_calendar(tmp_path):
    """Before: `triggers next` ran for ever and took gigabytes."""
    path = tmp_path / "spam.ics"
    path.write_text(cal("UID:s@t\nSUMMARY:Spam\nDTSTART:20260301T090000Z\nDTEND:20260301T090001Z\nRRULE:FREQ=SECONDLY"))
    env = {"MICROSESSION_DATA_DIR": str(tmp_path / "data"), "TZ": "UTC", "PATH": "/usr/bin:/bin"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "microsession", "triggers", *a], env=env,  # noqa: E731
                                    capture_output=True, text=True, timeout=60)
    added = run("add", "--name", "Spam", "--calendar", str(path))
    assert added.returncode == 0, added.stderr
    nxt = run("next")
    assert nxt.returncode == 0 and "Traceback" not in nxt.stderr
    assert "repeats too often" in nxt.stderr and len(nxt.stderr.strip().splitlines()) == 1
    listed = run("list")
    assert listed.returncode == 0 and "repeats too often" in listed.stdout
