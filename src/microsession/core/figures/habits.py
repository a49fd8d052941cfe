"""The habit loop (F13): daily goal, the offer to grow it, streaks, the review reminder. Pure.

Days are local days; the daily tally is `metrics.completed_by_day` (completed focus
sessions). Streaks are measured against the goal as it is now (goal history is not kept).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

OFFER_AFTER_DAYS = 7  # days in a row meeting the goal before one more is offered
MAX_GOAL = 50  # as the daily_goal setting allows


def today_text(count: int, goal: int) -> str:
    """The tray menu's line: 'Today: 4 / 5'."""
    return f"Today: {count} / {goal}"


def acknowledgement(count: int, goal: int) -> str:
    """A calm line for the tooltip after a completed session (never a pop-up of its own)."""
    if count == goal:
        return f"Session {count} done — today's goal of {goal} is met"
    if count > goal:
        return f"Session {count} done — {count - goal} beyond today's goal"
    return f"Session {count} of {goal} done today"


def met_run(daily: Mapping[date, int], goal: int, today: date) -> int:
    """Days in a row meeting the goal, ending today if today is met, else ending yesterday."""
    day = today if daily.get(today, 0) >= goal else today - timedelta(days=1)
    run = 0
    while daily.get(day, 0) >= goal:
        run += 1
        day -= timedelta(days=1)
    return run


def goal_offer(daily: Mapping[date, int], goal: int, today: date,
               declined_on: date | None = None) -> int | None:
    """The goal to offer (goal + 1) after OFFER_AFTER_DAYS days in a row meeting it, else None.

    Never applied by itself: the caller asks the user. After a "not now" on `declined_on`, the
    offer comes back only after another OFFER_AFTER_DAYS met days after that day.
    """
    if goal >= MAX_GOAL:
        return None
    run = met_run(daily, goal, today)
    if declined_on is not None:
        last = today if daily.get(today, 0) >= goal else today - timedelta(days=1)
        run = min(run, (last - declined_on).days)
    return goal + 1 if run >= OFFER_AFTER_DAYS else None


@dataclass(frozen=True)
class Streak:
    days: int  # days meeting the goal in the streak (grace days not counted)
    since: date | None  # its first met day
    graces: tuple[date, ...] = ()  # missed days forgiven, newest first

    @property
    def text(self) -> str:
        if not self.days:
            return "No streak yet"
        return f"{self.days}-day streak" + (f" ({len(self.graces)} grace day{'s' if len(self.graces) != 1 else ''})"
                                             if self.graces else "")


def streak(daily: Mapping[date, int], goal: int, today: date) -> Streak:
    """Days meeting the goal in a row, with one missed day forgiven per ISO week (Mon-Sun).

    Today not met yet does not break it (the day is not over): counting starts at yesterday
    then. A second missed day in the same ISO week ends the streak; so does a missed day
    with nothing met before it (a grace day only bridges two met days).
    """
    day = today if daily.get(today, 0) >= goal else today - timedelta(days=1)
    days, since = 0, None
    graces: list[date] = []
    pending: date | None = None  # a missed day forgiven only if a met day comes before it
    oldest = min(daily) if daily else today
    while day >= oldest:
        if daily.get(day, 0) >= goal:
            days += 1
            since = day
            if pending is not None:
                graces.append(pending)
                pending = None
        else:
            week = day.isocalendar()[:2]
            if pending is not None or any(g.isocalendar()[:2] == week for g in graces):
                break
            pending = day
        day -= timedelta(days=1)
    return Streak(days, since, tuple(graces))


def next_review_time(now_local: datetime, weekday: int, hour: int) -> datetime:
    """The next weekly-review reminder strictly after `now_local`: `weekday` (0 = Monday) at
    `hour`:00. Naive local wall time in and out; `result.astimezone()` makes it aware in the
    system's zone (so a DST change between now and then is handled by the caller's zone)."""
    if not (0 <= weekday <= 6 and 0 <= hour <= 23):
        raise ValueError("weekday must be 0-6 and hour 0-23")
    base = now_local.replace(hour=hour, minute=0, second=0, microsecond=0, tzinfo=None)
    candidate = base + timedelta(days=(weekday - now_local.weekday()) % 7)
    if candidate <= now_local.replace(tzinfo=None):
        candidate += timedelta(days=7)
    return candidate
