"""The weekly-review reminder and the daily backup: wall-clock moments, not session deadlines.

One single-shot QTimer armed for the next moment, but never for more than 30 minutes, so
that a suspend (which stops Qt's timers) or a clock change delays a moment by at most that.
A reminder missed while the app was closed is shown once at the next start within the same
week (remembered as review_reminded_week), never as a burst.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from microsession.core import habits
from microsession.core.clock import Clock
from microsession.core.settings import Settings
from microsession.store import settings as settings_store
from microsession.trace import trace

MAX_WAIT_S = 30 * 60
REMINDED_KEY = "review_reminded_week"  # "2026-W11": the week whose reminder was shown


def _week(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


class DailyBackup(QObject):
    """Today's backup of the data file, made once a day on a worker thread (0.25 s for ten
    years of history: not worth a stall of the tray). The thread touches no Qt object but
    this signal, which Qt queues to the main thread."""

    failed = Signal(str)
    done = Signal(str)

    def __init__(self, db_file: Path, data_folder: Path, keep: Callable[[], int]) -> None:
        super().__init__()
        self.db_file, self.data_folder, self._keep = db_file, data_folder, keep
        self._busy = threading.Lock()

    def __call__(self, local_now: datetime) -> None:
        if self._busy.locked():
            return
        threading.Thread(target=self._work, args=(local_now, self._keep()), name="daily-backup", daemon=True).start()

    def _work(self, now: datetime, keep: int) -> None:
        with self._busy:
            from microsession.store.backup import BackupError, backup_folder, daily_backup

            try:
                made = daily_backup(self.db_file, backup_folder(self.data_folder), keep, now)
            except (BackupError, OSError, sqlite3.Error) as exc:
                self.failed.emit(f"Today's backup could not be made: {exc}")
                return
            if made is not None:
                self.done.emit(str(made))


class Reminders(QObject):
    def __init__(self, clock: Clock, conn: sqlite3.Connection | None, settings: Callable[[], Settings],
                 remind_review: Callable[[], None], backup: Callable[[datetime], None] | None = None) -> None:
        super().__init__()
        self.clock, self.conn, self._settings = clock, conn, settings
        self._remind_review, self._backup = remind_review, backup
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.VeryCoarseTimer)  # minutes matter, not milliseconds
        self._timer.timeout.connect(self.check)

    def check(self) -> None:
        """Do what is due now (a missed review of this week, today's backup), then re-arm."""
        local = self.clock.now_utc().astimezone()
        s = self._settings()
        if self._backup is not None:
            self._backup(local)
        if s.review_reminder and self.conn is not None:
            this_week = habits.next_review_time(local - timedelta(days=7), s.review_weekday, s.review_hour)
            if this_week.astimezone() <= local and _week(local) == _week(this_week) and self._reminded() != _week(local):
                self._remember(_week(local))
                trace("review_reminder")
                self._remind_review()
        self._arm(local)

    def _arm(self, local: datetime) -> None:
        s = self._settings()
        waits = [float(MAX_WAIT_S)]
        if s.review_reminder:
            due = habits.next_review_time(local, s.review_weekday, s.review_hour).astimezone()
            waits.append((due - local).total_seconds())
        if self._backup is not None:  # the next local midnight
            midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=5, microsecond=0)
            waits.append((midnight - local).total_seconds())
        self._timer.start(max(1000, int(min(waits) * 1000)))

    def _reminded(self) -> str | None:
        try:
            value = settings_store.load(self.conn).get(REMINDED_KEY)
        except sqlite3.Error:
            return None
        return value if isinstance(value, str) else None

    def _remember(self, week: str) -> None:
        try:
            settings_store.save(self.conn, REMINDED_KEY, week)
        except sqlite3.Error:
            pass  # at worst, one more reminder this week
