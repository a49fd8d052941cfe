"""The weekly-review reminder and the daily backup: wall-clock moments, not session deadlines.

One single-shot QTimer armed for the next moment, but never for more than 30 minutes, so
that a suspend (which stops Qt's timers) or a clock change delays a moment by at most that.
A reminder missed while the app was closed is shown once at the next start within the same
week (remembered as review_reminded_week), never as a burst.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from microsession.core.figures import habits
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
    """Today's backup of the data file, made once a day by `microsession backup --daily` in a
    process of its own: the copy (0.25 s for ten years of history) neither stalls the tray nor
    leaves its memory in the app, which stays small all day. Started with os.posix_spawn and
    read through one pipe and a QSocketNotifier (QProcess would cost the idle app ~0.4 MB);
    QProcess where posix_spawn does not exist (Windows)."""

    failed = Signal(str)
    done = Signal(str)

    def __init__(self, data_folder: Path, keep: Callable[[], int]) -> None:
        super().__init__()
        self.data_folder, self._keep = data_folder, keep
        self._running: object | None = None  # a Spawned or a QProcess while one runs
        self._told = False

    def __call__(self, local_now: datetime) -> None:
        if self._running is not None:
            return  # one at a time
        program, args = command_line()
        argv = [program, *args, "--data-dir", str(self.data_folder), "backup", "--daily", "--keep", str(self._keep())]
        if hasattr(os, "posix_spawn"):
            try:
                self._running = Spawned(argv, self._finished, self)
            except OSError as exc:
                self.failed.emit(f"Today's backup could not be made: {exc.strerror or exc}")
            return
        from PySide6.QtCore import QProcess

        process = QProcess(self)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        process.finished.connect(lambda code, status: self._finished(
            code if status is QProcess.ExitStatus.NormalExit else -1, bytes(process.readAll())))
        self._running = process
        process.start(argv[0], argv[1:])

    def _finished(self, code: int, output: bytes) -> None:
        self._running = None
        text = output.decode(errors="replace").strip()
        if code == 0:
            if text and not text.startswith("Today's"):
                self.done.emit(text.splitlines()[-1])
        else:
            line = (text.splitlines() or ["it stopped unexpectedly"])[-1].removeprefix("microsession: ")
            trace("backup_failed", message=line)
            if not self._told:  # once a run: the next day's attempt may well fail the same way
                self._told = True
                self.failed.emit(f"Today's backup could not be made: {line}")


class Spawned:
    """A child process whose output (stdout and stderr, merged) is read without blocking;
    `then(exit code, output)` once it has closed its end (-1: killed by a signal). Its
    notifier belongs to `parent` and is deleted (later) once the output has ended."""

    def __init__(self, argv: list[str], then: Callable[[int, bytes], None], parent: QObject) -> None:
        self._then, self._output = then, bytearray()
        reader, writer = os.pipe()
        try:
            self.pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[
                (os.POSIX_SPAWN_DUP2, writer, 1), (os.POSIX_SPAWN_DUP2, writer, 2),
                (os.POSIX_SPAWN_CLOSE, reader)])
        except OSError:
            os.close(reader)
            raise
        finally:
            os.close(writer)
        self._reader = reader
        os.set_blocking(reader, False)
        self._notifier = QSocketNotifier(reader, QSocketNotifier.Type.Read, parent)
        self._notifier.activated.connect(self._read)

    def _read(self) -> None:
        try:
            chunk = os.read(self._reader, 65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if chunk:
            self._output += chunk[: max(0, 65536 - len(self._output))]
            return
        self._notifier.setEnabled(False)
        self._notifier.deleteLater()
        os.close(self._reader)
        _, status = os.waitpid(self.pid, 0)  # it closed its output: it is exiting now
        code = os.waitstatus_to_exitcode(status)
        self._then(code if code >= 0 else -1, bytes(self._output))


def command_line() -> tuple[str, list[str]]:
    """How to run our own command line: the frozen app itself, or this Python with -m."""
    if getattr(sys, "frozen", False):
        return sys.executable, []
    return sys.executable, ["-m", "microsession"]


class Reminders(QObject):
    def __init__(self, clock: Clock, conn: sqlite3.Connection | None, settings: Callable[[], Settings],
                 remind_review: Callable[[], None], backup: Callable[[datetime], None] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clock, self.conn, self._settings = clock, conn, settings
        self._remind_review, self._backup = remind_review, backup
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        # Minutes matter, not milliseconds: Qt makes a (default) coarse timer of 20 s or more a
        # very coarse one (whole seconds) by itself; naming the type would build the Qt enums.
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
