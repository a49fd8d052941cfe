"""Composition root: builds the clock, store, engine, controller and the widgets, and wires them."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QPixmapCache
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

from microsession.core.clock import Clock, ScaledClock, SystemClock
from microsession.core.events import Ended, Outcome
from microsession.core.format import KIND_LABELS, minutes_text
from microsession.core.recovery import recover
from microsession.core.session import Engine, State
from microsession.core.settings import Settings
from microsession.journal import Journal
from microsession.paths import data_dir, db_path
from microsession.store import db, sessions
from microsession.store import settings as settings_store
from microsession.trace import trace
from microsession.ui import menu as menus
from microsession.ui.controller import Controller
from microsession.ui.end_popup import EndPopup
from microsession.ui.notify import make_notifier
from microsession.ui.palette import is_dark
from microsession.ui.ring import RingView, RingWindow
from microsession.ui.tray import Tray

NO_TRAY_HINT = "No system tray here: this window is the app. Right-click for the menu."


def time_scale() -> float:
    """The hidden MICROSESSION_TIME_SCALE (demos, e2e tests): 60 makes a minute pass in a second."""
    try:
        scale = float(os.environ.get("MICROSESSION_TIME_SCALE", "1"))
    except ValueError:
        return 1.0
    return scale if 0.01 <= scale <= 10000 else 1.0


def open_store(folder: Path) -> tuple[sqlite3.Connection | None, list[str]]:
    try:
        conn, message = db.open_or_set_aside(db_path(folder))
        return conn, [message] if message else []
    except (OSError, db.DatabaseError, sqlite3.Error) as exc:
        return None, [f"Your data folder {folder} cannot be used ({exc}); sessions are kept in memory until it can."]


def recover_sessions(conn: sqlite3.Connection | None, engine: Engine, journal: Journal, clock: Clock) -> list[str]:
    """Close or resume what a crash left open; say what happened in one sentence each."""
    if conn is None:
        return []
    notes = []
    open_rows = sessions.open_sessions(conn)
    for i, info in enumerate(open_rows):
        result = recover(info, clock.now_utc())
        label = KIND_LABELS[info.kind].lower()
        if result.ended is None and i == len(open_rows) - 1:
            engine.restore(info, result.remaining_s)
            trace("session_resumed", id=info.id, remaining_s=result.remaining_s)
            notes.append(f"Your {label} session was resumed with {minutes_text(result.remaining_s)} left.")
            continue
        # An older row still open (should not happen): close it where it stands.
        ended = result.ended or Ended(info, Outcome.RECOVERED, clock.now_utc(), info.planned_s - result.remaining_s)
        journal.record([ended])
        if info.kind.is_focus:
            notes.append(f"Your {minutes_text(info.planned_s)} {label} session ended while the app was closed; it is logged.")
    return notes


class Shell(QObject):
    """Owns the widgets and connects them to the controller."""

    def __init__(self, app: QApplication, controller: Controller, conn: sqlite3.Connection | None) -> None:
        super().__init__()
        self.app, self.c, self.conn = app, controller, conn
        self.dark = is_dark(app.palette())
        self.ring = RingWindow()
        self.ring.set_always_on_top(controller.settings.ring_on_top)
        s = controller.settings
        self._ring_placed = s.ring_x >= 0 and s.ring_y >= 0
        if self._ring_placed:
            self.ring.move(s.ring_x, s.ring_y)
        self.popup = EndPopup()
        self.menu = QMenu()
        shell_actions = menus.ShellActions(self.ask_custom, self.toggle_ring, self.ring.isVisible,
                                           None, self.quit)
        self._shell_actions = shell_actions
        menus.attach(self.menu, controller, shell_actions)
        self.menu.aboutToShow.connect(self._update_log_action)
        self.has_tray = QSystemTrayIcon.isSystemTrayAvailable()
        self.tray = Tray(controller, self.menu, self.on_tray_click, self.dark) if self.has_tray else None
        self.notifier = make_notifier(self.tray.icon if self.tray else None, self)
        self.notifier.action_invoked.connect(self.on_notification_action)
        self._notices = None
        self._chime = None
        self._told_silent = False
        controller.refreshed.connect(self.render_ring)
        controller.changed.connect(self.render_ring)
        controller.focus_ended.connect(self.on_focus_ended)
        controller.break_ended.connect(self.on_break_ended)
        controller.heads_up.connect(lambda left: self.notifier.notify("One minute left", "Time to find a good place to stop."))
        controller.notice.connect(self.tell)
        self.ring.visibility_changed.connect(controller.set_ring_visible)
        self.ring.visibility_changed.connect(lambda shown: trace("ring_shown" if shown else "ring_hidden"))
        self.ring.pause_clicked.connect(controller.pause)
        self.ring.resume_clicked.connect(controller.resume)
        self.ring.stop_clicked.connect(self.on_ring_stop)
        self.ring.moved.connect(self.remember_ring_place)
        self.popup.saved.connect(self.on_log_saved)
        self.popup.skipped.connect(lambda _id: self.after_popup())

    def show(self) -> None:
        self.ring.set_menu(self.menu)
        if self.tray:
            self.tray.show()
        else:  # never a silent, invisible app
            self.ring.set_main_window_mode(True)
            self.ring.set_hint(NO_TRAY_HINT)
            self.show_ring()
        if self.c.engine.state is not State.IDLE:
            self.show_ring()
        self.render_ring()

    # --- user moves ----------------------------------------------------------------
    def on_tray_click(self) -> None:
        state = self.c.engine.state
        if state is State.IDLE:
            self.c.start_default()
            self.show_ring()
        elif state is State.FINISHED and self.popup.isVisible():
            self.popup.focus_now()
        elif state is State.FINISHED:
            self.c.start_default()
        else:
            self.toggle_ring()

    def toggle_ring(self) -> None:
        if self.ring.isVisible() and self.has_tray:
            self.ring.hide()
        else:
            self.show_ring()

    def show_ring(self) -> None:
        """Show the ring; the first time, under the tray icon (top right if unknown)."""
        if not self._ring_placed:
            self._ring_placed = True
            screen = self.app.primaryScreen().availableGeometry()
            tray = self.tray.geometry() if self.tray else None
            on_screen = tray is not None and tray.isValid() and screen.contains(tray.center())
            x = (tray.right() if on_screen else screen.right() - 16) - self.ring.width() + 1
            y = tray.bottom() + 8 if on_screen and tray.center().y() < screen.center().y() else screen.top() + 48
            self.ring.move(max(screen.left(), x), max(screen.top(), y))
        self.ring.show()
        self.ring.raise_()

    def ask_custom(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        minutes, ok = QInputDialog.getInt(None, "Micro-Session", "Minutes:", int(self.c.last_minutes), 1, 240)
        if ok:
            self.c.start(minutes)
            self.show_ring()

    def on_ring_stop(self) -> None:
        if self.c.engine.state is State.BREAK:
            self.c.skip_break()
        else:
            self.c.stop()

    def quit(self) -> None:
        for notifier in (self.notifier, self._notices):
            if notifier is not None:
                notifier.shutdown()
        if self._chime is not None:
            self._chime.close()
        self.app.quit()

    # --- the rhythm ------------------------------------------------------------------
    def on_focus_ended(self, ended: Ended) -> None:
        completed = self.c.engine.state is State.FINISHED
        if completed:
            self.chime()
            self.notifier.notify(
                "Session done ✓", f"{minutes_text(ended.focused_s)} of {KIND_LABELS[ended.session.kind].lower()}. "
                f"Time for a {minutes_text(self.c.settings.break_minutes * 60)} break.",
                [("start_break", "Start break"), ("skip", "Skip break"), ("log", "Log it")])
        near = self.ring.frameGeometry() if self.ring.isVisible() else self.tray.geometry() if self.tray else None
        self.popup.ask(ended, near)
        trace("popup_shown", id=ended.session.id)

    def on_break_ended(self, ended: Ended) -> None:
        self.chime()
        minutes = self.c.last_minutes
        self.notifier.notify("Break over", "Ready for the next one?", [("start", f"Start {minutes:g} min")])

    def on_log_saved(self, session_id: str, log) -> None:
        self.c.save_log(session_id, log)
        self.after_popup()

    def after_popup(self) -> None:
        if self.c.engine.state is State.FINISHED:
            self.notifier.close()  # its "Start break" / "Skip break" are answered now
            self.c.start_break()

    def on_notification_action(self, key: str) -> None:
        trace("notification_action", key=key)
        if key != "log":
            self.notifier.close()
        if key == "start_break":
            self.c.start_break()
        elif key == "skip":
            self.c.skip_break()
        elif key == "log" and self.popup.isVisible():
            self.popup.focus_now()
        elif key == "start" and self.c.engine.state in (State.IDLE, State.FINISHED):
            self.c.start(self.c.last_minutes)
            self.show_ring()

    def _update_log_action(self) -> None:
        self._shell_actions.log_session = self.popup.focus_now if self.popup.isVisible() else None
        menus.fill(self.menu, self.c, self._shell_actions)

    # --- rendering and small services ------------------------------------------------
    def render_ring(self) -> None:
        s = self.c.snapshot()
        self.ring.render_view(RingView(s.phase, s.fraction_left, s.time_text, s.title))

    def chime(self) -> None:
        if not self.c.settings.chime:
            return
        if self._chime is None:
            from microsession.ui.chime import Chime

            self._chime = Chime()
        if self._chime.available:
            self._chime.play(self.c.settings.chime_volume)
        elif not self._told_silent:
            self._told_silent = True
            self.tell(self._chime.reason)

    def tell(self, message: str) -> None:
        """One calm sentence, in its own notification (the timer's own is never replaced)."""
        trace("notice", message=message)
        if self._notices is None:
            self._notices = make_notifier(self.tray.icon if self.tray else None, self)
        if self._notices.backend != "none":
            self._notices.notify("Micro-Session", message)
        else:
            print(f"microsession: {message}", file=sys.stderr)

    def remember_ring_place(self, pos) -> None:
        if self.conn is None:
            return
        try:
            settings_store.save(self.conn, "ring_x", pos.x())
            settings_store.save(self.conn, "ring_y", pos.y())
        except sqlite3.Error:
            pass  # a place on screen is not worth bothering the user about


def run(data_dir_arg: str | None = None) -> int:
    trace("process_start")
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Micro-Session")
    app.setDesktopFileName("microsession")
    app.setQuitOnLastWindowClosed(False)
    # Every new tray picture (60 steps a session) leaves its scaled copy in Qt's pixmap
    # cache; the default 10 MB limit showed as +21 MB RSS over a 24-hour soak. 2 MB holds
    # everything we draw twice.
    QPixmapCache.setCacheLimit(2048)
    scale = time_scale()
    clock: Clock = SystemClock() if scale == 1.0 else ScaledClock(SystemClock(), scale)
    if os.environ.get("MICROSESSION_CLOCK_SHIFT_FILE"):  # fault tests: jumps and suspends
        from microsession.testing_clock import ShiftedClock

        clock = ShiftedClock(clock, Path(os.environ["MICROSESSION_CLOCK_SHIFT_FILE"]))
    conn, notes = open_store(data_dir(data_dir_arg))
    values = settings_store.load(conn) if conn is not None else {}
    settings, problems = Settings.from_values(values)
    if problems:
        notes.append("Some settings were not valid and use their defaults: " + "; ".join(problems) + ".")
    engine = Engine(clock)
    shell_ref: list[Shell] = []
    journal = Journal(conn, on_problem=lambda m: shell_ref[0].tell(m) if shell_ref else notes.append(m),
                      on_recovered=lambda: shell_ref and shell_ref[0].tell("Your sessions are saved again."))
    notes += recover_sessions(conn, engine, journal, clock)
    controller = Controller(engine, journal, clock, settings, scale)
    shell = Shell(app, controller, conn)
    shell_ref.append(shell)
    shell.show()
    from microsession.ui.signals import quit_on_signals

    _signals = quit_on_signals(app)  # noqa: F841  (kept alive for the loop)
    controller.wake()  # arm the timer for a resumed session
    for note in notes:
        shell.tell(note)
    code = app.exec()
    journal.retry()
    if conn is not None:
        conn.close()
    return code
