"""Property tests of the calendar reader: any repeat rule, however frequent or impossible,
gives sorted fire times or one line, within a deadline per example (the time budget)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microsession.core.triggers import AfterEvents
from microsession.schedule import calendar_bounds
from microsession.schedule.calendar import CalendarError, CalendarSource, fire_times

UTC = timezone.utc
NOW = datetime(2026, 3, 2, tzinfo=UTC)
FREQS = ["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"]
BY = {"BYSECOND": (-5, 70), "BYMINUTE": (-5, 70), "BYHOUR": (-3, 30), "BYMONTH": (-2, 14),
      "BYMONTHDAY": (-40, 40), "BYYEARDAY": (-400, 400), "BYWEEKNO": (-60, 60), "BYSETPOS": (-5, 5)}


@st.composite
def rrules(draw) -> str:
    parts = [f"FREQ={draw(st.sampled_from(FREQS))}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(0, 200))}")
    for key in draw(st.lists(st.sampled_from(sorted(BY)), max_size=3, unique=True)):
        lo, hi = BY[key]
        parts.append(f"{key}={','.join(map(str, draw(st.lists(st.integers(lo, hi), min_size=1, max_size=4))))}")
    if draw(st.booleans()):
        parts.append(f"BYDAY={','.join(draw(st.lists(st.sampled_from(['MO', 'TU', 'WE', '1FR', '-1SU']), min_size=1, max_size=3)))}")
    ending = draw(st.sampled_from(["", "count", "until"]))
    if ending == "count":
        parts.append(f"COUNT={draw(st.integers(1, 10**9))}")
    elif ending == "until":
        parts.append(f"UNTIL={draw(st.integers(1601, 2100))}0101T000000Z")
    return ";".join(parts)


@pytest.fixture(scope="module", autouse=True)
def small_budget():
    saved = calendar_bounds.BUDGET_S
    calendar_bounds.BUDGET_S = 0.5
    yield
    calendar_bounds.BUDGET_S = saved


@settings(max_examples=60, deadline=timedelta(seconds=10),  # 0.5 s of budget; room for a loaded CI machine
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rrule=rrules(), year=st.integers(1601, 2030), minutes=st.integers(1, 600))
def test_any_repeat_rule_gives_times_or_one_line_in_time(tmp_path_factory, rrule, year, minutes):
    folder = tmp_path_factory.mktemp("cal")
    path = folder / "c.ics"
    start = datetime(year, 3, 2, 9, 0, tzinfo=UTC)
    end = start + timedelta(minutes=minutes)
    path.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:p@t\r\nSUMMARY:P\r\n"
                    f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDTEND:{end:%Y%m%dT%H%M%SZ}\r\nRRULE:{rrule}\r\n"
                    "END:VEVENT\r\nEND:VCALENDAR\r\n")
    source = CalendarSource(str(path))
    cond = AfterEvents(str(path), 0, (0, 0), (23, 59), frozenset(range(7)))
    try:
        got = fire_times(source, cond, NOW, UTC, 5)
    except CalendarError as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    assert got == sorted(set(got)) and all(t >= NOW for t in got)
    assert source.note is None or "\n" not in source.note
