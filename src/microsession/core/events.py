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
class SessionInfo:
    id: str
    kind: Kind
    planned_s: float
    started_utc: datetime
    task_id: str | None = None
    paused_s: float = 0.0
    paused_at_utc: datetime | None = None


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
