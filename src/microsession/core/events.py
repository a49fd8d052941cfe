"""What the engine reports. Small frozen records; the UI renders them, the journal stores them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class Kind(str, Enum):
    MICRO = "micro"
    DEEP = "deep"
    BREAK = "break"

    @property
    def is_focus(self) -> bool:
        return self is not Kind.BREAK


class Outcome(str, Enum):
    COMPLETED = "completed"  # ran to its deadline
    STOPPED = "stopped"  # ended early by the user (a skipped break too)
    RECOVERED = "recovered"  # its deadline passed while the app was not running


@dataclass(frozen=True)
class Tags:
    """What a session belongs to besides its task: a step of a stack run, a batch of tasks."""

    stack_run_id: str | None = None
    stack_position: int | None = None  # 0-based index of the step (breaks count)
    batch_type: str | None = None
    batch_task_ids: tuple[str, ...] = ()


NO_TAGS = Tags()


@dataclass(frozen=True)
class SessionInfo:
    id: str
    kind: Kind
    planned_s: float
    started_utc: datetime
    task_id: str | None = None
    paused_s: float = 0.0
    paused_at_utc: datetime | None = None
    tags: Tags = NO_TAGS


@dataclass(frozen=True)
class Started:
    session: SessionInfo


@dataclass(frozen=True)
class Paused:
    session: SessionInfo


@dataclass(frozen=True)
class Resumed:
    session: SessionInfo


@dataclass(frozen=True)
class Extended:
    session: SessionInfo


@dataclass(frozen=True)
class Ended:
    session: SessionInfo
    outcome: Outcome
    ended_utc: datetime
    focused_s: float  # time the clock ran: paused time excluded


Event = Started | Paused | Resumed | Extended | Ended
