"""The weekly review (F12) as plain data: one ISO week against the four before. Pure.

Energy needs more data than one week gives, so energy by length and by hour, peak hours and
the sweet spot look at the ENERGY_WEEKS weeks ending with the reviewed one. Task types
that never get finished look at the reviewed week and the four before.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import NamedTuple

from microsession.core.figures import metrics as m
from microsession.core.figures.metrics import DayFigures, Figures, Mean, SessionRow, TaskRow, TypeFigures
from microsession.core.figures.sweet_spot import SweetSpot, sweet_spot_of

BEFORE_WEEKS = 4
ENERGY_WEEKS = 12
INTERRUPTED_SHARE = 0.3  # interrupted share of a week's sessions that suggests shorter ones
INTERRUPTED_MIN_SESSIONS = 5
_WEEK_S = 7 * 86400


class Review(NamedTuple):
    """Frozen, compared field by field. (A NamedTuple: its class is made when the review
    window first opens, in 0.2 ms; a frozen dataclass's took 0.85 ms.)"""

    week_start: date  # a Monday
    days: list[DayFigures]  # the 7 days of the week
    before_per_day: list[float]  # completed sessions per weekday, averaged over the weeks before
    week: Figures
    before: list[Figures]  # the weeks before, newest first (up to BEFORE_WEEKS; fewer before the first data)
    energy_by_bucket: dict[str, Mean]
    energy_by_hour: dict[int, Mean]
    energy_heat: dict[tuple[int, int], Mean]  # (weekday, hour)
    sweet: SweetSpot
    peaks: list[int]
    types: dict[str, TypeFigures]  # the reviewed week and the four before
    never_finished: list[str]
    suggestions: list[str]

    @property
    def week_end(self) -> date:  # exclusive
        return self.week_start + timedelta(days=7)

    @property
    def sentence(self) -> str:
        return m.sentence(self.week)

    def before_mean(self, name: str) -> float | None:
        """The mean over the weeks before of a Figures field or property (None without weeks)."""
        values = [getattr(f, name) for f in self.before]
        values = [v for v in values if v is not None]
        return sum(values) / len(values) if values else None

    @property
    def comparison(self) -> str:
        """'3 more sessions than the average of the 4 weeks before' (or fewer, or about the same)."""
        avg = self.before_mean("sessions")
        if avg is None:
            return "The first week with data"
        diff = self.week.sessions - avg
        weeks = f"the {len(self.before)} week{'s' if len(self.before) != 1 else ''} before"
        if abs(diff) < 0.5:
            return f"About as many sessions as the average of {weeks}"
        n = round(abs(diff))
        return f"{n} {'more' if diff > 0 else 'fewer'} session{'s' if n != 1 else ''} than the average of {weeks}"

    @property
    def peak_text(self) -> str:
        return m.hour_ranges_text(self.peaks)


def energy_since(week_start: date) -> date:
    """First day of the data the review needs (energy window)."""
    return week_start - timedelta(weeks=ENERGY_WEEKS - 1)


def detail_since(week_start: date) -> date:
    """First day of the weeks the review compares (the weeks before and the reviewed one):
    only from here on does it count breaks, interruptions and task types."""
    return week_start - timedelta(weeks=BEFORE_WEEKS)


def build_review(week_start: date, rows: Sequence[SessionRow], tasks: Sequence[TaskRow], offset_s: int,
                 first_day: date | None, type_labels: dict[str, str] | None = None) -> Review:
    """The review of the week starting `week_start` (a Monday).

    `rows`: sessions of at least the ENERGY_WEEKS weeks ending with that week (others are
    ignored; breaks, interruptions and task types only from detail_since on, and only breaks
    taken and focus sessions that count, so the rest may be left out); `tasks`: tasks finished
    in at least the weeks before and that one;
    `offset_s`: the offset for tasks' finished times; `first_day`: the local day of the
    user's first session ever (limits how many weeks before are averaged).
    """
    if week_start.weekday() != 0:
        raise ValueError("a review week starts on a Monday")
    labels = type_labels or {}
    end = week_start + timedelta(days=7)
    lo_energy, hi = m.day_start_s(energy_since(week_start)), m.day_start_s(end)
    lo_detail = m.day_start_s(detail_since(week_start))
    # One pass: the energy window's rows, and those of the reviewed week (0) and each week
    # before (k) apart (local seconds: every day has 86,400 of them, DST or not).
    energy_rows: list[SessionRow] = []
    weeks: list[list[SessionRow]] = [[] for _ in range(BEFORE_WEEKS + 1)]
    for r in rows:
        if lo_energy <= r.local_s < hi:
            energy_rows.append(r)
            if r.local_s >= lo_detail:
                weeks[(hi - 1 - r.local_s) // _WEEK_S].append(r)
    # the tasks of those weeks (each count below looks at its own days of them)
    tasks = [t for t in tasks if t.finished_utc is not None and not t.deleted
             and lo_detail <= m.local_seconds(t.finished_utc, offset_s) < hi]

    this = weeks[0]
    week = m.figures(this, m.tasks_finished_between(tasks, week_start, end, offset_s))
    before: list[Figures] = []
    per_day_sum = [0.0] * 7
    for k in range(1, BEFORE_WEEKS + 1):
        start = week_start - timedelta(weeks=k)
        if first_day is None or start + timedelta(days=7) <= first_day:
            break  # no data yet that week: it would only dilute the average
        rows_k = weeks[k]
        before.append(m.figures(rows_k, m.tasks_finished_between(tasks, start, start + timedelta(days=7), offset_s)))
        for d in m.per_day(rows_k, start, 7):
            per_day_sum[d.day.weekday()] += d.completed
    before_per_day = [s / len(before) if before else 0.0 for s in per_day_sum]

    rated = [r for r in energy_rows if r.energy is not None and r.is_focus]  # all the energy figures read
    by_hour = m.energy_by_hour(rated)
    types = m.by_task_type([r for w in weeks for r in w], tasks, week_start - timedelta(weeks=BEFORE_WEEKS), end, offset_s)
    never = m.never_finished(types)
    by_bucket = m.energy_by_bucket(rated)
    sweet = sweet_spot_of(len({r.local_s // 86400 for r in energy_rows if r.is_focus}), by_bucket)
    review = Review(
        week_start=week_start, days=m.per_day(this, week_start, 7), before_per_day=before_per_day,
        week=week, before=before, energy_by_bucket=by_bucket, energy_by_hour=by_hour,
        energy_heat=m.energy_by_weekday_hour(rated), sweet=sweet, peaks=m.peak_hours(by_hour),
        types=types, never_finished=never, suggestions=[])
    review.suggestions.extend(suggestions(review, this, labels))
    return review


def suggestions(review: Review, this_week: Sequence[SessionRow], labels: dict[str, str]) -> list[str]:
    """Plain suggestions from the review's figures; each rule stated in its line."""
    out: list[str] = []
    w = review.week
    if w.counted >= INTERRUPTED_MIN_SESSIONS and (w.interruption_rate or 0) >= INTERRUPTED_SHARE:
        lengths = sorted(r.planned_s for r in this_week if r.is_focus and r.kind != "deep")
        usual = round(lengths[len(lengths) // 2] / 60) if lengths else 15  # the median micro length
        head = f"{w.interrupted} of {w.counted} sessions were interrupted"
        if usual > 5:
            shorter = 5 if usual <= 10 else 10 if usual <= 15 else 15
            out.append(f"{head}: try shorter ones ({shorter} min instead of {usual}).")
        else:
            out.append(f"{head}, even the short ones: a quieter place or time may help more than length.")
    for slug in review.never_finished:
        name = labels.get(slug) or slug.replace("-", " ")
        out.append(f"No {name} task got finished in {review.types[slug].sessions} sessions over five weeks: "
                   "maybe it is not a micro-session task — split it smaller, or give it a deep-work block.")
    if w.sessions >= 4 and w.breaks * 2 < w.sessions:
        out.append(f"{w.breaks} break{'s' if w.breaks != 1 else ''} for {w.sessions} sessions: "
                   "a break is a reset, not lost time.")
    sweet = review.sweet
    if sweet.bucket is not None and sweet.confidence != "low":
        used = max(sweet.samples, key=lambda b: sweet.samples[b])
        if used != sweet.bucket:
            out.append(f"Your energy stays highest after {m.BUCKET_LABELS[sweet.bucket]} sessions; "
                       f"you mostly chose {m.BUCKET_LABELS[used]}.")
    return out
