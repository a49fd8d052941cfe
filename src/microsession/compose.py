"""Composition root: builds the clock, store, engine, controller and the shell, and wires them.

Called by app.run() once the tray icon is on screen (start-up work that can wait, waits).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from microsession.core.clock import Clock, ScaledClock, SystemClock
from microsession.core.dnd_plan import RECORD_NAME
from microsession.core.events import Ended, Outcome
from microsession.core.format import KIND_LABELS, left_text, minutes_text
from microsession.core.recovery import recover
from microsession.core.session import Engine
from microsession.core.settings import Settings
from microsession.journal import Journal
from microsession.paths import data_dir, db_path
from microsession.store import db, sessions, stack_runs
from microsession.store import settings as settings_store
from microsession.trace import trace
from microsession.ui.session.controller import Controller
from microsession.ui.session.reminders import DailyBackup, Reminders
from microsession.ui.shell import Shell

START_CHECKS_DELAY_MS = 3000
PENDING_NAME = "pending-writes.jsonl"


def time_scale() -> float:
    """The hidden MICROSESSION_TIME_SCALE (demos, e2e tests): 60 makes a minute pass in a second."""
    try:
        scale = float(os.environ.get("MICROSESSION_TIME_SCALE", "1"))
    except ValueError:
        return 1.0
    return scale if 0.01 <= scale <= 10000 else 1.0


def open_store(folder: Path) -> tuple[sqlite3.Connection | None, list[str]]:
    try:
        from microsession.store.backup import backup_folder, backups

        conn, message = db.open_or_set_aside(db_path(folder), lambda: (backups(backup_folder(folder)) or [None])[-1])
        return conn, [message] if message else []
    except (OSError, db.DatabaseError, sqlite3.Error) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)  # not "[Errno 17] ..."
        return None, [f"Your data folder {folder} cannot be used ({why}); sessions are kept in memory until it can."]


def spill_paths(folder: Path) -> list[Path]:
    """Where writes that wait are kept across a quit: the data folder, else the runtime folder."""
    paths = [folder / PENDING_NAME]
    try:
        from microsession.control.client import folder_key, runtime_dir

        paths.append(runtime_dir() / f"ms-{folder_key(folder)}.pending.jsonl")
    except Exception:  # noqa: BLE001 - no runtime folder: the data folder alone
        pass
    return paths


def recover_runs(conn: sqlite3.Connection | None, engine: Engine, journal: Journal, clock: Clock):
    """The stack run whose step the engine resumed, taken up again; other open runs are closed."""
    if conn is None:
        return None
    info, taken = engine.current, None
    for run_id, text in stack_runs.open_runs(conn):
        import json

        from microsession.core import stacks  # only when a run was left open (start-up memory)
        from microsession.core.stacks import StackRun

        if taken is None and info is not None and info.tags.stack_run_id == run_id:
            try:
                taken = StackRun.resumed(stacks.from_json(json.loads(text)), run_id, info.tags.stack_position, info.id)
                trace("stack_resumed", run_id=run_id, position=info.tags.stack_position)
                continue
            except (ValueError, TypeError, RecursionError):
                pass  # a run that cannot be read is closed below
        ended = clock.now_utc()
        journal.write(lambda c, r=run_id: stack_runs.complete(c, r, "recovered", ended),
                      {"op": "stack_run_complete", "run_id": run_id, "outcome": "recovered", "ended_utc": ended.isoformat()})
    return taken


def recover_sessions(conn: sqlite3.Connection | None, engine: Engine, journal: Journal, clock: Clock) -> list[str]:
    """Close or resume what a crash left open; say what happened in one sentence each."""
    if conn is None:
        return []
    notes = []
    waiting = journal.pending_ended()  # stopped on a full disk: its end lands later, never resumed
    open_rows = [info for info in sessions.open_sessions(conn) if info.id not in waiting]
    for i, info in enumerate(open_rows):
        result = recover(info, clock.now_utc())
        label = KIND_LABELS[info.kind].lower()
        if result.ended is None and i == len(open_rows) - 1:
            engine.restore(info, result.remaining_s)
            trace("session_resumed", id=info.id, remaining_s=result.remaining_s)
            notes.append(f"Your {label} session was resumed with {left_text(result.remaining_s)} left.")
            continue
        # An older row still open (should not happen): close it where it stands.
        ended = result.ended or Ended(info, Outcome.RECOVERED, clock.now_utc(), info.planned_s - result.remaining_s)
        journal.record([ended])
        if info.kind.is_focus:
            notes.append(f"Your {minutes_text(info.planned_s)} {label} session ended while the app was closed; it is logged.")
    return notes


def after_start(reminders: Reminders, shell: Shell) -> None:
    """What can wait a few seconds after start-up: a missed review reminder, today's backup,
    the trigger rules (APScheduler only if one is on); then the memory that cost given back."""
    from microsession import memory

    reminders.check()
    shell.triggers.start()
    shell.sync.start()  # only if a sync folder is set
    if shell.conn is not None:  # measured: idle RSS -0.3 MiB
        db.release_memory(shell.conn)
    memory.release()
    trace("start_checks_done")  # benchmarks/desktop_figures.py measures a session's CPU after these


class Running:
    """What run() needs to close down: the journal's last retry and the connection."""

    def __init__(self, shell: Shell, journal: Journal, conn: sqlite3.Connection | None) -> None:
        self.shell, self.journal, self.conn = shell, journal, conn

    def close(self) -> None:
        self.shell.release_dnd()  # also after SIGTERM, which quits the loop without Shell.quit
        self.journal.retry()
        if self.conn is not None:
            self.conn.close()


def build(app: QApplication, tray_icon: QSystemTrayIcon | None, data_dir_arg: str | None) -> Running:
    scale = time_scale()
    clock: Clock = SystemClock() if scale == 1.0 else ScaledClock(SystemClock(), scale)
    if os.environ.get("MICROSESSION_CLOCK_SHIFT_FILE"):  # fault tests: jumps and suspends
        from microsession.testing_clock import ShiftedClock

        clock = ShiftedClock(clock, Path(os.environ["MICROSESSION_CLOCK_SHIFT_FILE"]))
    folder = data_dir(data_dir_arg)
    conn, notes = open_store(folder)
    values = settings_store.load(conn) if conn is not None else {}
    settings, problems = Settings.from_values(values)
    if problems:
        notes.append("Some settings were not valid and use their defaults: " + "; ".join(problems) + ".")
    engine = Engine(clock)
    shell_ref: list[Shell] = []
    journal = Journal(conn, on_problem=lambda m: shell_ref[0].tell(m) if shell_ref else notes.append(m),
                      on_recovered=lambda: shell_ref and shell_ref[0].tell("Your sessions are saved again."),
                      reopen=lambda: db.connect(db_path(folder)), told=conn is None, spill=spill_paths(folder))
    journal.take_spilled()  # what a quit or a kill on a full disk left waiting, before recovery
    notes += recover_sessions(conn, engine, journal, clock)
    run = recover_runs(conn, engine, journal, clock)
    controller = Controller(engine, journal, clock, settings, scale)
    controller.run = run
    shell = Shell(app, controller, conn, tray_icon)
    shell_ref.append(shell)
    shell.hooks.folder = folder
    if (folder / RECORD_NAME).exists():  # do not disturb left on by a crash: put it back
        shell.dnd.restore_leftover()
    shell.show()
    controller.wake()  # arm the timer for a resumed session
    shell.sync_dnd()  # a resumed focus session: do not disturb again (if the setting asks)
    if engine.current is not None:
        shell.watch_away(engine.current)
    for note in notes:
        shell.tell(note)
    backup = None
    if conn is not None:
        backup = DailyBackup(folder, lambda: controller.settings.backup_keep)
        # told once a run, and not when the user was told already that nothing can be written
        backup.failed.connect(lambda message: None if journal.pending else shell.tell(message))
        backup.done.connect(lambda path: trace("backup_made", path=path))
    reminders = Reminders(clock, conn, lambda: controller.settings, shell.remind_review, backup, parent=shell)
    if conn is not None:
        from microsession.ui.session.ics_keeper import IcsKeeper

        keeper = IcsKeeper(folder, lambda: controller.settings, shell.tell, parent=shell)
        controller.started.connect(keeper.update)
        controller.focus_ended.connect(keeper.update)
    QTimer.singleShot(START_CHECKS_DELAY_MS, lambda: after_start(reminders, shell))
    trace("ready", platform=app.platformName())
    return Running(shell, journal, conn)
