"""Stacks: named chains of focus steps and breaks that run through by themselves (F7).

A `Stack` is immutable and validated; edits return a new stack. A `StackRun` walks one
run of a stack without a clock: the caller starts engine sessions for its steps
(`start_step`) and feeds it the engine's events (`observe`), which answer what to start next.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from microsession.core.events import Ended, Event, Outcome, Started
from microsession.core.events import Kind as SessionKind
from microsession.core.format import kind_for_minutes
from microsession.core.session import Engine

StepKind = Literal["focus", "break"]
MINUTES_RANGE: dict[str, tuple[float, float]] = {"focus": (1, 240), "break": (1, 60)}
MAX_LABEL = 80
MAX_TASK_TYPE = 60
MAX_ID = 100
MAX_NAME = 60
MAX_STEPS = 30


def _check_text(value: Any, what: str, limit: int, *, empty_ok: bool) -> None:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text")
    if "\n" in value or "\r" in value:
        raise ValueError(f"{what} must be one line")
    if not empty_ok and not value.strip():
        raise ValueError(f"{what} must not be empty")
    if len(value) > limit:
        raise ValueError(f"{what} must be at most {limit} characters")


@dataclass(frozen=True)
class Step:
    """One focus block or break of a stack; `minutes` is stored as a float."""

    kind: StepKind
    minutes: float
    label: str = ""
    task_type: str | None = None
    task_id: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in MINUTES_RANGE:
            raise ValueError(f"kind must be 'focus' or 'break', not {self.kind!r}")
        m = self.minutes
        if isinstance(m, bool) or not isinstance(m, (int, float)) or not math.isfinite(m):
            raise ValueError("minutes must be a number")
        lo, hi = MINUTES_RANGE[self.kind]
        if not lo <= m <= hi:
            raise ValueError(f"minutes must be from {lo:g} to {hi:g} for a {self.kind} step")
        object.__setattr__(self, "minutes", float(m))
        _check_text(self.label, "label", MAX_LABEL, empty_ok=True)
        if self.task_type is not None:
            _check_text(self.task_type, "task type", MAX_TASK_TYPE, empty_ok=False)
        if self.task_id is not None:
            _check_text(self.task_id, "task id", MAX_ID, empty_ok=False)
        if self.kind == "break" and (self.task_type is not None or self.task_id is not None):
            raise ValueError("a break step has no task or task type")

    @property
    def seconds(self) -> float:
        return self.minutes * 60

    @property
    def session_kind(self) -> SessionKind:
        """The engine's kind for this step: break, deep work (90 min and more) or micro."""
        return SessionKind.BREAK if self.kind == "break" else kind_for_minutes(self.minutes)


@dataclass(frozen=True)
class Stack:
    """A named, validated chain of steps; edits return a new Stack."""

    name: str
    steps: tuple[Step, ...]

    def __post_init__(self) -> None:
        _check_text(self.name, "name", MAX_NAME, empty_ok=False)
        if not isinstance(self.steps, (tuple, list)):
            raise ValueError("steps must be a sequence of steps")
        steps = tuple(self.steps)
        object.__setattr__(self, "steps", steps)
        if not all(isinstance(s, Step) for s in steps):
            raise ValueError("steps must be Step objects")
        if not 1 <= len(steps) <= MAX_STEPS:
            raise ValueError(f"a stack has 1 to {MAX_STEPS} steps, not {len(steps)}")
        if not any(s.kind == "focus" for s in steps):
            raise ValueError("a stack needs at least one focus step")
        if steps[0].kind == "break":
            raise ValueError("a stack cannot start with a break")
        for i in range(1, len(steps)):
            if steps[i].kind == steps[i - 1].kind == "break":
                raise ValueError(f"steps {i} and {i + 1} are both breaks")

    @property
    def total_minutes(self) -> float:
        return sum(s.minutes for s in self.steps)

    @property
    def focus_minutes(self) -> float:
        return sum(s.minutes for s in self.steps if s.kind == "focus")

    def _index(self, i: int, upper: int) -> int:
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < upper:
            raise ValueError(f"no step position {i!r} (0 to {upper - 1})")
        return i

    def with_step_added(self, step: Step, index: int | None = None) -> Stack:
        """A copy with `step` inserted before `index` (appended when None)."""
        steps = list(self.steps)
        steps.insert(len(steps) if index is None else self._index(index, len(steps) + 1), step)
        return Stack(self.name, tuple(steps))

    def with_step_removed(self, i: int) -> Stack:
        steps = list(self.steps)
        del steps[self._index(i, len(steps))]
        return Stack(self.name, tuple(steps))

    def with_step_moved(self, i: int, j: int) -> Stack:
        """A copy where the step at `i` ends up at position `j`."""
        steps = list(self.steps)
        step = steps.pop(self._index(i, len(steps)))
        steps.insert(self._index(j, len(steps) + 1), step)
        return Stack(self.name, tuple(steps))

    def renamed(self, name: str) -> Stack:
        return Stack(name, self.steps)


def _focus(minutes: float, label: str, task_type: str | None = None) -> Step:
    return Step("focus", minutes, label, task_type)


_B3, _B4, _B5 = (Step("break", m, "Break") for m in (3, 4, 5))
_MAIL = _focus(10, "Communication", "communication")
TEMPLATES: tuple[Stack, ...] = (
    Stack("Research → Write → Edit", (_focus(10, "Research", "research"), _B5,
                                      _focus(15, "Writing"), _B5, _focus(10, "Editing", "reviewing-editing"))),
    Stack("Inbox zero", (_MAIL, _B3, _MAIL, _B3, _MAIL)),
    Stack("Deep morning", (_focus(90, "Deep work"), Step("break", 15, "Break"))),
    Stack("Three-session cluster", (_focus(20, "Session 1"), _B4, _focus(20, "Session 2"), _B4,
                                    _focus(20, "Session 3"))),
)
del _B3, _B4, _B5, _MAIL


# --- JSON -------------------------------------------------------------------------------

def to_json(stack: Stack) -> dict[str, Any]:
    """A JSON-ready dict; `from_json` reads it back."""
    return {
        "name": stack.name,
        "steps": [
            {"kind": s.kind, "minutes": int(s.minutes) if s.minutes.is_integer() else s.minutes, "label": s.label,
             "task_type": s.task_type, "task_id": s.task_id}
            for s in stack.steps
        ],
    }


def from_json(data: Any) -> Stack:
    """A Stack from `to_json` output; unknown keys are ignored, bad input is a ValueError."""
    if not isinstance(data, dict):
        raise ValueError("stack: expected an object")
    for key in ("name", "steps"):
        if key not in data:
            raise ValueError(f"stack: missing '{key}'")
    if not isinstance(data["steps"], list):
        raise ValueError("stack: 'steps' must be a list")
    steps = []
    for n, raw in enumerate(data["steps"], start=1):
        if not isinstance(raw, dict):
            raise ValueError(f"step {n}: expected an object")
        if "kind" not in raw or "minutes" not in raw:
            raise ValueError(f"step {n}: needs 'kind' and 'minutes'")
        try:
            steps.append(Step(raw["kind"], raw["minutes"], raw.get("label", ""),
                              raw.get("task_type"), raw.get("task_id")))
        except ValueError as exc:
            raise ValueError(f"step {n}: {exc}") from None
    try:
        return Stack(data["name"], tuple(steps))
    except ValueError as exc:
        raise ValueError(f"stack: {exc}") from None


# --- running a stack --------------------------------------------------------------------

class NextAction(NamedTuple):
    """What the caller should start now: ("focus", step), ("break", step) or ("done", None)."""

    what: Literal["focus", "break", "done"]
    step: Step | None


DONE = NextAction("done", None)


class StackRun:
    """One run of a stack: which step is current, and what comes after each one ends.

    Pure bookkeeping, no clock. `position` always names a real step (the last one reached).
    """

    def __init__(self, stack: Stack, run_id: str) -> None:
        _check_text(run_id, "run id", MAX_ID, empty_ok=False)
        self.stack = stack
        self.run_id = run_id
        self._position = 0
        self.finished = self.stopped = False
        self._bound: dict[int, str] = {}  # position -> id of the session started for it
        self._records: dict[str, int] = {}  # session id -> position

    @classmethod
    def resumed(cls, stack: Stack, run_id: str, position: int, session_id: str) -> StackRun:
        """A run taken up again after a restart, at the step whose session is still open."""
        run = cls(stack, run_id)
        run.as_record(position)  # ValueError if the stack has no such step
        run._position = position
        run._bound[position] = session_id
        run._records[session_id] = position
        return run

    @property
    def position(self) -> int:
        return self._position

    @property
    def step_text(self) -> str:
        return f"step {self._position + 1} of {len(self.stack.steps)}"

    def current(self) -> Step | None:
        return None if self.finished else self.stack.steps[self._position]

    def next_action(self) -> NextAction:
        step = self.current()
        return DONE if step is None else NextAction(step.kind, step)

    def advance(self) -> Step | None:
        """Move on after the current step ended; None (and finished) after the last one."""
        if self.finished:
            return None
        if self._position + 1 >= len(self.stack.steps):
            self.finished = True
            return None
        self._position += 1
        return self.current()

    def stop(self) -> None:
        """End the run here: no further step starts."""
        if not self.finished:
            self.finished = self.stopped = True

    def observe(self, event: Event) -> NextAction | None:
        """Feed every engine event; after the end of a step, returns what to start next.

        A Started for the current step ties that session to the step (see `record_of`).
        A completed step, or a skipped (stopped) break, moves on; a stopped focus step
        stops the run. None: nothing to do (not an end, or not about the current step).
        """
        step, info = self.current(), event.session
        if step is None or info.kind.is_focus != (step.kind == "focus"):
            return None
        bound = self._bound.get(self._position)
        if isinstance(event, Started):
            if bound is None:
                self._bound[self._position] = info.id
                self._records[info.id] = self._position
            return None
        if not isinstance(event, Ended) or (bound is not None and bound != info.id):
            return None
        if step.kind == "focus" and event.outcome is Outcome.STOPPED:
            self.stop()
            return DONE
        self.advance()
        return self.next_action()

    def record_of(self, session_id: str) -> tuple[str, int] | None:
        """(run id, position) of a session started for a step of this run; None for others."""
        pos = self._records.get(session_id)
        return None if pos is None else (self.run_id, pos)

    def as_record(self, position: int | None = None) -> tuple[str, int]:
        """(run id, position) to store with a step's session; the current position by default."""
        pos = self._position if position is None else position
        if isinstance(pos, bool) or not isinstance(pos, int) or not 0 <= pos < len(self.stack.steps):
            raise ValueError(f"no step position {pos!r} in this stack")
        return self.run_id, pos


def start_step(engine: Engine, action: NextAction | None) -> list[Event]:
    """Start on `engine` what `action` asks for; nothing for "done" or None."""
    if action is None or action.step is None:
        return []
    step = action.step
    if action.what == "break":
        return engine.start_break(step.seconds)
    return engine.start(step.seconds, step.session_kind, step.task_id)
