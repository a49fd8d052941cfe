"""Calendar rules: fire N minutes after each event ends, from a real .ics file."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from microsession.core.triggers import AfterEvents, Rule, Suggestion
from microsession.schedule import jobs
from microsession.schedule.calendar import CalendarError, CalendarSource, fire_times, read_calendar

BERLIN = ZoneInfo("Europe/Berlin")
UTC = timezone.utc
START = datetime(2026, 3, 1, tzinfo=BERLIN)  # a Sunday

ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//micro-session//EN
BEGIN:VEVENT
UID:weekly@test
SUMMARY:Weekly team meeting
DTSTART;TZID=Europe/Berlin:20260302T100000
DTEND;TZID=Europe/Berlin:20260302T110000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID=Europe/Berlin:20260309T100000
END:VEVENT
BEGIN:VEVENT
UID:weekly@test
RECURRENCE-ID;TZID=Europe/Berlin:20260316T100000
SUMMARY:Weekly team meeting (moved)
DTSTART;TZID=Europe/Berlin:20260317T140000
DTEND;TZID=Europe/Berlin:20260317T143000
END:VEVENT
BEGIN:VEVENT
UID:ny@test
SUMMARY:Call with New York
DTSTART;TZID=America/New_York:20260311T090000
DTEND;TZID=America/New_York:20260311T100000
END:VEVENT
BEGIN:VEVENT
UID:allday@test
SUMMARY:Conference (all day)
DTSTART;VALUE=DATE:20260304
DTEND;VALUE=DATE:20260305
END:VEVENT
BEGIN:VEVENT
UID:late@test
SUMMARY:Evening talk
DTSTART:20260305T173000Z
DTEND:20260305T183000Z
END:VEVENT
BEGIN:VEVENT
UID:utc@test
SUMMARY:Short sync
DTSTART:20260305T120000Z
DURATION:PT20M
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def ics(tmp_path):
    path = tmp_path / "work.ics"
    path.write_text(ICS.replace("\n", "\r\n"), encoding="utf-8", newline="")
    return path


def local(times):
    return [t.astimezone(BERLIN).strftime("%a %d %H:%M") for t in times]


def test_recurrence_exdate_moved_instance_other_zone_all_day_and_working_hours(ics):
    cond = AfterEvents(str(ics), 2)
    got = local(fire_times(CalendarSource(str(ics)), cond, START, BERLIN, 10))
    assert got == [
        "Mon 02 11:02",  # the weekly meeting
        # Wed 04: the all-day conference gives nothing
        "Thu 05 13:22",  # 12:00Z + 20 min (DURATION), in Berlin (CET)
        # Thu 05 19:32: after the evening talk, outside working hours (08:00-19:00)
        # Mon 09: EXDATE
        "Wed 11 15:02",  # 10:00 in New York (EDT since 8 March) = 15:00 in Berlin (CET)
        "Tue 17 14:32",  # the 16th's meeting moved to Tuesday 14:00-14:30
        "Mon 23 11:02",  # the last of COUNT=4
    ]


def test_the_trigger_and_the_preview_agree(ics):
    r = Rule("r", "After meetings", True, AfterEvents(str(ics), 2), Suggestion(10, "communication"))
    trigger = jobs.trigger_for(r, BERLIN)
    assert local(jobs.next_times(trigger, START, 3)) == ["Mon 02 11:02", "Thu 05 13:22", "Wed 11 15:02"]
    assert local(jobs.preview(r, BERLIN, START, 2)[0]) == ["Mon 02 11:02", "Thu 05 13:22"]
    # the scheduler asks from a previous fire time: strictly after it
    assert local([trigger.get_next_fire_time(datetime(2026, 3, 2, 11, 2, tzinfo=BERLIN),
                                             datetime(2026, 3, 2, 11, 2, tzinfo=BERLIN))]) == ["Thu 05 13:22"]


def test_the_file_is_read_again_when_it_changes(ics):
    source = CalendarSource(str(ics))
    cond = AfterEvents(str(ics), 5)
    assert local(fire_times(source, cond, START, BERLIN, 1)) == ["Mon 02 11:05"]
    ics.write_text(ICS.replace("20260302T110000", "20260302T113000").replace("COUNT=4", "COUNT=5"))
    assert local(fire_times(source, cond, START, BERLIN, 1)) == ["Mon 02 11:35"]


@pytest.mark.parametrize("content, reason", [
    (ICS[: len(ICS) // 2], "cut short"),
    (bytes(range(256)) * 8, "binary"),
    ("Hello, this is no calendar\n", "no BEGIN:VCALENDAR"),
    ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:2026XX\nEND:VCALENDAR\n", "malformed"),
    ("\udcff".encode("utf-8", "surrogatepass"), "not UTF-8"),
])
def test_unusable_files_give_a_one_line_reason(tmp_path, content, reason):
    path = tmp_path / "bad.ics"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    with pytest.raises(CalendarError, match=reason) as err:
        read_calendar(path)
    assert "\n" not in str(err.value)
    r = Rule("r", "After meetings", True, AfterEvents(str(path), 2), Suggestion(10))
    times, problem = jobs.preview(r, BERLIN, START)
    assert times == [] and problem.startswith("broken: ") and reason in problem
    trigger = jobs.trigger_for(r, BERLIN)
    assert trigger.get_next_fire_time(None, START) is None and reason in trigger.error


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(CalendarError, match="does not exist"):
        read_calendar(tmp_path / "nope.ics")
    with pytest.raises(CalendarError, match="is a folder"):
        read_calendar(tmp_path)
