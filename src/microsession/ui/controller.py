"""Drives the engine from one precise single-shot QTimer and tells the widgets what changed.

The timer is armed for the next moment something visible changes (the deadline, the
tray icon's next step, the tooltip's next minute, the ring's next second while the ring
is shown), capped at 30 s so a resume from suspend is noticed soon. Nothing runs while
no session does (except a 30-s retry while a failed write waits to land).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from microsession.core.clock import Clock
from microsession.core.events import Ended, Event, Kind, Outcome, Started
from microsession.core.format import KIND_LABELS, clock_text, kind_for_minutes
from microsession.core.logbook import SessionLog
from microsession.core.session import Action, Engine, State
from microsession.core.settings import Settings
from microsession.journal import Journal
from microsession.trace import trace

ICON_STEPS = 60
MAX_WAIT_S = 30.0
HEADS_UP_S = 60.0


@dataclass(frozen=True)
class Snapshot:
    """Everything a widget needs to draw the current moment."""

    state: State
    kind: Kind | None
    phase: str  # idle | focus | deep | break | paused | done
    remaining_s: float
    fraction_left: float
    title: str
    time_text: str
    task: str = ""  # the task, batch or stack step the session is about ("" if none)


class Controller(QObject):
    changed = Signal()  # state or settings changed: menus, ring visibility
    refreshed = Signal()  # time moved on: redraw if the picture changed
    focus_ended = Signal(object)  # Ended of a focus session (completed or stopped)
    break_ended = Signal(object)  # Ended of a break that ran out
    heads_up = Signal(float)  # seconds left

    def __init__(self, engine: Engine, journal: Journal, clock: Clock, settings: Settings,
                 time_scale: float = 1.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine, self.journal, self.clock, self.settings = engine, journal, clock, settings
        self.scale = time_scale
        self.ring_visible = False
        self.last_minutes: float = settings.default_minutes
        self._headed_up = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.wake)

    # --- commands (called by the tray, the ring, the popup, notifications) ---------
    def start(self, minutes: float, kind: Kind | None = None) -> None:
        kind = kind or kind_for_minutes(minutes)
        self.last_minutes = minutes
        self._apply(lambda: self.engine.start(minutes * 60, kind), Action.START)

    def start_default(self) -> None:
        self.start(self.settings.default_minutes)

    def pause(self) -> None:
        self._apply(self.engine.pause, Action.PAUSE)

    def resume(self) -> None:
        self._apply(self.engine.resume, Action.RESUME)

    def stop(self) -> None:
        self._apply(self.engine.stop, Action.STOP)

    def extend(self) -> None:
        self._apply(self.engine.extend, Action.EXTEND)

    def start_break(self) -> None:
        self._apply(lambda: self.engine.start_break(self.settings.break_minutes * 60), Action.START_BREAK)

    def skip_break(self) -> None:
        self._apply(self.engine.skip_break, Action.SKIP_BREAK)

    def save_log(self, session_id: str, log: SessionLog) -> None:
        self.journal.add_log(session_id, log, self.clock.now_utc())
        trace("log_saved", session_id=session_id)

    def set_ring_visible(self, visible: bool) -> None:
        self.ring_visible = visible
        self._arm()

    def can(self, action: Action) -> bool:
        return self.engine.can(action)

    # --- time --------------------------------------------------------------------
    def wake(self) -> None:
        """The timer fired (or the app resumed): end what is due, redraw, re-arm."""
        events = self.engine.tick()
        self.journal.retry()
        if events:
            self._handle(events)
            self.changed.emit()
        elif self._heads_up_due():
            self._headed_up = True
            self.heads_up.emit(self.engine.remaining())
        self.refreshed.emit()
        self._arm()

    def snapshot(self) -> Snapshot:
        e = self.engine
        info = e.current
        remaining = e.remaining()
        if e.state is State.FINISHED:
            return Snapshot(e.state, None, "done", 0.0, 1.0, "Done ✓", "00:00")  # a full ring: a small win
        if info is None:
            return Snapshot(e.state, None, "idle", 0.0, 0.0, "Ready", clock_text(self.settings.default_minutes * 60))
        phase = {Kind.MICRO: "focus", Kind.DEEP: "deep", Kind.BREAK: "break"}[info.kind]
        title = KIND_LABELS[info.kind]
        if e.state is State.PAUSED:
            phase, title = "paused", "Paused"
        return Snapshot(e.state, info.kind, phase, remaining, e.fraction_left(), title, clock_text(remaining))

    def _heads_up_due(self) -> bool:
        info = self.engine.current
        return (self.settings.heads_up and not self._headed_up and self.engine.state is State.RUNNING
                and info is not None and info.planned_s > 2 * HEADS_UP_S
                and self.engine.remaining() <= HEADS_UP_S)

    def _arm(self) -> None:
        """Arm the timer for the next visible change; stop it when nothing runs."""
        e = self.engine
        if e.state not in (State.RUNNING, State.BREAK):
            if self.journal.pending:  # failed writes: try again every 30 s until they land
                self._timer.start(int(MAX_WAIT_S * 1000))
            else:
                self._timer.stop()
            return
        left = e.remaining()
        planned = e.current.planned_s
        waits = [left]  # the deadline
        step = planned / ICON_STEPS  # the tray icon's next picture
        waits.append(left - step * math.floor((left - 1e-9) / step))
        waits.append(left - 60 * math.floor((left - 1e-9) / 60))  # the tooltip's next minute
        if self.settings.heads_up and not self._headed_up and left > HEADS_UP_S:
            waits.append(left - HEADS_UP_S)
        wait_real = min(w for w in waits if w > 0) / self.scale if left > 0 else 0.0
        if self.ring_visible:  # the ring's digits: at most once a second
            wait_real = min(wait_real, max(1.0, (left - math.floor(left - 1e-9)) / self.scale))
        wait_real = min(wait_real, MAX_WAIT_S)
        self._timer.start(max(0, math.ceil(wait_real * 1000)))

    def _apply(self, command, action: Action | None = None) -> None:
        if action is not None and not self.engine.can(action):
            return  # a stale menu or a double click: nothing to do
        self._handle(command())
        self.changed.emit()
        self.refreshed.emit()
        self._arm()

    def _handle(self, events: list[Event]) -> None:
        self.journal.record(events)
        for event in events:
            if isinstance(event, Started):
                self._headed_up = False
                trace("session_started", id=event.session.id, kind=event.session.kind.value,
                      planned_s=event.session.planned_s)
            elif isinstance(event, Ended):
                self._on_ended(event)

    def _on_ended(self, event: Ended) -> None:
        deadline_lateness = None
        if event.outcome is Outcome.COMPLETED:
            deadline_lateness = (self.clock.now_utc() - event.ended_utc).total_seconds() / self.scale
        trace("session_ended", id=event.session.id, kind=event.session.kind.value,
              outcome=event.outcome.value, focused_s=event.focused_s, late_s=deadline_lateness)
        if event.session.kind.is_focus:
            if event.outcome is Outcome.COMPLETED or event.focused_s >= 60:
                self.focus_ended.emit(event)
        elif event.outcome is Outcome.COMPLETED:
            self.break_ended.emit(event)
