"""Bounds on a calendar's work: no calendar may run for ever or fill the memory.

- `screen()` drops the series that repeat too often (every second, every few minutes, hourly
  since 1601: more than MAX_WALK instances to walk to reach the window, or more than
  MAX_PER_WINDOW in one window) and those with an impossible rule (BYMONTH=13…), before
  recurring-ical-events sees them; it says which in one line. The rest of the calendar works.
- `bounded()` runs a computation with a time budget: past it, an exception is raised in
  the computing thread (dateutil and icalendar are pure Python, so it lands within
  microseconds) and the caller gets CalendarError "takes too long".
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import TypeVar

BUDGET_S = 2.0  # the most one reading of a calendar may take
MAX_WALK = 200_000  # instances dateutil may walk from a series' start to the window's end
MAX_PER_WINDOW = 2_000  # instances of one series in one window (42 days: hourly passes, every 30 min not)

PERIOD_S = {"SECONDLY": 1, "MINUTELY": 60, "HOURLY": 3600, "DAILY": 86400, "WEEKLY": 7 * 86400,
            "MONTHLY": 28 * 86400, "YEARLY": 365 * 86400}
ORDER = list(PERIOD_S)
# BY part -> (the range of its values, the finest FREQ it does not multiply, its most values a period)
BY_RANGES = {"BYSECOND": (0, 60), "BYMINUTE": (0, 59), "BYHOUR": (0, 23), "BYMONTH": (1, 12)}
BY_SIGNED = {"BYMONTHDAY": 31, "BYYEARDAY": 366, "BYWEEKNO": 53, "BYSETPOS": 366}
EXPANDS = {"BYSECOND": "SECONDLY", "BYMINUTE": "MINUTELY", "BYHOUR": "HOURLY", "BYDAY": "DAILY",
           "BYMONTHDAY": "DAILY", "BYYEARDAY": "DAILY", "BYWEEKNO": "WEEKLY", "BYMONTH": "MONTHLY"}
WORDS = {"SECONDLY": "every second", "MINUTELY": "every minute", "HOURLY": "every hour", "DAILY": "every day",
         "WEEKLY": "every week", "MONTHLY": "every month", "YEARLY": "every year"}

T = TypeVar("T")


class OverBudget(Exception):
    """Raised inside the computing thread when its budget is spent."""


def _values(rule, key: str) -> list:
    value = rule.get(key)
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _utc(moment) -> datetime | None:
    if isinstance(moment, datetime):
        return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    if isinstance(moment, date):
        return datetime(moment.year, moment.month, moment.day, tzinfo=timezone.utc)
    return None


def rule_problem(rule, start: datetime | None, until_ref: datetime, window: timedelta) -> str | None:
    """Why this RRULE cannot be followed (one phrase), or None."""
    if not isinstance(rule, dict):  # icalendar's vBroken: a rule it could not parse
        return "a repeat rule that cannot be read"
    freq = str((_values(rule, "FREQ") or [""])[0]).upper()
    if freq not in PERIOD_S:
        return f"an unknown repeat frequency {freq[:12]!r}"
    for key, (lo, hi) in BY_RANGES.items():
        for v in _values(rule, key):
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                return f"an impossible repeat rule ({key}={str(v)[:8]})"
    for key, hi in BY_SIGNED.items():
        for v in _values(rule, key):
            if isinstance(v, bool) or not isinstance(v, int) or v == 0 or abs(v) > hi:
                return f"an impossible repeat rule ({key}={str(v)[:8]})"
    interval = (_values(rule, "INTERVAL") or [1])[0]
    if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
        return "an impossible repeat rule (INTERVAL)"
    per_period = 1
    for key, finest in EXPANDS.items():
        n = len(_values(rule, key))
        if n and ORDER.index(freq) > ORDER.index(finest):
            per_period *= n * (5 if key == "BYDAY" and freq in ("MONTHLY", "YEARLY") else 1)
    period = PERIOD_S[freq] * interval
    in_window = window.total_seconds() / period * per_period
    words = WORDS[freq] if interval == 1 else f"every {interval} × {WORDS[freq].split()[-1]}"
    if in_window > MAX_PER_WINDOW:
        return f"repeats too often ({words})"
    count = (_values(rule, "COUNT") or [None])[0]
    until = _utc((_values(rule, "UNTIL") or [None])[0])
    end = min(until_ref, until) if until is not None else until_ref
    if start is None:
        return None
    walk = max(0.0, (end - start).total_seconds()) / period * per_period
    if isinstance(count, int) and not isinstance(count, bool):
        walk = min(walk, count)
    if walk > MAX_WALK:
        return f"repeats too often to follow ({words} since {start.year})"
    return None


def screen(cal, until_ref: datetime, window: timedelta):
    """(the calendar without the series that cannot be followed, one line naming them or None)."""
    dropped: dict[str, str] = {}
    for comp in cal.walk("VEVENT"):
        rules = comp.get("RRULE")
        if rules is None:
            continue
        start = _utc(getattr(comp.get("DTSTART"), "dt", None))
        for rule in rules if isinstance(rules, list) else [rules]:
            why = rule_problem(rule, start, until_ref, window)
            if why:
                dropped[str(comp.get("UID", ""))] = f"{' '.join(str(comp.get('SUMMARY', 'an event')).split())[:40]!r} {why}"
                break
    if not dropped:
        return cal, None
    import icalendar

    kept = icalendar.Calendar(cal)
    kept.subcomponents = [c for c in cal.subcomponents
                          if not (c.name == "VEVENT" and str(c.get("UID", "")) in dropped)]
    first = next(iter(dropped.values()))
    more = f" (and {len(dropped) - 1} more)" if len(dropped) > 1 else ""
    return kept, f"this calendar repeats too often: {first}{more}; those events are left out"


class _Budget:
    def __init__(self, seconds: float) -> None:
        self.tid = threading.get_ident()
        self.lock = threading.Lock()
        self.fired = self.done = False
        self.timer = threading.Timer(seconds, self._fire)
        self.timer.daemon = True

    def _fire(self) -> None:
        with self.lock:
            if not self.done:
                self.fired = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.tid), ctypes.py_object(OverBudget))

    def stop(self) -> None:
        with self.lock:
            self.done = True
            self.timer.cancel()
            if self.fired:  # raised but perhaps not yet delivered: take it back
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.tid), None)


def bounded(work: Callable[[], T], seconds: float | None = None) -> T:
    """work(), or OverBudget once `seconds` (default BUDGET_S) have passed."""
    budget = _Budget(BUDGET_S if seconds is None else seconds)
    started = time.monotonic()
    try:
        try:
            budget.timer.start()
            return work()
        finally:
            budget.stop()
    except OverBudget:
        raise OverBudget(f"over {time.monotonic() - started:.1f} s") from None
