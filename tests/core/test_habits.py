from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from microsession.core.figures import habits

TODAY = date(2026, 3, 26)  # a Thursday


def days_back(*counts: int, today: date = TODAY) -> dict[date, int]:
    """counts[0] is today's tally, counts[1] yesterday's, ..."""
    return {today - timedelta(days=i): n for i, n in enumerate(counts) if n}


def test_offer_after_seven_met_days_not_six():
    six = days_back(0, 3, 3, 3, 3, 3, 3, 1)  # today not done yet; six met days before it
    assert habits.met_run(six, 3, TODAY) == 6
    assert habits.goal_offer(six, 3, TODAY) is None
    seven = days_back(3, 3, 3, 3, 3, 3, 4)
    assert habits.goal_offer(seven, 3, TODAY) == 4
    assert habits.goal_offer(days_back(3, 3, 3, 2, 3, 3, 3, 3), 3, TODAY) is None  # broken by a 2


def test_declined_offer_returns_after_another_seven_days():
    long = days_back(*([3] * 12))
    assert habits.goal_offer(long, 3, TODAY, declined_on=TODAY - timedelta(days=2)) is None
    assert habits.goal_offer(long, 3, TODAY, declined_on=TODAY - timedelta(days=7)) == 4
    assert habits.goal_offer(long, 50, TODAY) is None  # the setting's ceiling


def test_streak_with_one_grace_day_per_iso_week():
    # Thu today (not met yet), Wed 3, Tue 0 (grace), Mon 4, Sun 3, Sat 3, Fri 0 (grace: other week), Thu 3
    daily = days_back(1, 3, 0, 4, 3, 3, 0, 3, 3)
    s = habits.streak(daily, 3, TODAY)
    assert s.days == 6 and s.since == TODAY - timedelta(days=8)
    assert s.graces == (TODAY - timedelta(days=2), TODAY - timedelta(days=6))
    assert s.text == "6-day streak (2 grace days)"


def test_second_miss_in_one_week_ends_the_streak():
    # Wed 3, Tue 0, Mon 3 | Sun 0, Sat 3 ... : Tue is forgiven; Sun is in another week: forgiven too
    assert habits.streak(days_back(0, 3, 0, 3, 0, 3), 3, TODAY).days == 3
    # Wed 3, Tue 0 (grace), Mon 0 (same week: ends), Sun 3
    s = habits.streak(days_back(0, 3, 0, 0, 3), 3, TODAY)
    assert s.days == 1 and s.graces == () and s.since == TODAY - timedelta(days=1)
    # two missed days in a row never bridge
    assert habits.streak(days_back(3, 0, 0, 3), 3, TODAY).days == 1


def test_streak_edges():
    assert habits.streak({}, 3, TODAY).days == 0 and habits.streak({}, 3, TODAY).text == "No streak yet"
    assert habits.streak(days_back(4), 3, TODAY).days == 1  # today met
    assert habits.streak(days_back(0, 0, 3), 3, TODAY).days == 1  # yesterday forgiven
    assert habits.streak(days_back(2, 2, 2), 3, TODAY).days == 0


def test_texts():
    assert habits.today_text(4, 5) == "Today: 4 / 5"
    assert habits.acknowledgement(2, 3) == "Session 2 of 3 done today"
    assert habits.acknowledgement(3, 3) == "Session 3 done — today's goal of 3 is met"
    assert habits.acknowledgement(5, 3) == "Session 5 done — 2 beyond today's goal"


def test_next_review_time():
    thu = datetime(2026, 3, 26, 10, 30)
    assert habits.next_review_time(thu, 6, 19) == datetime(2026, 3, 29, 19, 0)
    sunday_evening = datetime(2026, 3, 29, 19, 0)  # exactly at the time: the next week's
    assert habits.next_review_time(sunday_evening, 6, 19) == datetime(2026, 4, 5, 19, 0)
    assert habits.next_review_time(datetime(2026, 3, 29, 18, 59), 6, 19) == datetime(2026, 3, 29, 19, 0)
    assert habits.next_review_time(thu, 3, 9) == datetime(2026, 4, 2, 9, 0)
    with pytest.raises(ValueError):
        habits.next_review_time(thu, 7, 19)
