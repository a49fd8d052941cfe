"""Rule -> APScheduler trigger, checked through the triggers' own get_next_fire_time."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from microsession.core.triggers import EVERY_DAY, AfterEvents, AtTime, BackAtDesk, Every, Rule, Suggestion
from microsession.schedule import jobs

BERLIN = ZoneInfo("Europe/Berlin")
UTC = timezone.utc


def rule(cond):
    return Rule("r1", "Rule", True, cond, Suggestion(10))


def utc_times(cond, start, count):
    return [t.astimezone(UTC) for t in jobs.next_times(jobs.trigger_for(rule(cond), BERLIN), start, count)]


def test_weekday_time_keeps_its_local_hour_across_the_spring_dst_change():
    # Friday 2026-03-27; DST starts Sunday 03-29 at 02:00 (CET -> CEST)
    got = utc_times(AtTime((9, 0)), datetime(2026, 3, 27, 12, tzinfo=UTC), 3)
    assert got == [datetime(2026, 3, 30, 7, tzinfo=UTC), datetime(2026, 3, 31, 7, tzinfo=UTC),
                   datetime(2026, 4, 1, 7, tzinfo=UTC)]
    before = utc_times(AtTime((9, 0)), datetime(2026, 3, 26, 12, tzinfo=UTC), 1)
    assert before == [datetime(2026, 3, 27, 8, tzinfo=UTC)]  # 09:00 CET


def test_a_time_inside_the_missing_hour_fires_once_after_it():
    got = utc_times(AtTime((2, 30), EVERY_DAY), datetime(2026, 3, 28, 12, tzinfo=UTC), 2)
    assert got == [datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # 03:30 CEST: the gap skipped once
                   datetime(2026, 3, 30, 0, 30, tzinfo=UTC)]


def test_a_time_inside_the_repeated_hour_fires_once_not_twice():
    got = utc_times(AtTime((2, 30), EVERY_DAY), datetime(2026, 10, 24, 12, tzinfo=UTC), 2)
    assert got == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 26, 1, 30, tzinfo=UTC)]


def test_every_ninety_minutes_inside_a_window_on_chosen_days():
    cond = Every(90, (13, 0), (17, 0), frozenset({0, 2}))  # mon, wed
    got = [t.astimezone(BERLIN).strftime("%a %H:%M") for t in
           jobs.next_times(jobs.trigger_for(rule(cond), BERLIN), datetime(2026, 3, 28, tzinfo=UTC), 6)]
    assert got == ["Mon 13:00", "Mon 14:30", "Mon 16:00", "Wed 13:00", "Wed 14:30", "Wed 16:00"]


def test_no_time_trigger_for_idle_and_incomplete_calendar_rules():
    assert jobs.trigger_for(rule(BackAtDesk(15)), BERLIN) is None
    assert jobs.trigger_for(rule(AfterEvents("")), BERLIN) is None
    assert jobs.preview(rule(AfterEvents("")), BERLIN, datetime(2026, 3, 2, tzinfo=UTC)) == (
        [], "incomplete: choose an .ics calendar file")
    assert jobs.preview(rule(BackAtDesk(15)), BERLIN, datetime(2026, 3, 2, tzinfo=UTC))[0] == []


def test_preview_gives_five_times():
    times, problem = jobs.preview(rule(AtTime((9, 0))), BERLIN, datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    assert problem is None and len(times) == 5 and times[0] == datetime(2026, 3, 3, 9, tzinfo=BERLIN)


@pytest.mark.parametrize("closed_for, expected", [
    (timedelta(minutes=20), datetime(2026, 3, 3, 9, tzinfo=BERLIN)),  # 09:00 missed 10 min ago
    (timedelta(days=3), datetime(2026, 3, 3, 9, tzinfo=BERLIN)),  # three missed: only the latest
])
def test_one_catch_up_within_the_grace_window(closed_for, expected):
    trigger = jobs.trigger_for(rule(AtTime((9, 0), EVERY_DAY)), BERLIN)
    now = datetime(2026, 3, 3, 9, 10, tzinfo=BERLIN)
    assert jobs.missed_time(trigger, now - closed_for, now) == expected


def test_no_catch_up_beyond_the_grace_window_or_without_a_last_firing():
    trigger = jobs.trigger_for(rule(AtTime((9, 0), EVERY_DAY)), BERLIN)
    now = datetime(2026, 3, 3, 9, 45, tzinfo=BERLIN)  # 45 min late > 30 min grace
    assert jobs.missed_time(trigger, now - timedelta(days=1), now) is None
    assert jobs.missed_time(trigger, None, now) is None
    fired_at_nine = datetime(2026, 3, 3, 9, 0, tzinfo=BERLIN)
    assert jobs.missed_time(trigger, fired_at_nine, now - timedelta(minutes=30)) is None  # already fired
