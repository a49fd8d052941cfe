"""Break lengths from the rhythm of the day (F4, F8): short, long after a cluster, deep.

`Rhythm` is fed the engine's `Ended` events in order and suggests the next break's length.
It needs no clock: gaps between sessions come from the events' wall times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from microsession.core.events import Ended, Kind, Outcome

GAP_RESET_S = 30 * 60  # more than this with no session ends a cluster
SHORT_SLACK_S = 60  # a break up to short_minutes + 1 min still counts as short
MIN_COUNTED_S = 5 * 60  # a stopped focus session shorter than this is not part of a cluster

BreakKind = Literal["short", "long", "deep"]


def _check_minutes(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a number")
    if not 1 <= value <= 60:
        raise ValueError(f"{name} must be from 1 to 60")


@dataclass(frozen=True)
class BreakRules:
    """Break lengths in minutes and the cluster size after which a break is long."""

    short_minutes: float = 5
    long_minutes: float = 15
    cluster_size: int = 3
    deep_minutes: float = 15

    def __post_init__(self) -> None:
        for name in ("short_minutes", "long_minutes", "deep_minutes"):
            _check_minutes(name, getattr(self, name))
        if self.long_minutes < self.short_minutes:
            raise ValueError("long_minutes must not be shorter than short_minutes")
        size = self.cluster_size
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 12:
            raise ValueError("cluster_size must be a whole number from 1 to 12")


class Rhythm:
    """Counts the current cluster of focus sessions and suggests the next break."""

    def __init__(self, rules: BreakRules | None = None) -> None:
        self.rules = rules or BreakRules()
        self.cluster = 0  # focus sessions since the cluster began
        self._after_deep = False  # the last counted focus session was deep work
        self._last_end_utc: datetime | None = None

    def observe(self, event: object) -> None:
        """Take one engine event; only `Ended` matters, others are ignored."""
        if not isinstance(event, Ended):
            return
        info = event.session
        if self._last_end_utc is not None:
            gap = (info.started_utc - self._last_end_utc).total_seconds()
            if gap > GAP_RESET_S:
                self.reset()
        self._last_end_utc = event.ended_utc
        if info.kind is Kind.BREAK:
            self._after_deep = False
            if event.focused_s > self.rules.short_minutes * 60 + SHORT_SLACK_S:
                self.cluster = 0  # a long break closes the cluster
            return
        if event.outcome is Outcome.STOPPED and event.focused_s < MIN_COUNTED_S:
            return  # an aborted start: neither work nor a break
        self.cluster += 1
        self._after_deep = info.kind is Kind.DEEP

    def reset(self) -> None:
        """Forget the cluster (a new day, a long absence)."""
        self.cluster = 0
        self._after_deep = False

    def next_break_kind(self) -> BreakKind:
        if self.cluster >= self.rules.cluster_size:
            return "long"
        return "deep" if self._after_deep else "short"

    def next_break_minutes(self) -> float:
        """Length of the break that should follow now; a full cluster after deep work takes the longer."""
        r = self.rules
        kind = self.next_break_kind()
        if kind == "long":
            return max(r.long_minutes, r.deep_minutes) if self._after_deep else r.long_minutes
        return r.deep_minutes if kind == "deep" else r.short_minutes
