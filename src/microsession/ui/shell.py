"""The application shell: the tray, the ring, the popup and notifications, wired to the controller.

Only the tray icon and its menu exist at start-up; the ring, the popup and the D-Bus
connection are built the first time they are needed (start-up time and idle memory).
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSize
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon, QWidget

from microsession.core.events import Ended
from microsession.core.format import KIND_LABELS, minutes_text
from microsession.core.session import State
from microsession.store import settings as settings_store
from microsession import memory
from microsession.trace import trace
from microsession.ui.tray import menu as menus
from microsession.ui.session.controller import Controller
from microsession.ui.session.habit import HabitLoop
from microsession.ui.session.hooks import SessionHooks
from microsession.ui.session.voice import Moments, Voice
from microsession.ui.shell_windows import ShellWindows
from microsession.ui.triggers_glue import TriggerGlue
from microsession.ui.sync_glue import SyncGlue
from microsession.ui.scheme import Scheme
from microsession.ui.tray.icon import Tray

if TYPE_CHECKING:
    from microsession.ui.session.end_popup import EndPopup
    from microsession.ui.session.notify import Notifier
    from microsession.ui.session.ring import RingWindow
    from microsession.ui.session.starts import Starts

NO_TRAY_HINT = ("No system tray here: this window is the app. Click or Space to start;"
                " right-click or Shift+F10 for the menu.")


class Shell(QObject, Voice, ShellWindows):
    """Owns the widgets and connects them to the controller."""

    def __init__(self, app: QApplication, controller: Controller, conn: sqlite3.Connection | None,
                 tray_icon: QSystemTrayIcon | None = None) -> None:
        super().__init__()
        self.app, self.c, self.conn = app, controller, conn
        self.scheme = Scheme(app, self)
        self.scheme.changed.connect(self.on_scheme_changed)
        self._ring: RingWindow | None = None  # the widgets are built when first needed:
        self._popup: EndPopup | None = None  # start-up shows only the tray icon
        self._notifier: Notifier | None = None
        self._ring_placed = False
        # Wayland: no client places its windows, and a new one may take the keyboard as it
        # maps (sway): the ring opens where the compositor puts it, its place is not kept,
        # and the popup opens inside the ring's window.
        self.on_wayland = app.platformName().startswith("wayland")
        self.menu = QMenu()
        self._starts: Starts | None = None
        self._windows: dict[str, QWidget] = {}
        self.habit = HabitLoop(controller, conn, self.offer, self.acknowledge)
        self.hooks = SessionHooks(controller, None, self.tell)  # compose sets the data folder
        self.triggers = TriggerGlue(self)
        self.sync = SyncGlue(self)  # started by compose.after_start when a sync folder is set
        shell_actions = menus.ShellActions(
            self.ask_custom, self.toggle_ring, self.ring_visible, None, self.quit,
            status_lines=self.habit.status_lines, suggestion=lambda: self.away_picks() + self.triggers.menu_picks(),
            on_task=lambda: self._picks("tasks"), batches=lambda: self._picks("batches"),
            stacks=lambda: self._picks("stacks"), windows=self._window_picks, start=self.start_sprint)
        self._shell_actions = shell_actions
        controller.changed.connect(self._note_log_waiting)  # before the menu's own refresh on changes
        menus.attach(self.menu, controller, shell_actions)
        self.menu.aboutToShow.connect(self._update_log_action)
        self.menu.aboutToHide.connect(lambda: memory.release(trim_heap=False))
        self.has_tray = tray_icon is not None or QSystemTrayIcon.isSystemTrayAvailable()
        self.tray = Tray(controller, self.menu, self.on_tray_click, self.scheme.panel_dark, tray_icon) if self.has_tray else None
        self._notices = None
        self._tray_watch = None
        self._chime = None
        self._told_silent = False
        self._dnd = None
        self._away = None  # the away watcher, from the first focus session on
        self._valid = None  # the timer notification's moment (Voice.announce)
        self._server_sound = False
        self.moments = Moments(controller)
        controller.changed.connect(self.drop_stale)
        controller.changed.connect(self.sync_dnd)
        controller.started.connect(self.watch_away)
        controller.refreshed.connect(self.render_ring)
        controller.changed.connect(self.render_ring)
        controller.focus_ended.connect(self.on_focus_ended)
        controller.break_ended.connect(self.on_break_ended)
        controller.heads_up.connect(lambda left: self.announce(
            "One minute left", "Time to find a good place to stop.", valid=self.moments.running(controller.engine.current.id)))
        controller.stack_finished.connect(self.on_stack_finished)

    # --- parts built on first use --------------------------------------------------
    @property
    def ring(self) -> RingWindow:
        if self._ring is None:
            from microsession.ui.session.ring import RingWindow

            self.scheme.follow()
            ring = self._ring = RingWindow()
            s, c = self.c.settings, self.c
            ring.set_always_on_top(s.ring_on_top)
            ring.set_menu(self.menu)
            if s.ring_x >= 0 and s.ring_y >= 0 and not self.on_wayland:
                self._ring_placed = True
                ring.move(s.ring_x, s.ring_y)
            ring.visibility_changed.connect(c.set_ring_visible)
            ring.visibility_changed.connect(lambda shown: trace("ring_shown" if shown else "ring_hidden"))
            ring.pause_clicked.connect(c.pause)
            ring.resume_clicked.connect(c.resume)
            ring.stop_clicked.connect(self.on_ring_stop)
            ring.clicked.connect(self.on_window_click)
            ring.close_requested.connect(self.quit)
            ring.moved.connect(self.remember_ring_place)
            self.render_ring()
        return self._ring

    @property
    def starts(self) -> Starts:
        """Starting on tasks, batches and stacks (and the preparation and resume cards)."""
        if self._starts is None:
            from microsession.ui.session.starts import Starts

            self.scheme.follow()
            self._starts = Starts(self.c, self.conn, self.show_ring, lambda: self._ring)
        return self._starts

    def ring_visible(self) -> bool:
        return self._ring is not None and self._ring.isVisible()

    @property
    def popup(self) -> EndPopup:
        if self._popup is None:
            from microsession.ui.session.end_popup import EndPopup

            self.scheme.follow()
            self._popup = EndPopup()
            if self.on_wayland:
                self.ring.host_form(self._popup)
            self._popup.saved.connect(self.on_log_saved)
            self._popup.skipped.connect(lambda _id: self.after_popup())
        return self._popup

    def popup_visible(self) -> bool:
        return self._popup is not None and self._popup.waiting()

    # --- showing -------------------------------------------------------------------
    def show(self) -> None:
        if self.tray:
            self.tray.show()
        else:  # never a silent, invisible app
            self.ring.set_main_window_mode(True)
            self.ring.set_hint(NO_TRAY_HINT)
            self.show_ring()
            from microsession.ui.tray.watch import TrayWatch  # only without a tray
            self._tray_watch = TrayWatch(self)
            self._tray_watch.appeared.connect(self.adopt_tray)
        if self.c.engine.state is not State.IDLE:
            self.show_ring()

    def adopt_tray(self, icon: QSystemTrayIcon | None = None) -> None:
        """A tray came up after the app: the icon moves into it, the ring is the ring again."""
        if self.tray is None:  # (the ring exists: it was the app's window)
            self.has_tray, self.tray = True, Tray(self.c, self.menu, self.on_tray_click, self.scheme.panel_dark, icon)
            self.tray.show()
            self.ring.set_hint("")
            self.ring.set_main_window_mode(False)
            if self.c.engine.state is State.IDLE:
                self.ring.hide()
            trace("tray_adopted")

    # --- user moves ----------------------------------------------------------------
    def on_tray_click(self) -> None:
        state = self.c.engine.state
        if state is State.FINISHED and self.popup_visible():
            self.popup.focus_now()
        elif state in (State.IDLE, State.FINISHED):
            self.start_sprint(self.c.settings.default_minutes)
        else:
            self.toggle_ring()

    def on_window_click(self) -> None:
        """The ring as the main window (no tray): a click or Space is the tray's click,
        and pauses or resumes a running session (the window cannot hide)."""
        state = self.c.engine.state
        if state is State.RUNNING:
            self.c.pause()
        elif state is State.PAUSED:
            self.c.resume()
        else:
            self.on_tray_click()

    def toggle_ring(self) -> None:
        if self.ring_visible() and self.has_tray:
            self.ring.hide()
        else:
            self.show_ring()

    def show_ring(self) -> None:
        """Show the ring; the first time at the right edge, away from the tray (see ring_place)."""
        ring = self.ring
        if not self._ring_placed and not self.on_wayland:  # the first time: clear of where notifications appear
            from microsession.ui.session.ring import MAX_HEIGHT
            from microsession.ui.session.ring_place import default_place

            self._ring_placed = True
            screen = self.app.primaryScreen().availableGeometry()
            room = ring.size().expandedTo(QSize(ring.width(), MAX_HEIGHT))  # it grows down with a hint or card
            ring.move(default_place(screen, self.tray.geometry() if self.tray else None, room))
        ring.show()
        ring.raise_()

    # --- commands from outside (the control socket) and the menus ---------------------
    def start_minutes(self, minutes: float) -> None:
        """Start a sprint of `minutes` (deep work from 90); ValueError if it cannot start now."""
        self.starts.start_minutes(minutes)

    def start_sprint(self, minutes: float) -> None:
        """A start from the tray, the menus or a notification: the same path as the command line's
        (the preparation card, the ring shown); a refusal is told, never raised into Qt."""
        self.try_start(self.starts.start_minutes, minutes)

    def start_task(self, task_id: str) -> None:
        self._guarded(self.starts.start_task, task_id)

    def start_batch(self, task_type: str, minutes: float | None = None) -> None:
        self._guarded(lambda t: self.starts.start_batch(t, minutes), task_type)

    def start_stack(self, name: str) -> None:
        self._guarded(self.starts.start_stack, name)

    def _guarded(self, start, arg: str) -> None:
        try:
            start(arg)
        except sqlite3.Error as exc:
            raise ValueError(f"your data cannot be read right now ({exc})") from None

    def try_start(self, start, arg: str) -> None:
        """A start from a menu or a window: a refusal is told, never raised into Qt."""
        try:
            self._guarded(start, arg)
        except ValueError as exc:
            self.tell(str(exc)[:1].upper() + str(exc)[1:] + ".")

    # --- windows -------------------------------------------------------------------------
    def apply_settings(self, settings) -> None:
        """Saved in the settings window: every part reads them from the controller."""
        refresh_before = self.c.settings.calendar_refresh_minutes
        self.c.set_settings(settings)
        if self._ring is not None:
            self._ring.set_always_on_top(settings.ring_on_top)
        self.sync.start()
        if settings.calendar_refresh_minutes != refresh_before:
            self.triggers.start()  # the calendar refresh job at its new pace
        if self.tray is not None:
            self.tray.set_look(symbolic=settings.tray_symbolic)

    def on_scheme_changed(self) -> None:
        """The desktop went dark or light: the windows follow (their palette), the icon its panel."""
        panel_dark = self.scheme.panel_dark()
        trace("color_scheme", dark=self.scheme.dark(), panel_dark=panel_dark)
        if self.tray is not None:
            self.tray.set_look(panel_dark, self.c.settings.tray_symbolic)

    def on_ring_stop(self) -> None:
        if self.c.engine.state is State.BREAK:
            self.c.skip_break()
        else:
            self.c.stop()

    def quit(self) -> None:
        self.triggers.shutdown()
        for notifier in (self._notifier, self._notices):
            if notifier is not None:
                notifier.shutdown()
        if self._chime is not None:
            self._chime.close()
        self.release_dnd()
        self.app.quit()

    # --- the rhythm ------------------------------------------------------------------
    def on_focus_ended(self, ended: Ended) -> None:
        self.sync_dnd()  # before its end is announced: our notification must get through
        completed = self.c.engine.state is State.FINISHED
        in_stack = self.c.in_stack()
        step = ""
        if ended.session.tags.stack_run_id and self.c.run is not None:
            step = f"step {ended.session.tags.stack_position + 1} of {len(self.c.run.stack.steps)}"
        if completed:
            self.chime()
            if in_stack:
                nxt = self.c.run.current()
                then = f"Next: {minutes_text(nxt.seconds)} {'break' if nxt.kind == 'break' else nxt.label or 'focus'}."
                self.announce(f"{step.capitalize()} done ✓", then, [("log", "Log it")], self.popup_visible)
            else:
                self.announce(
                    "Session done ✓", f"{minutes_text(ended.focused_s, up=False)} of {KIND_LABELS[ended.session.kind].lower()}. "
                    f"Time for a {minutes_text(self.c.next_break_minutes() * 60)} break.",
                    [("start_break", "Start break"), ("skip", "Skip break"), ("log", "Log it")],
                    self.moments.finished(ended.session.id))
        near = self.ring.frameGeometry() if self.ring_visible() else self.tray.geometry() if self.tray else None
        self.popup.ask(ended, near, tasks=self.starts.tasks_of(ended.session),
                       interrupted=ended.session.id in self.c.interrupted, step=step)
        trace("popup_shown", id=ended.session.id, in_ring=self.on_wayland, on_screen=self.popup.isVisible())

    def on_break_ended(self, ended: Ended) -> None:
        self.chime()
        if self.c.in_stack():
            nxt = self.c.run.current()
            what = nxt.label or "focus" if nxt else "focus"
            run = self.c.run
            self.announce("Break over", f"{minutes_text(nxt.seconds)} {what} starts now.", [("stop_stack", "Stop stack")],
                          lambda n=self.moments.no_start(1): n() and self.c.run is run)
            return
        minutes = self.c.last_minutes
        self.announce("Break over", "Ready for the next one?", [("start", f"Start {minutes:g} min")],
                      self.moments.no_start())

    def on_stack_finished(self, stack, completed: bool) -> None:
        if completed:
            self.announce(f"{stack.name}: done ✓", f"{minutes_text(stack.focus_minutes * 60)} of focus in {len(stack.steps)} steps.",
                          valid=self.moments.no_start())

    def on_log_saved(self, session_id: str, log) -> None:
        self.c.save_log(session_id, log, self.popup.done_task_ids())
        self.after_popup()

    def after_popup(self) -> None:
        if self.c.engine.state is State.FINISHED:
            self.notifier.close()  # its "Start break" / "Skip break" are answered now
            self.c.start_break()

    def on_notification_action(self, key: str) -> None:
        trace("notification_action", key=key)
        if self.stale(key):
            return
        if key != "log":
            self.notifier.close()
        if key == "start_break":
            self.c.start_break()
        elif key == "skip":
            self.c.skip_break()
        elif key == "log" and self.popup_visible():
            self.popup.focus_now()
        elif key == "stop_stack":
            self.c.stop_all()
        elif key == "start" and self.c.engine.state in (State.IDLE, State.FINISHED):
            self.start_sprint(self.c.last_minutes)

    def _note_log_waiting(self) -> None:
        self._shell_actions.log_session = self.popup.focus_now if self.popup_visible() else None

    def _update_log_action(self) -> None:
        self.scheme.follow()  # the menu and its submenus in the scheme's palette
        self._note_log_waiting()
        menus.fill(self.menu, self.c, self._shell_actions)
        trace("menu_shown")

    # --- rendering and small services ------------------------------------------------
    def render_ring(self) -> None:
        if self._ring is None:
            return
        s = self.c.snapshot()
        from microsession.ui.session.ring import RingView

        self._ring.render_view(RingView(s.phase, s.fraction_left, s.time_text, s.title, s.task, s.step_text,
                                         s.remaining_s))

    def remember_ring_place(self, pos) -> None:
        if self.conn is None or self.on_wayland:  # there a window's place is the compositor's
            return
        try:
            settings_store.save(self.conn, "ring_x", pos.x())
            settings_store.save(self.conn, "ring_y", pos.y())
        except sqlite3.Error:
            pass  # a place on screen is not worth bothering the user about
