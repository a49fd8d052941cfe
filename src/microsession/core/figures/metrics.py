"""Metrics over plain session and task rows (F11). Pure: no I/O. The sweet spot: core.sweet_spot.

Rules, in one place:
- **Local time.** A session's local time is `started_utc + started_offset` (the offset the
  user had when it started), so a time-zone change or a DST change is handled row by row.
  A session that spans midnight counts, whole, for the day it **started**.
- **Weeks** start on Monday (ISO weeks).
- **Focus sessions** are micro and deep sessions; deep work is also counted apart.
  A focus session stopped before `ABORTED_S` is an aborted start: it is not counted at all.
- **Completed** (the daily tally): a counted focus session whose outcome is `completed` or
  `recovered` (its deadline passed while the app was down: it ran its time). A stopped one
  counts for focused time, length, energy and interruptions, not for the tally.
- **Breaks taken**: break rows that ran at least `ABORTED_S` (a break skipped at once is not).
- **Energy** of a session: its latest log's energy (1-5), if any ("rated" sessions).
- **Interrupted**: the latest log says so, or "interrupted" was pressed during it.
- **Length buckets** by planned length: deep work -> "deep"; under 7.5 min -> "5";
  under 12.5 -> "10"; under 17.5 -> "15"; anything longer (micro) -> "20-25".
- **Tasks finished**: tasks marked done (not deleted), on the local day of `finished_utc`
  at the offset the caller gives (tasks do not store one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple
from datetime import date, datetime, timedelta

ABORTED_S = 60
BUCKETS = ("5", "10", "15", "20-25", "deep")
BUCKET_LABELS = {"5": "5 min", "10": "10 min", "15": "15 min", "20-25": "20–25 min", "deep": "deep work"}
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class SessionRow(NamedTuple):
    """One finished session as the store returns it (a tuple: cheap to make by the 100,000)."""

    kind: str  # micro | deep | break
    planned_s: float
    local_s: int  # local wall-clock seconds since 1970-01-01 00:00 (started_utc + started_offset)
    focused_s: float
    outcome: str  # completed | stopped | recovered
    energy: int | None = None  # the latest log's
    interrupted: bool = False
    task_type: str | None = None  # the task's type, or the batch's

    @property
    def day(self) -> date:
        return date.fromordinal(_EPOCH_ORDINAL + self.local_s // 86400)

    @property
    def hour(self) -> int:
        return self.local_s % 86400 // 3600

    @property
    def weekday(self) -> int:  # 0 = Monday
        return (self.local_s // 86400 + 3) % 7  # 1970-01-01 was a Thursday

    @property
    def is_focus(self) -> bool:
        return self.kind != "break" and not (self.outcome == "stopped" and self.focused_s < ABORTED_S)

    @property
    def is_completed(self) -> bool:
        return self.is_focus and self.outcome in ("completed", "recovered")

    @property
    def is_break_taken(self) -> bool:
        return self.kind == "break" and self.focused_s >= ABORTED_S

    @property
    def bucket(self) -> str:
        return bucket_of(self.kind, self.planned_s)


@dataclass(frozen=True, slots=True)
class TaskRow:
    task_type: str
    finished_utc: datetime | None  # aware; None while open
    deleted: bool = False


def local_seconds(moment_utc: datetime, offset_s: int) -> int:
    """Local wall-clock seconds since 1970 for an aware UTC moment and an offset."""
    return int(moment_utc.timestamp()) + offset_s


def local_day(moment_utc: datetime, offset_s: int) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + local_seconds(moment_utc, offset_s) // 86400)


def day_start_s(day: date) -> int:
    """Local seconds at 00:00 of `day` (the same scale as SessionRow.local_s)."""
    return (day.toordinal() - _EPOCH_ORDINAL) * 86400


def week_start(day: date) -> date:
    """The Monday of the ISO week holding `day`."""
    return day - timedelta(days=day.weekday())


def bucket_of(kind: str, planned_s: float) -> str:
    if kind == "deep":
        return "deep"
    minutes = planned_s / 60
    if minutes < 7.5:
        return "5"
    if minutes < 12.5:
        return "10"
    return "15" if minutes < 17.5 else "20-25"


# --- per day -------------------------------------------------------------------------------

@dataclass(frozen=True)
class DayFigures:
    day: date
    completed: int = 0  # the daily tally
    focused_s: float = 0.0
    breaks: int = 0


def per_day(rows: Iterable[SessionRow], first: date, days: int) -> list[DayFigures]:
    """Figures for each of `days` local days from `first` (days without sessions included)."""
    completed, focused, breaks = [0] * days, [0.0] * days, [0] * days
    base = first.toordinal() - _EPOCH_ORDINAL
    for r in rows:
        i = r.local_s // 86400 - base
        if not 0 <= i < days:
            continue
        if r.is_focus:
            focused[i] += r.focused_s
            completed[i] += r.is_completed
        elif r.is_break_taken:
            breaks[i] += 1
    return [DayFigures(first + timedelta(days=i), completed[i], focused[i], breaks[i]) for i in range(days)]


def completed_by_day(rows: Iterable[SessionRow]) -> dict[date, int]:
    """The daily tally of every day that has one."""
    out: dict[date, int] = {}
    for r in rows:
        if r.is_completed:
            out[r.day] = out.get(r.day, 0) + 1
    return out


# --- per period (a week, or any span) --------------------------------------------------------

@dataclass(frozen=True)
class Figures:
    """Totals over a span; deep work and micro-sessions apart and together."""

    sessions: int = 0  # completed focus sessions (micro + deep)
    micro: int = 0
    deep: int = 0
    focused_s: float = 0.0  # every counted focus session, stopped ones too
    micro_focused_s: float = 0.0
    deep_focused_s: float = 0.0
    counted: int = 0  # counted focus sessions (completed or stopped)
    interrupted: int = 0
    rated: int = 0
    energy_sum: int = 0
    breaks: int = 0
    tasks_finished: int = 0

    @property
    def average_length_s(self) -> float | None:
        return self.focused_s / self.counted if self.counted else None

    @property
    def average_energy(self) -> float | None:
        return self.energy_sum / self.rated if self.rated else None

    @property
    def interruption_rate(self) -> float | None:
        return self.interrupted / self.counted if self.counted else None


def figures(rows: Iterable[SessionRow], tasks_finished: int = 0) -> Figures:
    f = dict(sessions=0, micro=0, deep=0, focused_s=0.0, micro_focused_s=0.0, deep_focused_s=0.0,
             counted=0, interrupted=0, rated=0, energy_sum=0, breaks=0)
    for r in rows:
        if r.is_break_taken:
            f["breaks"] += 1
        if not r.is_focus:
            continue
        deep = r.kind == "deep"
        f["counted"] += 1
        f["focused_s"] += r.focused_s
        f["deep_focused_s" if deep else "micro_focused_s"] += r.focused_s
        if r.is_completed:
            f["sessions"] += 1
            f["deep" if deep else "micro"] += 1
        f["interrupted"] += r.interrupted
        if r.energy is not None:
            f["rated"] += 1
            f["energy_sum"] += r.energy
    return Figures(**f, tasks_finished=tasks_finished)


def tasks_finished_between(tasks: Iterable[TaskRow], first: date, end: date, offset_s: int) -> int:
    """Tasks finished (and not deleted) on local days first <= day < end."""
    lo, hi = day_start_s(first), day_start_s(end)  # local_day(t) in [first, end) <=> seconds in [lo, hi)
    return sum(1 for t in tasks if t.finished_utc is not None and not t.deleted
               and lo <= local_seconds(t.finished_utc, offset_s) < hi)


# --- energy --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mean:
    total: float = 0.0
    n: int = 0

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    def add(self, value: float) -> Mean:
        return Mean(self.total + value, self.n + 1)


def _rated(rows: Iterable[SessionRow]) -> Iterable[SessionRow]:
    return (r for r in rows if r.is_focus and r.energy is not None)


def _means(pairs: Iterable[tuple[object, int]], keys: Iterable = ()) -> dict:
    """{key: Mean} of (key, energy) pairs, summed in order (as Mean.add would); `keys` first,
    present even when empty. Plain lists while summing: a review sums ~20,000 of them."""
    acc: dict = {k: [0.0, 0] for k in keys}
    for key, energy in pairs:
        a = acc.get(key)
        if a is None:
            a = acc[key] = [0.0, 0]
        a[0] += energy
        a[1] += 1
    return {k: Mean(t, n) for k, (t, n) in acc.items()}


def energy_by_bucket(rows: Iterable[SessionRow]) -> dict[str, Mean]:
    """Energy after sessions by length bucket; every bucket present, empty ones with n = 0."""
    return _means(((r.bucket, r.energy) for r in _rated(rows)), BUCKETS)


def energy_by_hour(rows: Iterable[SessionRow]) -> dict[int, Mean]:
    """Energy after sessions by the local hour they started in (only hours with data)."""
    return _means((r.local_s % 86400 // 3600, r.energy) for r in _rated(rows))


def energy_by_weekday_hour(rows: Iterable[SessionRow]) -> dict[tuple[int, int], Mean]:
    """(weekday 0 = Monday, hour) -> energy, for the heat map."""
    return _means(((r.weekday, r.hour), r.energy) for r in _rated(rows))


PEAK_MIN_RATED = 3  # an hour needs this many rated sessions to be a peak
PEAK_TOP = 3


def peak_hours(by_hour: dict[int, Mean], min_rated: int = PEAK_MIN_RATED, top: int = PEAK_TOP) -> list[int]:
    """Up to `top` hours with the highest mean energy among hours with `min_rated` ratings,
    and only those at or above the mean of all those hours; sorted by hour."""
    able = {h: m.mean for h, m in by_hour.items() if m.n >= min_rated}
    if len(able) < 2:
        return []
    overall = sum(able.values()) / len(able)
    best = sorted(able, key=lambda h: (-able[h], h))[:top]
    return sorted(h for h in best if able[h] >= overall)


def hour_ranges_text(hours: Sequence[int]) -> str:
    """[9, 10, 15] -> '9–11, 15–16' (end excluded, like the peak_hours setting)."""
    spans: list[list[int]] = []
    for h in sorted(hours):
        if spans and spans[-1][1] == h:
            spans[-1][1] = h + 1
        else:
            spans.append([h, h + 1])
    return ", ".join(f"{a}–{b}" for a, b in spans)


# --- task types ----------------------------------------------------------------------------

@dataclass(frozen=True)
class TypeFigures:
    sessions: int = 0  # counted focus sessions of the type
    finished: int = 0  # tasks of the type finished

    @property
    def rate(self) -> float | None:
        """Tasks finished per session of the type (the completion rate by task type)."""
        return self.finished / self.sessions if self.sessions else None


NEVER_FINISHED_MIN_SESSIONS = 3


def by_task_type(rows: Iterable[SessionRow], tasks: Iterable[TaskRow], first: date, end: date,
                 offset_s: int) -> dict[str, TypeFigures]:
    """Per task type over local days first <= day < end: sessions and tasks finished."""
    sessions: dict[str, int] = {}
    finished: dict[str, int] = {}
    lo, hi = day_start_s(first), day_start_s(end)
    for r in rows:
        if r.task_type and r.is_focus and lo <= r.local_s < hi:
            sessions[r.task_type] = sessions.get(r.task_type, 0) + 1
    for t in tasks:
        if t.finished_utc is not None and not t.deleted and first <= local_day(t.finished_utc, offset_s) < end:
            finished[t.task_type] = finished.get(t.task_type, 0) + 1
    return {k: TypeFigures(sessions.get(k, 0), finished.get(k, 0))
            for k in sorted(set(sessions) | set(finished))}


def never_finished(types: dict[str, TypeFigures], min_sessions: int = NEVER_FINISHED_MIN_SESSIONS) -> list[str]:
    """Types worked on in at least `min_sessions` sessions without one task finished."""
    return [k for k, f in types.items() if f.sessions >= min_sessions and f.finished == 0]


def duration_text(seconds: float) -> str:
    """'5 h 10 min', '40 min', '0 min' (rounded to the minute)."""
    minutes = int(round(seconds / 60))
    h, m = divmod(minutes, 60)
    if h:
        return f"{h} h {m} min" if m else f"{h} h"
    return f"{m} min"


def sentence(f: Figures) -> str:
    """The cumulative effect: '22 sessions, 5 h 10 min of focus'."""
    return f"{f.sessions} session{'' if f.sessions == 1 else 's'}, {duration_text(f.focused_s)} of focus"
