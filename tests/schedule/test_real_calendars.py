"""Calendars as the big services write them: Google's (UTC times with X-WR-TIMEZONE, the
owner named by X-WR-CALNAME), Outlook's (Windows time-zone names) and a Nextcloud series
with EXDATE, a moved and a cancelled instance, across the change to summer time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from microsession.core.triggers import AfterEvents
from microsession.schedule.calendar import CalendarSource, fire_times

HERE = Path(__file__).parent / "calendars"
BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 22, tzinfo=BERLIN)  # a Sunday; summer time begins on the 29th


def berlin(name: str, count: int = 10, **cond) -> list[str]:
    path = str(HERE / name)
    c = AfterEvents(path, 2, (7, 0), (20, 0), frozenset(range(7)), **cond)
    return [t.astimezone(BERLIN).strftime("%a %d %H:%M") for t in fire_times(CalendarSource(path), c, START, BERLIN, count)]


def test_google_local_time_follows_x_wr_timezone_across_summer_time():
    assert berlin("google.ics") == [
        "Mon 23 10:32",  # 09:30Z in CET
        # Tue 24: Budget review declined by ana@example.org, the calendar's owner
        # Wed 25: lunch marked free
        "Mon 30 10:32",  # still 10:30 Berlin time in summer (08:30Z), as Google shows it
        "Mon 06 10:32",
    ]
    assert "Wed 25 13:02" in berlin("google.ics", skip_free=False)


def test_outlook_windows_time_zone_names():
    assert berlin("outlook.ics") == [
        "Thu 26 15:02",  # W. Europe Standard Time (its VTIMEZONE block)
        # Thu 26 17:02: the cancelled retro
        "Fri 27 18:02",  # Pacific Standard Time, named only: 10:00 PDT = 18:00 CET (Europe still on winter time)
    ]


def test_a_series_with_exdate_a_moved_and_a_cancelled_instance():
    assert berlin("series.ics") == [
        "Mon 23 09:47", "Tue 24 09:47",
        # Wed 25: EXDATE
        "Thu 26 09:47",
        "Fri 27 11:17",  # moved to 11:00
        "Mon 30 09:47",  # summer time: still 09:45 local
        # Tue 31: cancelled
        "Wed 01 09:47", "Thu 02 09:47", "Fri 03 09:47",  # UNTIL 08:30Z on the 3rd = 10:30 CEST
    ]
