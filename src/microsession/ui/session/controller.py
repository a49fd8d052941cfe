"""Drives the engine from one precise single-shot QTimer and tells the widgets what changed.

The timer is armed for the next moment something visible changes (the deadline, the
tray icon's next step, the tooltip's next minute, the ring's next second while the ring
is shown), capped at 30 s so a resume from suspend is noticed soon. Nothing runs while
no session does (except a 30-s retry while a failed write waits to land).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from microsession.core.clock import Clock
from microsession.core.events import NO_TAGS, Ended, Event, Kind, Outcome, Started, Tags
from microsession.core.format import KIND_LABELS, clock_text, kind_for_minutes
from microsession.core.ids import new_id
from microsession.core.logbook import SessionLog
from microsession.core.rhythm import BreakRules, Rhythm
from microsession.core.session import Action, Engine, State
from microsession.core.settings import Settings
from microsession.journal import Journal
from microsession.trace import trace

if TYPE_CHECKING:  # loaded when a stack first runs (start-up memory)
    from microsession.core.stacks import NextAction, Stack, StackRun

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
    step_text: str = ""  # "step 2 of 5" inside a stack


def break_rules(s: Settings) -> BreakRules:
    return BreakRules(s.break_minutes, max(s.long_break_minutes, s.break_minutes), s.cluster_size,
                      s.deep_break_minutes)


class Controller(QObject):
    changed = Signal()  # state or settings changed: menus, ring visibility
    refreshed = Signal()  # time moved on: redraw if the picture changed
    focus_ended = Signal(object)  # Ended of a focus session (completed or stopped)
    break_ended = Signal(object)  # Ended of a break that ran out
    heads_up = Signal(float)  # seconds left
    started = Signal(object)  # SessionInfo of a session or break that just began
    stack_finished = Signal(object, bool)  # the Stack, and whether it ran to its end

    def __init__(self, engine: Engine, journal: Journal, clock: Clock, settings: Settings,
                 time_scale: float = 1.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine, self.journal, self.clock, self.settings = engine, journal, clock, settings
        self.scale = time_scale
        self.ring_visible = False
        self.last_minutes: float = settings.default_minutes
        self.rhythm = Rhythm(break_rules(settings))
        self.run: StackRun | None = None  # the stack running now
        self.interrupted: set[str] = set()  # ids of sessions with an interruption recorded
        self._label = ("", "")  # (session id, what it is about: task, batch or step) of the latest start
        self._next_label = ""
        self._headed_up = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.wake)
        self._precise = False  # set on the first session: the idle app builds no Qt enum (ui/scheme.py)

    # --- commands (called by the tray, the ring, the popup, notifications) ---------
    def start(self, minutes: float, kind: Kind | None = None, task_id: str | None = None,
              label: str = "", tags: Tags = NO_TAGS) -> None:
        """Start a sprint (on a task, or a batch through `tags`); a running stack ends here."""
        if not self.engine.can(Action.START):
            return
        kind = kind or kind_for_minutes(minutes)
        self.stop_stack()
        self.last_minutes = minutes
        self._next_label = label
        self._apply(lambda: self.engine.start(minutes * 60, kind, task_id, tags), Action.START)

    def start_default(self) -> None:
        self.start(self.settings.default_minutes)

    def start_stack(self, stack: Stack) -> None:
        """Run a stack from its first step; each next step starts by itself."""
        if not self.engine.can(Action.START):
            return
        from microsession.core.stacks import StackRun
        from microsession.store import stack_runs

        self.stop_stack()
        run = self.run = StackRun(stack, new_id())
        started = self.clock.now_utc()
        from microsession.journal_ops import run_insert_record

        self.journal.write(lambda c: stack_runs.insert(c, run.run_id, stack, started),
                           run_insert_record(run.run_id, stack, started))
        trace("stack_started", run_id=run.run_id, name=stack.name, steps=len(stack.steps))
        self._apply(lambda: self._start_step(run.next_action()))

    def stop_stack(self) -> None:
        """End the running stack here; the current session or break is left as it is."""
        if self.run is not None:
            self.run.stop()
            self._close_run()

    def stop_all(self) -> None:
        """Stop the stack and its current step (the menu's "Stop stack")."""
        self.stop_stack()
        if self.engine.state is State.BREAK:
            self.skip_break()
        else:
            self.stop()

    def pause(self) -> None:
        self._apply(self.engine.pause, Action.PAUSE)

    def resume(self) -> None:
        self._apply(self.engine.resume, Action.RESUME)

    def stop(self) -> None:
        self._apply(self.engine.stop, Action.STOP)

    def extend(self) -> None:
        self._apply(self.engine.extend, Action.EXTEND)

    def count_away(self, seconds: float) -> None:
        """The time away from a running session was a break (see Engine.count_away)."""
        self._apply(lambda: self.engine.count_away(seconds))

    def interrupt(self) -> None:
        """Someone or something broke in: note the moment, and pause the clock."""
        info = self.engine.current
        if info is None or not info.kind.is_focus:
            return
        from microsession.store import tasks as task_store

        at, interruption_id = self.clock.now_utc(), new_id()
        self.journal.write(lambda c: task_store.record_interruption(c, info.id, at, interruption_id),
                           {"op": "interruption", "session_id": info.id, "at": at.isoformat(), "id": interruption_id})
        self.interrupted.add(info.id)
        trace("interrupted", id=info.id)
        if self.engine.can(Action.PAUSE):
            self.pause()
        else:
            self.changed.emit()

    def next_break_minutes(self) -> float:
        """The break the rhythm asks for now: short, long after a cluster, or after deep work."""
        return self.rhythm.next_break_minutes()

    def start_break(self, minutes: float | None = None) -> None:
        seconds = (minutes or self.next_break_minutes()) * 60
        self._apply(lambda: self.engine.start_break(seconds), Action.START_BREAK)

    def skip_break(self) -> None:
        self._apply(self.engine.skip_break, Action.SKIP_BREAK)

    def save_log(self, session_id: str, log: SessionLog, done_task_ids: tuple[str, ...] = ()) -> None:
        now = self.clock.now_utc()
        self.journal.add_log(session_id, log, now)
        if done_task_ids:
            from microsession.store import tasks as task_store

            self.journal.write(lambda c: task_store.set_done(c, done_task_ids, now),
                               {"op": "tasks_done", "ids": list(done_task_ids), "at": now.isoformat()})
        trace("log_saved", session_id=session_id, done=len(done_task_ids))

    def set_settings(self, settings: Settings) -> None:
        self.settings = settings
        self.rhythm.rules = break_rules(settings)
        self.changed.emit()
        self._arm()

    def label_of(self, session_id: str) -> str:
        return self._label[1] if self._label[0] == session_id else ""

    def in_stack(self) -> bool:
        """A stack runs and has steps to come (or the current one)."""
        return self.run is not None and not self.run.finished

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
        run = self.run
        step = run.step_text if run is not None and info.tags.stack_run_id == run.run_id else ""
        return Snapshot(e.state, info.kind, phase, remaining, e.fraction_left(), title, clock_text(remaining),
                        self.label_of(info.id), step)

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
        if self.ring_visible:  # the ring's digits when they change, at most once a second
            digits = (left - math.floor(left - 1e-9)) / self.scale
            wait_real = min(wait_real, digits if self.scale <= 1 else max(1.0, digits))
        wait_real = min(wait_real, MAX_WAIT_S)
        if not self._precise:
            from PySide6.QtCore import Qt

            self._timer.setTimerType(Qt.TimerType.PreciseTimer)
            self._precise = True
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
        action: NextAction | None = None
        for event in events:
            self.rhythm.observe(event)
            if self.run is not None:
                action = self.run.observe(event) or action
            if isinstance(event, Started):
                self._headed_up = False
                info = event.session
                self._label = (info.id, self._next_label)
                self._next_label = ""
                trace("session_started", id=info.id, kind=info.kind.value, planned_s=info.planned_s,
                      task_id=info.task_id, stack_run_id=info.tags.stack_run_id,
                      stack_position=info.tags.stack_position, batch=len(info.tags.batch_task_ids))
                self.started.emit(info)
            elif isinstance(event, Ended):
                self._on_ended(event)
        if action is not None and self.run is not None:
            if action.what == "done":
                self._close_run()
            else:
                self._handle(self._start_step(action))

    def _start_step(self, action: NextAction) -> list[Event]:
        run, step = self.run, action.step
        assert run is not None and step is not None
        tags = Tags(run.run_id, run.position)
        self._next_label = step.label or (step.task_type or "").replace("-", " ")
        if action.what == "break":
            return self.engine.start_break(step.seconds, tags)
        return self.engine.start(step.seconds, step.session_kind, step.task_id, tags)

    def _close_run(self) -> None:
        run, self.run = self.run, None
        if run is None:
            return
        from microsession.store import stack_runs

        outcome = "stopped" if run.stopped or not run.finished else "completed"
        ended = self.clock.now_utc()
        self.journal.write(lambda c: stack_runs.complete(c, run.run_id, outcome, ended),
                           {"op": "stack_run_complete", "run_id": run.run_id, "outcome": outcome, "ended_utc": ended.isoformat()})
        trace("stack_ended", run_id=run.run_id, outcome=outcome, position=run.position)
        self.stack_finished.emit(run.stack, outcome == "completed")
        self.changed.emit()

    def _on_ended(self, event: Ended) -> None:
        deadline_lateness = None
        if event.outcome is Outcome.COMPLETED:  # on the elapsed clock, in real seconds
            deadline_lateness = self.engine.lateness_s / self.scale
        trace("session_ended", id=event.session.id, kind=event.session.kind.value,
              outcome=event.outcome.value, focused_s=event.focused_s, late_s=deadline_lateness)
        if event.session.kind.is_focus:
            if event.outcome is Outcome.COMPLETED or event.focused_s >= 60:
                self.focus_ended.emit(event)
        elif event.outcome is Outcome.COMPLETED:
            self.break_ended.emit(event)
