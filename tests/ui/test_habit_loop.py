"""The habit loop on a real controller and SQLite file: the menu's tally, the tooltip's
acknowledgement, and the goal offer after seven met days (not six), never applied by itself."""

from datetime import datetime, timedelta, timezone

import pytest

from microsession.core.clock import FakeClock
from microsession.core.session import Engine
from microsession.core.settings import Settings
from microsession.journal import Journal
from microsession.store import db
from microsession.store import settings as settings_store
from microsession.ui.session.controller import Controller
from microsession.ui.session.habit import DECLINED_KEY, HabitLoop

NOON = datetime(2026, 3, 11, 12, 0, tzinfo=timezone.utc)  # a Wednesday


@pytest.fixture
def loop(qapp, tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    conn = db.connect(tmp_path / "m.sqlite3")
    clock = FakeClock(NOON)
    controller = Controller(Engine(clock), Journal(conn), clock, Settings())
    offers, acks = [], []
    habit = HabitLoop(controller, conn, lambda *a: offers.append(a), acks.append)
    yield habit, controller, clock, conn, offers, acks
    conn.close()


def past_days(conn, days: int, per_day: int = 3) -> None:
    """Completed 10-minute sessions on the `days` days before NOON's day, written as the app does."""
    for d in range(1, days + 1):
        for i in range(per_day):
            start = NOON - timedelta(days=d, hours=i + 1)
            conn.execute("INSERT INTO sessions (id, kind, planned_s, started_utc, started_offset, ended_utc,"
                         " ended_offset, focused_s, outcome) VALUES (?, 'micro', 600, ?, 0, ?, 0, 600, 'completed')",
                         (f"{d:02d}{i:030d}", start.isoformat(), (start + timedelta(minutes=10)).isoformat()))


def sprint(controller, clock) -> None:
    controller.start(10)
    clock.advance(600)
    controller.wake()
    controller.skip_break()


def test_tally_and_acknowledgement(loop):
    habit, controller, clock, conn, offers, acks = loop
    assert habit.status_lines() == ["Today: 0 / 3"]
    sprint(controller, clock)
    assert acks == ["Session 1 of 3 done today"] and habit.status_lines() == ["Today: 1 / 3"]
    controller.start(10)
    clock.advance(120)
    controller.stop()  # a stopped session is no win and gets no acknowledgement
    assert len(acks) == 1 and habit.status_lines() == ["Today: 1 / 3"]
    sprint(controller, clock)
    sprint(controller, clock)
    assert acks[-1] == "Session 3 done — today's goal of 3 is met" and offers == []


def test_the_offer_comes_after_seven_met_days_not_six(loop):
    habit, controller, clock, conn, offers, acks = loop
    past_days(conn, 5)  # with today: six days in a row
    for _ in range(3):
        sprint(controller, clock)
    assert offers == []
    assert habit.status_lines() == ["Today: 3 / 3 · 6-day streak"]


def test_the_offer_once_a_day_and_never_applied_by_itself(loop):
    habit, controller, clock, conn, offers, acks = loop
    past_days(conn, 6)
    for _ in range(4):
        sprint(controller, clock)
    assert len(offers) == 1  # the third session met the goal; the fourth does not ask again
    title, body, actions = offers[0]
    assert "Make it 4?" in body and actions == [("goal_up", "Make it 4"), ("goal_later", "Not now")]
    assert controller.settings.daily_goal == 3  # nothing changed by itself
    habit.answer("goal_up")
    assert controller.settings.daily_goal == 4 and settings_store.load(conn)["daily_goal"] == 4


def test_not_now_is_remembered(loop):
    habit, controller, clock, conn, offers, acks = loop
    past_days(conn, 6)
    for _ in range(3):
        sprint(controller, clock)
    habit.answer("goal_later")
    assert settings_store.load(conn)[DECLINED_KEY] == "2026-03-11"
    clock.advance(86400)  # the next day, goal met again: too soon after "not now"
    habit._offered_on = None
    for _ in range(3):
        sprint(controller, clock)
    assert len(offers) == 1 and controller.settings.daily_goal == 3
