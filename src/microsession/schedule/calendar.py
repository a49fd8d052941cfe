"""Calendar (.ics) event ends, for "N minutes after a meeting" rules.

icalendar parses, recurring-ical-events expands recurrences (RRULE, EXDATE, moved instances
by RECURRENCE-ID, time zones, Google's X-WR-TIMEZONE). All-day, cancelled, declined and (a
rule option) free events are ignored, and so are our own exported sessions (their UID
domain). The work is bounded (calendar_bounds): a series that repeats too often is left out
with a one-line note, and no reading runs past a time budget. The file is re-read when its
mtime or size changes. A missing, unreadable, truncated or non-calendar file raises
CalendarError with a one-line reason; the rule stays and is shown as broken.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path

from microsession.core.export_format import SESSION_UID_DOMAIN
from microsession.core.triggers import AfterEvents
from microsession.schedule.calendar_bounds import OverBudget, bounded, screen

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


SKIPPED_STATUS = frozenset({"CANCELLED"})


def _addresses(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _mail(addr: object) -> str:
    text = str(addr).strip().lower()
    return text[7:] if text.startswith("mailto:") else text


def owners(cal, me: frozenset[str] = frozenset()) -> frozenset[str]:
    """The calendar owner's addresses, where they can be known: the rule's own, and Google's
    X-WR-CALNAME (a primary calendar is named by its owner's address)."""
    found = {_mail(m) for m in me if m}
    name = str(cal.get("X-WR-CALNAME", "")).strip()
    if "@" in name and " " not in name:
        found.add(_mail(name))
    return frozenset(found)


def skipped(event, mine: frozenset[str], skip_free: bool) -> bool:
    """A cancelled event (a series or one instance), our own exported session, one the owner
    declined, or (with skip_free) one marked free: no meeting ends there."""
    if str(event.get("STATUS", "")).upper() in SKIPPED_STATUS:
        return True
    if str(event.get("UID", "")).lower().endswith("@" + SESSION_UID_DOMAIN):
        return True
    if skip_free and str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
        return True
    if mine:
        for att in _addresses(event.get("ATTENDEE")):
            params = getattr(att, "params", {})
            if _mail(att) in mine and str(params.get("PARTSTAT", "")).upper() == "DECLINED":
                return True
    return False


def event_ends(cal, start: datetime, end: datetime, tz: tzinfo, *, skip_free: bool = True,
               me: frozenset[str] = frozenset()) -> list[datetime]:
    """End times (aware, in `tz`) of timed events ending in [start, end), sorted, unique.
    Bounded: OverBudget past the time budget (the caller makes it a CalendarError)."""
    import recurring_ical_events

    mine = owners(cal, me)
    try:
        found = recurring_ical_events.of(cal).between(start - LONGEST_EVENT, end)
    except OverBudget:
        raise
    except Exception as exc:  # noqa: BLE001 - a bad RRULE, an unknown TZID…
        raise CalendarError(f"the calendar cannot be expanded: {_one_line(exc)}") from None
    ends = set()
    for event in found:
        begin = event.get("DTSTART")
        if begin is None or not isinstance(begin.dt, datetime) or skipped(event, mine, skip_free):
            continue  # all-day (a date), no start, cancelled, declined, free: ignored
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
    """One calendar's event ends, re-read when its file changes. Thread-safe.

    `path` is the .ics file (for a subscription or a CalDAV account: the local copy that
    `fetch` keeps current). `fetch`, when given, is called by `refresh()` (never on the UI
    thread) and when there is no copy yet; it returns a note ("offline: …") or None, or
    raises CalendarError when there is nothing to fall back on.
    """

    def __init__(self, path: str, fetch: Callable[[], str | None] | None = None) -> None:
        self.path = path
        self.fetch = fetch
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._cal = None
        self._cache: dict[tuple, list[datetime]] = {}
        self.error: str | None = None
        self.note: str | None = None  # works, but something to say (offline, events left out)
        self._fetched = False
        self._screen_note: str | None = None

    def refresh(self) -> None:
        """Fetch a network calendar again (a file is re-read when it changes anyway)."""
        if self.fetch is None:
            return
        with self._lock:
            self._fetch()

    def _fetch(self) -> None:
        assert self.fetch is not None
        self._fetched = True
        try:
            self._fetch_note = self.fetch()
        except CalendarError as exc:
            self.error = str(exc)
            self._cal, self._stamp = None, None
            raise

    def _load(self) -> None:
        if self.fetch is not None and not self._fetched:
            self._fetch()
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
            cal = bounded(lambda: read_calendar(self.path))
            horizon = datetime.now(timezone.utc) + 2 * HORIZON
            self._cal, self._screen_note = screen(cal, horizon, WINDOW + LONGEST_EVENT)
            self.error = None
        except OverBudget as exc:
            self.error = f"the calendar takes too long to read ({exc})"
            raise CalendarError(self.error) from None
        except CalendarError as exc:
            self.error = str(exc)
            raise

    def ends(self, start: datetime, end: datetime, tz: tzinfo, *, skip_free: bool = True,
             me: frozenset[str] = frozenset()) -> list[datetime]:
        with self._lock:
            self._load()
            self.note = getattr(self, "_fetch_note", None) or self._screen_note
            key = (start, end, skip_free, me)
            if key not in self._cache:
                if len(self._cache) > 16:
                    self._cache.clear()
                cal = self._cal
                try:
                    self._cache[key] = bounded(lambda: event_ends(cal, start, end, tz, skip_free=skip_free, me=me))
                except OverBudget as exc:
                    self.error = f"this calendar repeats too often: expanding it takes too long ({exc})"
                    raise CalendarError(self.error) from None
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
        for end in source.ends(lo - shift, hi - shift, tz, skip_free=cond.skip_free, me=cond.me):
            fire = (end + shift).astimezone(tz)
            if (fire < after) or (fire == after and not inclusive):
                continue
            if cond.in_hours(fire.weekday(), (fire.hour, fire.minute)) and (not out or fire > out[-1]):
                out.append(fire)
                if len(out) == count:
                    break
        lo = hi
    return out
