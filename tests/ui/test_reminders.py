"""The weekly-review reminder and the daily backup moments, on a fake clock and a real file."""

import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from microsession.core.clock import FakeClock
from microsession.core.settings import Settings
from microsession.store import db
from microsession.ui.session.reminders import MAX_WAIT_S, Reminders

SUNDAY_1930 = datetime(2026, 3, 15, 19, 30, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def conn(tmp_path):
    c = db.connect(tmp_path / "m.sqlite3")
    yield c
    c.close()


def make(qapp, conn, start, settings=Settings()):
    clock = FakeClock(start)
    shown, backups = [], []
    reminders = Reminders(clock, conn, lambda: settings, lambda: shown.append(clock.now_utc()), backups.append)
    return reminders, clock, shown, backups


def test_missed_this_week_shown_once_at_start(qapp, conn):
    reminders, clock, shown, backups = make(qapp, conn, SUNDAY_1930)
    reminders.check()
    reminders.check()
    assert shown == [SUNDAY_1930] and len(backups) == 2
    assert 0 < reminders._timer.interval() <= MAX_WAIT_S * 1000


def test_not_after_the_week_is_over_nor_before_the_hour(qapp, conn):
    for start in (SUNDAY_1930 + timedelta(hours=5), SUNDAY_1930 - timedelta(hours=1)):  # Monday 00:30; 18:30
        reminders, clock, shown, _ = make(qapp, conn, start)
        reminders.check()
        assert shown == []


def test_fires_at_the_hour_then_waits_a_week(qapp, conn):
    reminders, clock, shown, _ = make(qapp, conn, SUNDAY_1930 - timedelta(minutes=40))
    reminders.check()
    assert shown == [] and reminders._timer.interval() == 10 * 60 * 1000  # exactly until 19:00
    clock.advance(10 * 60)
    reminders.check()
    assert len(shown) == 1
    clock.advance(6 * 86400)
    reminders.check()
    assert len(shown) == 1
    clock.advance(86400)
    reminders.check()
    assert len(shown) == 2


def test_off_in_settings(qapp, conn):
    reminders, clock, shown, _ = make(qapp, conn, SUNDAY_1930, replace(Settings(), review_reminder=False))
    reminders.check()
    assert shown == []


def test_daily_backup_on_a_worker_thread_once_a_day(qapp, qtbot, tmp_path):
    from microsession.ui.session.reminders import DailyBackup

    data = tmp_path / "data"
    data.mkdir()
    conn = db.connect(data / "microsession.sqlite3")
    conn.execute("INSERT INTO settings (key, value) VALUES ('x', '1')")
    backup = DailyBackup(data, lambda: 7)
    with qtbot.waitSignal(backup.done, timeout=30000) as made:
        backup(SUNDAY_1930)  # in a process of its own: `microsession backup --daily`
    today = datetime.now().astimezone().date().isoformat()  # the process's own clock
    assert made.args[0].endswith(f"microsession-{today}.sqlite3")
    backup(SUNDAY_1930 + timedelta(hours=1))  # the same day: nothing more
    qtbot.waitUntil(lambda: backup._running is None, timeout=30000)
    assert sorted(p.name for p in (data / "backups").iterdir()) == [f"microsession-{today}.sqlite3"]
    conn.close()


def test_a_backup_that_fails_is_told(qapp, qtbot, tmp_path):
    from microsession.ui.session.reminders import DailyBackup

    data = tmp_path / "data"
    data.mkdir()
    (data / "microsession.sqlite3").write_bytes(b"not a database at all" * 100)
    backup = DailyBackup(data, lambda: 7)
    with qtbot.waitSignal(backup.failed, timeout=30000) as told:
        backup(SUNDAY_1930)
    assert told.args[0].startswith("Today's backup could not be made")
