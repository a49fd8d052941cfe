"""Rule -> APScheduler trigger, and the next fire times of rules (the editor's preview and
`microsession triggers next`). No Qt here: the CLI uses this module too.

- a time of day on weekdays: CronTrigger(day_of_week, hour, minute)
- every N minutes in a window: an OrTrigger of CronTriggers, one per minute-of-hour the
  window's times use (exact across DST, unlike an IntervalTrigger counting from a start)
- N minutes after calendar events end: CalendarTrigger, a BaseTrigger over the .ics file
- back at the desk: no time trigger (the service polls an idle source instead)
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path

from microsession.core.triggers import AfterEvents, AtTime, BackAtDesk, DAY_NAMES, Every, Rule
from microsession.schedule.aps import BaseTrigger, CronTrigger, OrTrigger
from microsession.schedule.calendar import CalendarError, CalendarSource, fire_times
from microsession.schedule.calendar_sources import data_folder, source_for

GRACE_S = 30 * 60  # a fire time missed (asleep, app closed) is caught up once, within this


def _dow(days: frozenset[int]) -> str:
    return ",".join(DAY_NAMES[d] for d in sorted(days))


class CalendarTrigger(BaseTrigger):
    """Fires `after` minutes after each event of a calendar ends, inside working hours.

    With `fires` (the app: computed off the UI thread by the service), the next fire time is
    looked up in that sorted list and nothing is read or expanded. Without (the command line,
    tests), the calendar is read here. A calendar that cannot be used gives no fire time; its
    reason is in `.error`.
    """

    def __init__(self, cond: AfterEvents, tz: tzinfo, source: CalendarSource | None = None,
                 fires: list[datetime] | None = None, folder: Path | None = None) -> None:
        self.cond, self.timezone = cond, tz
        self.fires = fires
        self.source = source or (None if fires is not None else source_for(cond, folder or data_folder(None)))

    @property
    def error(self) -> str | None:
        return self.source.error if self.source is not None else None

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        # strictly after the previous fire time (the scheduler's catch-up walks from there)
        start = now if previous_fire_time is None else previous_fire_time + timedelta(microseconds=1)
        if self.fires is not None:
            i = bisect_left(self.fires, start)
            return self.fires[i] if i < len(self.fires) else None
        try:
            found = fire_times(self.source, self.cond, start, self.timezone, 1)
        except CalendarError:
            return None
        return found[0] if found else None

    def __str__(self) -> str:
        return f"calendar[{self.cond.path}, +{self.cond.after} min]"


class OnceByWallClock(BaseTrigger):
    """A trigger that never fires twice at the same local wall-clock reading: when DST ends,
    CronTrigger fires a 02:30 rule at 02:30 summer time and again at 02:30 winter time."""

    def __init__(self, inner: BaseTrigger, tz: tzinfo) -> None:
        self.inner, self.timezone = inner, tz

    def _wall(self, moment: datetime) -> datetime:
        return moment.astimezone(self.timezone).replace(tzinfo=None, fold=0)

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        nxt = self.inner.get_next_fire_time(previous_fire_time, now)
        if previous_fire_time is None:
            return nxt
        seen, step = self._wall(previous_fire_time), previous_fire_time.astimezone(timezone.utc)
        for _ in range(62):  # the repeated hour, a minute at a time (CronTrigger's own steps
            if nxt is None or self._wall(nxt) != seen:  # land on the same wall time again)
                return nxt
            step += timedelta(minutes=1)
            nxt = self.inner.get_next_fire_time(None, step)
        return nxt

    def __str__(self) -> str:
        return str(self.inner)


def trigger_for(rule: Rule, tz: tzinfo, source: CalendarSource | None = None,
                folder: Path | None = None) -> BaseTrigger | None:
    """The APScheduler trigger of a rule; None for back-at-the-desk and incomplete rules."""
    c = rule.condition
    if isinstance(c, AtTime):
        return OnceByWallClock(CronTrigger(day_of_week=_dow(c.days), hour=c.at[0], minute=c.at[1], timezone=tz), tz)
    if isinstance(c, Every):
        by_minute: dict[int, list[int]] = {}
        for hour, minute in c.times_of_day():
            by_minute.setdefault(minute, []).append(hour)
        crons = [CronTrigger(day_of_week=_dow(c.days), hour=",".join(map(str, hours)), minute=minute, timezone=tz)
                 for minute, hours in sorted(by_minute.items())]
        return OnceByWallClock(crons[0] if len(crons) == 1 else OrTrigger(crons), tz)
    if isinstance(c, AfterEvents):
        return CalendarTrigger(c, tz, source, folder=folder) if c.path else None
    assert isinstance(c, BackAtDesk)
    return None


def next_times(trigger: BaseTrigger, now: datetime, count: int) -> list[datetime]:
    """The next `count` fire times from `now` (inclusive), via the trigger's own arithmetic."""
    out: list[datetime] = []
    previous = None
    while len(out) < count:
        nxt = trigger.get_next_fire_time(previous, previous or now)
        if nxt is None:
            break
        out.append(nxt)
        previous = nxt
    return out


def missed_time(trigger: BaseTrigger, last_fired: datetime | None, now: datetime,
                grace_s: float = GRACE_S) -> datetime | None:
    """The one fire time to catch up at start (the latest missed since the last firing, within
    the grace window), or None. Never more than one: a closed day is not a burst."""
    if last_fired is None:
        return None
    earliest = max(last_fired, now - timedelta(seconds=grace_s))
    latest = None
    nxt = trigger.get_next_fire_time(earliest, earliest)
    while nxt is not None and nxt <= now:
        if nxt > last_fired:
            latest = nxt
        nxt = trigger.get_next_fire_time(nxt, now)
    return latest


def preview(rule: Rule, tz: tzinfo, now: datetime, count: int = 5, source: CalendarSource | None = None,
            folder: Path | None = None) -> tuple[list[datetime], str | None]:
    """(next fire times, problem): the problem says why there are none (one line)."""
    if isinstance(rule.condition, BackAtDesk):
        return [], "fires when you come back, not at set times"
    incomplete = rule.incomplete()
    if incomplete:
        return [], incomplete
    trigger = trigger_for(rule, tz, source, folder)
    assert trigger is not None
    if isinstance(trigger, CalendarTrigger):
        try:
            found = fire_times(trigger.source, trigger.cond, now, tz, count)
        except CalendarError as exc:
            return [], f"broken: {exc}"
        return found, trigger.source.note
    return next_times(trigger, now, count), None


def local_zone() -> tzinfo:
    """The system's time zone with its DST rules (tzlocal, as APScheduler uses)."""
    from tzlocal import get_localzone

    return get_localzone()
