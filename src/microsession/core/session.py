"""The session engine: an explicit state machine over deadlines.

The engine never sleeps and schedules nothing. The caller asks `remaining()` and calls
`tick()` when the deadline may have passed; every command returns the events it caused.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from enum import Enum

from microsession.core.clock import Clock
from microsession.core.events import (
    NO_TAGS, Tags,
    Ended, Event, Extended, Kind, Outcome, Paused, Resumed, SessionInfo, Started,
)
from microsession.core.ids import new_id

EXTEND_S = 5 * 60


class State(str, Enum):
    IDLE = "idle"
    RUNNING = "running"  # a focus session's clock runs
    PAUSED = "paused"
    FINISHED = "finished"  # a focus session ended; waiting for the log and the break
    BREAK = "break"


class Action(str, Enum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"
    EXTEND = "extend"
    START_BREAK = "start_break"
    SKIP_BREAK = "skip_break"
    EXPIRE = "expire"  # the deadline passed


TRANSITIONS: dict[tuple[State, Action], State] = {
    (State.IDLE, Action.START): State.RUNNING,
    (State.FINISHED, Action.START): State.RUNNING,
    (State.BREAK, Action.START): State.RUNNING,
    (State.RUNNING, Action.PAUSE): State.PAUSED,
    (State.PAUSED, Action.RESUME): State.RUNNING,
    (State.RUNNING, Action.STOP): State.IDLE,
    (State.PAUSED, Action.STOP): State.IDLE,
    (State.BREAK, Action.STOP): State.IDLE,
    (State.RUNNING, Action.EXTEND): State.RUNNING,
    (State.PAUSED, Action.EXTEND): State.PAUSED,
    (State.BREAK, Action.EXTEND): State.BREAK,
    (State.RUNNING, Action.EXPIRE): State.FINISHED,
    (State.BREAK, Action.EXPIRE): State.IDLE,
    (State.FINISHED, Action.START_BREAK): State.BREAK,
    (State.FINISHED, Action.SKIP_BREAK): State.IDLE,
    (State.BREAK, Action.SKIP_BREAK): State.IDLE,
}


class IllegalTransition(Exception):
    def __init__(self, state: State, action: Action) -> None:
        super().__init__(f"cannot {action.value.replace('_', ' ')} while {state.value}")
        self.state, self.action = state, action


class Engine:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.state = State.IDLE
        self._info: SessionInfo | None = None  # the running/paused session or break
        self._start_el = 0.0  # elapsed-clock reading at start
        self._deadline_el = 0.0
        self._paused_at_el: float | None = None
        self.last_ended: Ended | None = None  # the focus session the FINISHED state is about
        self.lateness_s = 0.0  # how late (elapsed clock) the last deadline was noticed

    # --- queries -------------------------------------------------------------------
    @property
    def current(self) -> SessionInfo | None:
        return self._info

    def can(self, action: Action) -> bool:
        return (self.state, action) in TRANSITIONS

    def remaining(self) -> float:
        """Seconds left on the current session or break; 0 when none runs."""
        if self._info is None:
            return 0.0
        now = self._paused_at_el if self._paused_at_el is not None else self._clock.elapsed()
        return max(0.0, self._deadline_el - now)

    def fraction_left(self) -> float:
        if self._info is None or self._info.planned_s <= 0:
            return 0.0
        return min(1.0, self.remaining() / self._info.planned_s)

    # --- commands ------------------------------------------------------------------
    def start(self, seconds: float, kind: Kind = Kind.MICRO, task_id: str | None = None,
              tags: Tags = NO_TAGS) -> list[Event]:
        if not kind.is_focus:
            raise ValueError("start() begins focus sessions; breaks follow start_break()")
        return self._begin(Action.START, seconds, kind, task_id, tags)

    def start_break(self, seconds: float, tags: Tags = NO_TAGS) -> list[Event]:
        return self._begin(Action.START_BREAK, seconds, Kind.BREAK, None, tags)

    def pause(self) -> list[Event]:
        self._move(Action.PAUSE)
        self._paused_at_el = self._clock.elapsed()
        self._info = replace(self._info, paused_at_utc=self._clock.now_utc())
        return [Paused(self._info)]

    def resume(self) -> list[Event]:
        self._move(Action.RESUME)
        assert self._paused_at_el is not None
        pause = self._clock.elapsed() - self._paused_at_el
        self._deadline_el += pause
        self._paused_at_el = None
        self._info = replace(self._info, paused_s=self._info.paused_s + pause, paused_at_utc=None)
        return [Resumed(self._info)]

    def extend(self, seconds: float = EXTEND_S) -> list[Event]:
        self._move(Action.EXTEND)
        self._deadline_el += seconds
        self._info = replace(self._info, planned_s=self._info.planned_s + seconds)
        return [Extended(self._info)]

    def count_away(self, seconds: float) -> list[Event]:
        """Time away (screen locked, asleep) counted as a break: like a pause that began
        `seconds` ago — the deadline moves on by it and focus time leaves it out."""
        if self.state not in (State.RUNNING, State.PAUSED) or not (seconds > 0):
            return []
        self._deadline_el += seconds
        self._info = replace(self._info, paused_s=self._info.paused_s + seconds)
        return [Extended(self._info)]

    def stop(self) -> list[Event]:
        self._move(Action.STOP)
        return [self._end(Outcome.STOPPED)]

    def skip_break(self) -> list[Event]:
        was = self.state
        self._move(Action.SKIP_BREAK)
        self.last_ended = None
        return [self._end(Outcome.STOPPED)] if was is State.BREAK else []

    def tick(self) -> list[Event]:
        """Ends the session or break if its deadline has passed."""
        if not self.can(Action.EXPIRE) or self._clock.elapsed() < self._deadline_el:
            return []
        kind = self._info.kind
        self._move(Action.EXPIRE)
        ended = self._end(Outcome.COMPLETED)
        if kind.is_focus:
            self.last_ended = ended
        return [ended]

    def restore(self, info: SessionInfo, remaining_s: float) -> list[Event]:
        """Continue a session found unfinished at start-up (see core.recovery)."""
        if self.state is not State.IDLE:
            raise IllegalTransition(self.state, Action.START)
        now = self._clock.elapsed()
        self._info = info
        self.state = State.BREAK if info.kind is Kind.BREAK else State.RUNNING
        self._deadline_el = now + remaining_s
        since_start = (self._clock.now_utc() - info.started_utc).total_seconds()
        self._start_el = now - max(0.0, since_start)
        if info.paused_at_utc is not None and info.kind.is_focus:
            self.state = State.PAUSED
            self._paused_at_el = now - max(0.0, (self._clock.now_utc() - info.paused_at_utc).total_seconds())
            self._deadline_el = self._paused_at_el + remaining_s
        return []

    # --- internals -----------------------------------------------------------------
    def _move(self, action: Action) -> State:
        target = TRANSITIONS.get((self.state, action))
        if target is None:
            raise IllegalTransition(self.state, action)
        self.state = target
        return target

    def _begin(self, action: Action, seconds: float, kind: Kind, task_id: str | None, tags: Tags) -> list[Event]:
        if not (seconds > 0):
            raise ValueError("a session needs a positive length")
        if not self.can(action):
            raise IllegalTransition(self.state, action)
        events: list[Event] = []
        if self.state is State.BREAK:  # a new sprint ends the break early
            events.append(self._end(Outcome.STOPPED))
        self._move(action)
        self.last_ended = None
        now = self._clock.elapsed()
        self._start_el, self._deadline_el, self._paused_at_el = now, now + seconds, None
        self._info = SessionInfo(new_id(), kind, float(seconds), self._clock.now_utc(), task_id, tags=tags)
        events.append(Started(self._info))
        return events

    def _end(self, outcome: Outcome) -> Ended:
        info = self._info
        assert info is not None
        now_el = self._clock.elapsed()
        if outcome is Outcome.COMPLETED:  # ends at the deadline, however late we noticed
            end_el = row_end_el = self._deadline_el
            self.lateness_s = max(0.0, now_el - self._deadline_el)
        else:  # focus ends where the clock stopped; the row ends now (a pause counts as paused)
            end_el = self._paused_at_el if self._paused_at_el is not None else now_el
            row_end_el = now_el
        # The end on the wall clock follows from the start and the elapsed clock, so a wall
        # clock set back (or forward) during the session cannot end it before it began.
        ended_utc = info.started_utc + timedelta(seconds=max(0.0, row_end_el - self._start_el))
        paused = info.paused_s
        if self._paused_at_el is not None:  # stopped while paused: that pause counts too
            paused += now_el - self._paused_at_el
        focused = max(0.0, end_el - self._start_el - info.paused_s)
        final = replace(info, paused_s=paused, paused_at_utc=None)
        self._info, self._paused_at_el = None, None
        return Ended(final, outcome, ended_utc, focused)


def ended_at_deadline(info: SessionInfo) -> datetime:
    """Wall time at which a never-paused-again session would have ended."""
    return info.started_utc + timedelta(seconds=info.planned_s + info.paused_s)
