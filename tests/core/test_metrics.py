"""Metrics, sweet spot and the review model on a synthetic history with hand-computed answers.

The reviewed week is Mon 23 - Sun 29 March 2026 for a user in Berlin (+01:00, +02:00 from
Sun 29 March 02:00 local: DST), who flies to New York (-04:00) on Thursday and back for Sunday.
`HISTORY` is also written to a database by the store, CLI and UI tests (`write_history`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from microsession.core.figures import metrics as m
from microsession.core.figures.metrics import Mean, SessionRow, TaskRow
from microsession.core.figures.review_model import build_review
from microsession.core.figures.sweet_spot import sweet_spot

CET, CEST, EDT = 3600, 7200, -4 * 3600
WEEK = date(2026, 3, 23)
NOW = datetime(2026, 3, 29, 18, 0, tzinfo=timezone.utc)  # Sunday evening, Berlin (CEST)

# (local start, offset_s, kind, planned min, focused_s, outcome, energy, interrupted, task type)
HISTORY = [
    # the week before (its only session: the user's first)
    (datetime(2026, 3, 22, 23, 30), CET, "micro", 25, 1500, "completed", 4, False, "research"),
    # Monday: two sessions and a break; one interrupted (by the log)
    (datetime(2026, 3, 23, 9, 0), CET, "micro", 25, 1500, "completed", 3, False, "research"),
    (datetime(2026, 3, 23, 10, 0), CET, "micro", 15, 900, "completed", 4, True, "research"),
    (datetime(2026, 3, 23, 10, 15), CET, "break", 5, 300, "completed", None, False, None),
    # Tuesday 23:50 -> Wednesday 00:15: counts for Tuesday
    (datetime(2026, 3, 24, 23, 50), CET, "micro", 25, 1500, "completed", 5, False, "communication"),
    # Wednesday: deep work, and an aborted start (30 s): not counted at all
    (datetime(2026, 3, 25, 8, 0), CET, "deep", 90, 5400, "completed", 4, False, None),
    (datetime(2026, 3, 25, 14, 0), CET, "micro", 10, 30, "stopped", None, False, None),
    # Thursday in New York: a stopped session (counted, not completed), and one at 21:00
    # local (01:00 UTC on Friday) that counts for Thursday
    (datetime(2026, 3, 26, 9, 0), EDT, "micro", 10, 420, "stopped", 2, False, None),
    (datetime(2026, 3, 26, 21, 0), EDT, "micro", 20, 1200, "completed", 3, False, None),
    # a skipped break (10 s): not taken
    (datetime(2026, 3, 26, 21, 25), EDT, "break", 5, 10, "stopped", None, False, None),
    # Sunday in Berlin: 00:30 CET (Sat 23:30 UTC) and, after the switch, 10:00 CEST (recovered)
    (datetime(2026, 3, 29, 0, 30), CET, "micro", 15, 900, "completed", None, False, None),
    (datetime(2026, 3, 29, 10, 0), CEST, "micro", 5, 300, "recovered", None, False, None),
    # Monday 00:10 CEST = Sunday 22:10 UTC: next week
    (datetime(2026, 3, 30, 0, 10), CEST, "micro", 15, 900, "completed", 5, False, None),
]

# (type, finished UTC or None, deleted)
TASKS = [
    ("communication", datetime(2026, 3, 18, 12, 0, tzinfo=timezone.utc), False),  # week before
    ("communication", datetime(2026, 3, 24, 12, 0, tzinfo=timezone.utc), False),
    ("admin", datetime(2026, 3, 27, 12, 0, tzinfo=timezone.utc), False),
    ("admin", datetime(2026, 3, 29, 22, 30, tzinfo=timezone.utc), False),  # Mon 00:30 CEST: next week
    ("research", datetime(2026, 3, 23, 10, 0, tzinfo=timezone.utc), True),  # deleted
    ("research", None, False),  # open
]


def row(spec) -> SessionRow:
    local, offset, kind, minutes, focused, outcome, energy, interrupted, task_type = spec
    local_s = int(local.replace(tzinfo=timezone.utc).timestamp())
    return SessionRow(kind, minutes * 60.0, local_s, float(focused), outcome, energy, interrupted, task_type)


ROWS = [row(s) for s in HISTORY]
TASK_ROWS = [TaskRow(t, f, d) for t, f, d in TASKS]


def week_rows(rows=ROWS):
    return [r for r in rows if WEEK <= r.day < WEEK + timedelta(days=7)]


def test_local_day_is_the_start_day_at_the_offset_of_the_row():
    assert [r.day.isoformat() for r in ROWS[4:5]] == ["2026-03-24"]  # spans midnight: Tuesday
    ny_evening = ROWS[8]
    assert ny_evening.day == date(2026, 3, 26) and ny_evening.hour == 21 and ny_evening.weekday == 3
    assert ROWS[10].day == date(2026, 3, 29) and ROWS[10].hour == 0  # Sat 23:30 UTC
    assert ROWS[-1].day == date(2026, 3, 30)  # Sun 22:10 UTC


def test_per_day():
    days = m.per_day(ROWS, WEEK, 7)
    assert [d.completed for d in days] == [2, 1, 1, 1, 0, 0, 2]
    assert [d.focused_s for d in days] == [2400, 1500, 5400, 1620, 0, 0, 1200]
    assert [d.breaks for d in days] == [1, 0, 0, 0, 0, 0, 0]
    assert days[0].day == WEEK and days[6].day == date(2026, 3, 29)


def test_week_figures_deep_and_micro_apart_and_together():
    tasks = m.tasks_finished_between(TASK_ROWS, WEEK, WEEK + timedelta(days=7), CEST)
    f = m.figures(week_rows(), tasks)
    assert (f.sessions, f.micro, f.deep) == (7, 6, 1)
    assert (f.focused_s, f.micro_focused_s, f.deep_focused_s) == (12120, 6720, 5400)
    assert f.counted == 8 and f.average_length_s == 1515
    assert (f.rated, f.energy_sum, f.average_energy) == (6, 21, 3.5)
    assert f.interrupted == 1 and f.interruption_rate == 1 / 8
    assert f.breaks == 1 and f.tasks_finished == 2
    assert m.sentence(f) == "7 sessions, 3 h 22 min of focus"


def test_energy_by_bucket_and_hour():
    by_bucket = m.energy_by_bucket(week_rows())
    assert {b: (v.total, v.n) for b, v in by_bucket.items()} == {
        "5": (0, 0), "10": (2, 1), "15": (4, 1), "20-25": (11, 3), "deep": (4, 1)}
    by_hour = m.energy_by_hour(week_rows())
    assert by_hour == {8: Mean(4, 1), 9: Mean(5, 2), 10: Mean(4, 1), 21: Mean(3, 1), 23: Mean(5, 1)}
    heat = m.energy_by_weekday_hour(week_rows())
    assert heat[(0, 9)] == Mean(3, 1) and heat[(3, 9)] == Mean(2, 1) and heat[(1, 23)] == Mean(5, 1)


def test_task_types_and_never_finished():
    types = m.by_task_type(ROWS, TASK_ROWS, WEEK - timedelta(weeks=4), WEEK + timedelta(days=7), CEST)
    assert {k: (v.sessions, v.finished) for k, v in types.items()} == {
        "research": (3, 0), "communication": (1, 2), "admin": (0, 1)}
    assert types["communication"].rate == 2.0 and types["admin"].rate is None
    assert m.never_finished(types) == ["research"]


def test_review_model_against_the_weeks_before():
    r = build_review(WEEK, ROWS, TASK_ROWS, CEST, first_day=date(2026, 3, 22),
                     type_labels={"research": "research"})
    assert r.week.sessions == 7 and r.week.tasks_finished == 2
    assert len(r.before) == 1  # the weeks before the first session are not averaged
    assert r.before[0].sessions == 1 and r.before[0].tasks_finished == 1
    assert r.before_per_day == [0, 0, 0, 0, 0, 0, 1.0]
    assert r.sentence == "7 sessions, 3 h 22 min of focus"
    assert r.comparison == "6 more sessions than the average of the 1 week before"
    assert r.never_finished == ["research"]
    assert any("No research task got finished in 3 sessions" in s for s in r.suggestions)
    assert r.sweet.bucket is None and r.sweet.days_missing == 14 - 6  # 6 days with focus sessions
    assert r.sweet.text == "Sweet spot: 8 more days of data"
    assert r.peaks == []  # no hour has 3 rated sessions


def _week_of(minutes: int, n: int, interrupted: int, energy=None, day0: int = 0) -> list[SessionRow]:
    base = m.day_start_s(WEEK) + 9 * 3600
    return [SessionRow("micro", minutes * 60.0, base + (day0 + i % 7) * 86400 + i * 60, minutes * 60.0, "completed",
                       energy, i < interrupted) for i in range(n)]


def test_suggestions_from_interruptions_and_breaks():
    r = build_review(WEEK, _week_of(25, 6, 2), [], CEST, WEEK)
    assert r.suggestions == ["2 of 6 sessions were interrupted: try shorter ones (15 min instead of 25).",
                             "0 breaks for 6 sessions: a break is a reset, not lost time."]
    assert build_review(WEEK, _week_of(10, 6, 2), [], CEST, WEEK).suggestions[0].endswith("(5 min instead of 10).")
    assert "even the short ones" in build_review(WEEK, _week_of(5, 6, 2), [], CEST, WEEK).suggestions[0]
    assert build_review(WEEK, _week_of(25, 7, 2), [], CEST, WEEK).suggestions[:1] == [
        "0 breaks for 7 sessions: a break is a reset, not lost time."]  # 2 of 7 < 30 %: no advice


def test_suggestion_from_the_sweet_spot():
    # 12 weeks back: 14+ days of 15-min sessions at energy 5 (8 of them) and 25-min ones at 3 (20)
    rows = [r._replace(local_s=r.local_s - 8 * 7 * 86400) for r in _week_of(15, 8, 0, energy=5)]
    rows += [r._replace(local_s=r.local_s - 7 * 7 * 86400) for r in _week_of(25, 20, 0, energy=3)]
    r = build_review(WEEK, rows, [], CEST, WEEK - timedelta(weeks=8))
    assert (r.sweet.bucket, r.sweet.confidence) == ("15", "medium")
    assert r.suggestions == ["Your energy stays highest after 15 min sessions; you mostly chose 20–25 min."]


def test_review_needs_a_monday():
    with pytest.raises(ValueError):
        build_review(WEEK + timedelta(days=1), ROWS, TASK_ROWS, CEST, None)


def _rated(day: int, minutes: int, energy: int, kind: str = "micro") -> SessionRow:
    local = int(datetime(2026, 1, 5, 10, tzinfo=timezone.utc).timestamp()) + day * 86400
    return SessionRow(kind, minutes * 60.0, local, minutes * 60.0, "completed", energy)


def crafted(days: int, per_bucket: int) -> list[SessionRow]:
    """15-min sessions ending with energy 4.5 on average, 25-min ones with 2.5."""
    rows = []
    for i in range(per_bucket):
        rows.append(_rated(i % days, 15, 4 if i % 2 else 5))
        rows.append(_rated(i % days, 25, 2 if i % 2 else 3))
    rows += [_rated(d, 10, 3) for d in range(days)]  # unrated-bucket filler, to spread the days
    return rows


def test_sweet_spot_picks_15_over_25():
    spot = sweet_spot([r for r in crafted(14, 16) if r.planned_s != 600])
    assert spot.bucket == "15" and spot.mean == 4.5
    assert spot.samples == {"15": 16, "20-25": 16} and spot.confidence == "high"
    assert spot.text == "Sweet spot: 15 min — energy 4.5 after 16 rated sessions (high confidence)"


def test_sweet_spot_declines_with_too_few_days_or_ratings():
    spot = sweet_spot(crafted(13, 16))
    assert spot.bucket is None and spot.days_missing == 1 and spot.text == "Sweet spot: 1 more day of data"
    thin = [r for r in crafted(14, 4) if r.planned_s == 900] + [_rated(d, 25, 2) for d in range(14)]
    spot = sweet_spot(thin)  # 15 min: only 4 ratings -> one bucket able, nothing to compare
    assert spot.bucket is None and spot.samples == {"15": 4, "20-25": 14}
    assert "rate at least 5 sessions in 2 different lengths" in spot.text
    assert sweet_spot([]).days_missing == 14


def test_sweet_spot_confidence_words():
    few = sweet_spot(crafted(14, 6))  # 15 min (6 ratings) against 10 min (14 ratings, 3.0)
    assert (few.bucket, few.confidence, few.samples["15"]) == ("15", "low", 6)
    assert sweet_spot(crafted(14, 8)).confidence == "medium"


def test_peak_hours_and_ranges():
    by_hour = {9: Mean(13.5, 3), 10: Mean(12, 3), 11: Mean(3, 1), 15: Mean(12.6, 3), 20: Mean(6, 3)}
    assert m.peak_hours(by_hour) == [9, 10, 15]
    assert m.hour_ranges_text([9, 10, 15]) == "9–11, 15–16"
    assert m.peak_hours({9: Mean(12, 3)}) == []


def test_buckets_and_text():
    assert [m.bucket_of("micro", s * 60) for s in (5, 7, 8, 12, 13, 17, 18, 25, 60)] == [
        "5", "5", "10", "10", "15", "15", "20-25", "20-25", "20-25"]
    assert m.bucket_of("deep", 5400) == "deep"
    assert [m.duration_text(s) for s in (0, 29, 2400, 3600, 18600)] == ["0 min", "0 min", "40 min", "1 h", "5 h 10 min"]
    assert m.week_start(date(2026, 3, 29)) == WEEK and m.week_start(WEEK) == WEEK
