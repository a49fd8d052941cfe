"""Calendar (.ics) event ends, for "N minutes after a meeting" rules.

icalendar parses, recurring-ical-events expands recurrences (RRULE, EXDATE, moved instances
by RECURRENCE-ID, time zones). All-day events are ignored. The file is re-read when its
mtime or size changes. A missing, unreadable, truncated or non-calendar file raises
CalendarError with a one-line reason; the rule stays and is shown as broken.
"""

from __future__ import annotations

import os
import threading
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path

from microsession.core.triggers import AfterEvents

MAX_BYTES = 20 * 1024 * 1024
WINDOW = timedelta(days=35)  # event ends computed this far ahead at a time
HORIZON = timedelta(days=400)  # no fire time searched beyond this
LONGEST_EVENT = timedelta(days=7)


class CalendarError(Exception):
    """The calendar cannot be used; str() is one line for the user."""


def _one_line(text: object, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_calendar(path: str | os.PathLike[str]):
    """The parsed icalendar.Calendar, or CalendarError."""
    import icalendar

    p = Path(path)
    try:
        if p.stat().st_size > MAX_BYTES:
            raise CalendarError(f"{p.name} is larger than {MAX_BYTES // (1024 * 1024)} MB")
        data = p.read_bytes()
    except FileNotFoundError:
        raise CalendarError(f"{p} does not exist") from None
    except IsADirectoryError:
        raise CalendarError(f"{p} is a folder, not an .ics file") from None
    except OSError as exc:
        raise CalendarError(f"cannot read {p}: {exc.strerror or exc}") from None
    if b"\0" in data[:65536]:
        raise CalendarError(f"{p.name} is not a calendar (binary data)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CalendarError(f"{p.name} is not a calendar (not UTF-8 text)") from None
    stripped = text.strip()
    if not stripped.upper().startswith("BEGIN:VCALENDAR"):
        raise CalendarError(f"{p.name} is not an .ics calendar (no BEGIN:VCALENDAR)")
    if not stripped.upper().endswith("END:VCALENDAR"):
        raise CalendarError(f"{p.name} is cut short (no END:VCALENDAR at its end)")
    try:
        return icalendar.Calendar.from_ical(text)
    except Exception as exc:  # noqa: BLE001 - icalendar raises ValueError, KeyError, IndexError…
        raise CalendarError(f"{p.name} is malformed: {_one_line(exc)}") from None


def event_ends(cal, start: datetime, end: datetime, tz: tzinfo) -> list[datetime]:
    """End times (aware, in `tz`) of timed events ending in [start, end), sorted, unique."""
    import recurring_ical_events

    try:
        found = recurring_ical_events.of(cal).between(start - LONGEST_EVENT, end)
    except Exception as exc:  # noqa: BLE001 - a bad RRULE, an unknown TZID…
        raise CalendarError(f"the calendar cannot be expanded: {_one_line(exc)}") from None
    ends = set()
    for event in found:
        begin = event.get("DTSTART")
        if begin is None or not isinstance(begin.dt, datetime):
            continue  # all-day (a date) or no start: ignored
        stop = event.get("DTEND")
        if stop is not None:
            moment = stop.dt
        else:
            duration = event.get("DURATION")
            moment = begin.dt + (duration.dt if duration is not None else timedelta(0))
        if isinstance(moment, date) and not isinstance(moment, datetime):
            continue
        if moment.tzinfo is None:  # floating time: the user's local time
            moment = moment.replace(tzinfo=tz)
        moment = moment.astimezone(tz)
        if start <= moment < end:
            ends.add(moment)
    return sorted(ends)


class CalendarSource:
    """One .ics file's event ends, re-read when the file changes. Thread-safe."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._cal = None
        self._cache: dict[tuple[datetime, datetime], list[datetime]] = {}
        self.error: str | None = None

    def _load(self) -> None:
        try:
            st = os.stat(self.path)
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        if stamp is not None and stamp == self._stamp and self._cal is not None:
            return
        self._cache.clear()
        self._cal, self._stamp = None, stamp
        try:
            self._cal = read_calendar(self.path)
            self.error = None
        except CalendarError as exc:
            self.error = str(exc)
            raise

    def ends(self, start: datetime, end: datetime, tz: tzinfo) -> list[datetime]:
        with self._lock:
            self._load()
            key = (start, end)
            if key not in self._cache:
                if len(self._cache) > 16:
                    self._cache.clear()
                self._cache[key] = event_ends(self._cal, start, end, tz)
            return self._cache[key]


def fire_times(source: CalendarSource, cond: AfterEvents, after: datetime, tz: tzinfo,
               count: int, *, inclusive: bool = True) -> list[datetime]:
    """Up to `count` fire times (event end + N min, inside working hours) at or after `after`
    (strictly after it when not inclusive). CalendarError if the file cannot be used."""
    out: list[datetime] = []
    shift = timedelta(minutes=cond.after)
    after = after.astimezone(tz)
    # windows aligned on whole days, so repeated queries hit the cache
    day0 = datetime(after.year, after.month, after.day, tzinfo=tz)
    lo = day0
    while len(out) < count and lo - day0 < HORIZON:
        hi = lo + WINDOW
        for end in source.ends(lo - shift, hi - shift, tz):
            fire = (end + shift).astimezone(tz)
            if (fire < after) or (fire == after and not inclusive):
                continue
            if cond.in_hours(fire.weekday(), (fire.hour, fire.minute)) and (not out or fire > out[-1]):
                out.append(fire)
                if len(out) == count:
                    break
        lo = hi
    return out
